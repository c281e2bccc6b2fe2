using System.Security.Cryptography;
using System.Text;
using CostPilot.Infrastructure.Security;

namespace CostPilot.Tests.Infrastructure.Security;

public sealed class SecretProtectorTests
{
    private const string Purpose = "aws-secret-key";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void Unprotect_WhatWasProtected_ReturnsTheOriginal()
    {
        var protector = new SecretProtector(Ring(1, Key(1)));

        var sealedData = protector.Protect(Secret, Purpose);

        Assert.Equal(Secret, protector.Unprotect(sealedData, protector.CurrentKeyVersion, Purpose));
    }

    [Fact]
    public void Protect_SameTextTwice_GivesDifferentBlobsWithoutThePlaintext()
    {
        var protector = new SecretProtector(Ring(1, Key(1)));

        var first = protector.Protect(Secret, Purpose);
        var second = protector.Protect(Secret, Purpose);

        Assert.NotEqual(first, second);
        Assert.DoesNotContain("EXAMPLEKEY", Encoding.UTF8.GetString(first), StringComparison.Ordinal);
    }

    [Fact]
    public void Unprotect_EmptyString_RoundTrips()
    {
        var protector = new SecretProtector(Ring(1, Key(1)));

        Assert.Equal("", protector.Unprotect(protector.Protect("", Purpose), 1, Purpose));
    }

    [Theory]
    [InlineData(0)]   // nonce
    [InlineData(12)]  // tag
    [InlineData(28)]  // ciphertext
    public void Unprotect_OneByteFlipped_ThrowsCryptographicException(int index)
    {
        var protector = new SecretProtector(Ring(1, Key(1)));
        var sealedData = protector.Protect(Secret, Purpose);

        sealedData[index] ^= 0x01;

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedData, 1, Purpose));
    }

    [Fact]
    public void Unprotect_Truncated_ThrowsCryptographicException()
    {
        var protector = new SecretProtector(Ring(1, Key(1)));

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(new byte[27], 1, Purpose));
    }

    [Fact]
    public void Unprotect_OtherPurpose_ThrowsCryptographicException()
    {
        var protector = new SecretProtector(Ring(1, Key(1)));
        var sealedData = protector.Protect(Secret, Purpose);

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(sealedData, 1, "webhook-token"));
    }

    [Fact]
    public void Unprotect_OtherKey_ThrowsCryptographicException()
    {
        var sealedData = new SecretProtector(Ring(1, Key(1))).Protect(Secret, Purpose);
        var other = new SecretProtector(Ring(1, Key(2)));

        Assert.ThrowsAny<CryptographicException>(() => other.Unprotect(sealedData, 1, Purpose));
    }

    [Fact]
    public void Unprotect_AfterRotation_OldBlobStillOpensWithItsVersion()
    {
        var oldBlob = new SecretProtector(Ring(1, Key(1))).Protect(Secret, Purpose);
        var rotated = new SecretProtector(new EncryptionKeyRing(2, Key(2), new Dictionary<int, byte[]> { [1] = Key(1) }));

        var newBlob = rotated.Protect("new secret", Purpose);

        Assert.Equal(2, rotated.CurrentKeyVersion);
        Assert.Equal(Secret, rotated.Unprotect(oldBlob, 1, Purpose));
        Assert.Equal("new secret", rotated.Unprotect(newBlob, 2, Purpose));
    }

    [Fact]
    public void Unprotect_BlobUnderTheWrongVersion_ThrowsCryptographicException()
    {
        var ring = new EncryptionKeyRing(2, Key(2), new Dictionary<int, byte[]> { [1] = Key(1) });
        var protector = new SecretProtector(ring);
        var blob = protector.Protect(Secret, Purpose);

        Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(blob, 1, Purpose));
    }

    [Fact]
    public void Unprotect_UnknownVersion_ThrowsNamingThePreviousKeysSetting()
    {
        var protector = new SecretProtector(Ring(2, Key(2)));
        var blob = new SecretProtector(Ring(1, Key(1))).Protect(Secret, Purpose);

        var e = Assert.ThrowsAny<CryptographicException>(() => protector.Unprotect(blob, 1, Purpose));
        Assert.Contains("ENCRYPTION_KEYS_PREVIOUS", e.Message, StringComparison.Ordinal);
    }

    private static EncryptionKeyRing Ring(int version, byte[] key) => new(version, key);

    /// <summary>A fixed, distinct 32-byte key per seed.</summary>
    private static byte[] Key(int seed) => SHA256.HashData(BitConverter.GetBytes(seed));
}
