using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace CostPilot.Infrastructure.Security;

/// <summary>
/// The AES-256 keys that seal AWS secrets at rest. <c>ENCRYPTION_KEY</c> (base64 of 32 bytes) is the
/// current key, numbered by <c>ENCRYPTION_KEY_VERSION</c> (default 1). For rotation, older keys stay
/// readable through <c>ENCRYPTION_KEYS_PREVIOUS</c> as <c>version:base64</c> pairs separated by commas.
/// </summary>
public sealed class EncryptionKeyRing
{
    public const int KeySize = 32;
    private readonly Dictionary<int, byte[]> _keys;

    public EncryptionKeyRing(int currentVersion, byte[] currentKey, IReadOnlyDictionary<int, byte[]>? previous = null)
    {
        if (currentKey.Length != KeySize)
        {
            throw new InvalidOperationException($"ENCRYPTION_KEY must be {KeySize} bytes, base64-encoded.");
        }
        CurrentVersion = currentVersion;
        _keys = previous?.ToDictionary() ?? [];
        _keys[currentVersion] = currentKey;
    }

    public int CurrentVersion { get; }

    public byte[] Current => _keys[CurrentVersion];

    public byte[] Get(int version) =>
        _keys.TryGetValue(version, out var key)
            ? key
            : throw new CryptographicException($"Encryption key version {version} is not configured (see ENCRYPTION_KEYS_PREVIOUS).");

    public static EncryptionKeyRing FromConfiguration(IConfiguration config, IHostEnvironment environment, string dataDirectory)
    {
        var text = config["ENCRYPTION_KEY"];
        if (string.IsNullOrWhiteSpace(text))
        {
            if (!environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    "ENCRYPTION_KEY is not set. CostPilot encrypts AWS secrets with it and will not start without one " +
                    "outside Development. Generate one with 'openssl rand -base64 32' and keep it safe: losing it makes stored AWS keys unreadable.");
            }
            text = DevelopmentKeyFile.LoadOrCreate(dataDirectory, "encryption.key", KeySize);
        }
        var version = config.GetValue("ENCRYPTION_KEY_VERSION", 1);
        var previous = new Dictionary<int, byte[]>();
        foreach (var entry in (config["ENCRYPTION_KEYS_PREVIOUS"] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = entry.Split(':', 2);
            if (parts.Length != 2 || !int.TryParse(parts[0], out var v))
            {
                throw new InvalidOperationException("ENCRYPTION_KEYS_PREVIOUS must be a comma-separated list of version:base64 pairs.");
            }
            previous[v] = Decode(parts[1], $"ENCRYPTION_KEYS_PREVIOUS (version {v})");
        }
        return new EncryptionKeyRing(version, Decode(text, "ENCRYPTION_KEY"), previous);
    }

    private static byte[] Decode(string base64, string name)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidOperationException($"{name} is not valid base64. Generate one with 'openssl rand -base64 32'.");
        }
        return bytes.Length == KeySize
            ? bytes
            : throw new InvalidOperationException($"{name} must decode to {KeySize} bytes; it decodes to {bytes.Length}.");
    }
}
