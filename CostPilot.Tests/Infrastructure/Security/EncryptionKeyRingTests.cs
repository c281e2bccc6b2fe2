using System.Security.Cryptography;
using CostPilot.Infrastructure.Security;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace CostPilot.Tests.Infrastructure.Security;

public sealed class EncryptionKeyRingTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("costpilot-keys-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public void FromConfiguration_ProductionWithoutKey_ThrowsNamingEncryptionKey()
    {
        var e = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRing.FromConfiguration(Configuration(), HostEnvironment(Environments.Production), _dataDirectory));

        Assert.Contains("ENCRYPTION_KEY", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dataDirectory, "encryption.key")));
    }

    [Fact]
    public void FromConfiguration_ValidKey_UsesItAsVersionOne()
    {
        var key = RandomNumberGenerator.GetBytes(32);

        var ring = EncryptionKeyRing.FromConfiguration(Configuration(("ENCRYPTION_KEY", Convert.ToBase64String(key))), HostEnvironment(Environments.Production), _dataDirectory);

        Assert.Equal(1, ring.CurrentVersion);
        Assert.Equal(key, ring.Current);
    }

    [Fact]
    public void FromConfiguration_NotBase64_ThrowsSayingSoWithoutEchoingIt()
    {
        var config = Configuration(("ENCRYPTION_KEY", "this is not base64!"));

        var e = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRing.FromConfiguration(config, HostEnvironment(Environments.Production), _dataDirectory));

        Assert.Contains("ENCRYPTION_KEY is not valid base64", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("this is not base64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_SixteenByteKey_ThrowsNamingBothLengths()
    {
        var config = Configuration(("ENCRYPTION_KEY", Convert.ToBase64String(new byte[16])));

        var e = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRing.FromConfiguration(config, HostEnvironment(Environments.Production), _dataDirectory));

        Assert.Contains("ENCRYPTION_KEY must decode to 32 bytes; it decodes to 16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_PreviousKeys_DecryptAfterRotation()
    {
        var oldKey = RandomNumberGenerator.GetBytes(32);
        var newKey = RandomNumberGenerator.GetBytes(32);
        var oldBlob = new SecretProtector(new EncryptionKeyRing(1, oldKey)).Protect("secret", "purpose");
        var config = Configuration(
            ("ENCRYPTION_KEY", Convert.ToBase64String(newKey)),
            ("ENCRYPTION_KEY_VERSION", "2"),
            ("ENCRYPTION_KEYS_PREVIOUS", $" 1:{Convert.ToBase64String(oldKey)} "));

        var ring = EncryptionKeyRing.FromConfiguration(config, HostEnvironment(Environments.Production), _dataDirectory);

        Assert.Equal(2, ring.CurrentVersion);
        Assert.Equal(newKey, ring.Current);
        Assert.Equal(oldKey, ring.Get(1));
        Assert.Equal("secret", new SecretProtector(ring).Unprotect(oldBlob, 1, "purpose"));
    }

    [Theory]
    [InlineData("no-version-here")]
    [InlineData("one:AAAA")]
    public void FromConfiguration_MalformedPreviousKeys_ThrowsNamingTheSetting(string previous)
    {
        var config = Configuration(("ENCRYPTION_KEY", Convert.ToBase64String(new byte[32])), ("ENCRYPTION_KEYS_PREVIOUS", previous));

        var e = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRing.FromConfiguration(config, HostEnvironment(Environments.Production), _dataDirectory));

        Assert.Contains("ENCRYPTION_KEYS_PREVIOUS", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_PreviousKeyOfWrongLength_ThrowsNamingItsVersion()
    {
        var config = Configuration(("ENCRYPTION_KEY", Convert.ToBase64String(new byte[32])), ("ENCRYPTION_KEYS_PREVIOUS", $"3:{Convert.ToBase64String(new byte[8])}"));

        var e = Assert.Throws<InvalidOperationException>(() => EncryptionKeyRing.FromConfiguration(config, HostEnvironment(Environments.Production), _dataDirectory));

        Assert.Contains("ENCRYPTION_KEYS_PREVIOUS (version 3)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromConfiguration_DevelopmentWithoutKey_CreatesAKeyFileAndReusesIt()
    {
        var first = EncryptionKeyRing.FromConfiguration(Configuration(), HostEnvironment(Environments.Development), _dataDirectory);
        var second = EncryptionKeyRing.FromConfiguration(Configuration(), HostEnvironment(Environments.Development), _dataDirectory);

        var path = Path.Combine(_dataDirectory, "encryption.key");
        Assert.True(File.Exists(path));
        Assert.Equal(32, first.Current.Length);
        Assert.Equal(first.Current, second.Current);
        Assert.Equal(Convert.FromBase64String(File.ReadAllText(path).Trim()), first.Current);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public void FromConfiguration_DevelopmentInAMissingFolder_CreatesTheFolder()
    {
        var nested = Path.Combine(_dataDirectory, "not", "yet");

        var ring = EncryptionKeyRing.FromConfiguration(Configuration(), HostEnvironment(Environments.Development), nested);

        Assert.Equal(32, ring.Current.Length);
        Assert.True(File.Exists(Path.Combine(nested, "encryption.key")));
    }

    [Fact]
    public void Constructor_KeyOfWrongLength_Throws()
    {
        Assert.Throws<InvalidOperationException>(() => new EncryptionKeyRing(1, new byte[31]));
    }

    [Fact]
    public void Get_UnknownVersion_ThrowsCryptographicException()
    {
        var ring = new EncryptionKeyRing(1, new byte[32]);

        Assert.Throws<CryptographicException>(() => ring.Get(7));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    private static HostingEnvironment HostEnvironment(string name) => new() { EnvironmentName = name };
}
