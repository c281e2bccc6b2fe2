using System.Security.Cryptography;

namespace CostPilot.Infrastructure.Security;

/// <summary>
/// A random key kept in a file of the data folder, readable by its owner only: what Development uses when a secret (the
/// encryption key, the token signing key) is not configured, so a restart keeps what was sealed or signed with it.
/// </summary>
public static class DevelopmentKeyFile
{
    /// <summary>The base64 key stored in <paramref name="fileName"/>, created with <paramref name="size"/> random bytes when missing.</summary>
    public static string LoadOrCreate(string dataDirectory, string fileName, int size)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, fileName);
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(size));
        File.WriteAllText(path, key);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return key;
    }
}
