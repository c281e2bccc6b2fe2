using Microsoft.AspNetCore.Identity;
using BC = BCrypt.Net.BCrypt;

namespace CostPilot.Infrastructure.Identity;

/// <summary>
/// bcrypt behind Identity's hasher interface. The password is pre-hashed with SHA-384 (BCrypt.Net's
/// "enhanced" mode) so bcrypt's 72-byte input limit never silently truncates a long passphrase.
/// </summary>
public sealed class BCryptPasswordHasher : IPasswordHasher<AppUser>
{
    public const int WorkFactor = 12;
    private const BCrypt.Net.HashType PreHash = BCrypt.Net.HashType.SHA384;

    public string HashPassword(AppUser user, string password) =>
        BC.EnhancedHashPassword(password, PreHash, WorkFactor);

    public PasswordVerificationResult VerifyHashedPassword(AppUser user, string hashedPassword, string providedPassword)
    {
        bool ok;
        try
        {
            ok = BC.EnhancedVerify(providedPassword, hashedPassword, PreHash);
        }
        catch (Exception e) when (e is BCrypt.Net.SaltParseException or ArgumentException or FormatException or OverflowException or IndexOutOfRangeException)
        {
            return PasswordVerificationResult.Failed;
        }
        if (!ok)
        {
            return PasswordVerificationResult.Failed;
        }
        return WorkFactorOf(hashedPassword) < WorkFactor
            ? PasswordVerificationResult.SuccessRehashNeeded
            : PasswordVerificationResult.Success;
    }

    /// <summary>Reads the cost from a hash such as <c>$2a$12$...</c>.</summary>
    public static int WorkFactorOf(string hash)
    {
        var parts = hash.Split('$');
        return parts.Length > 2 && int.TryParse(parts[2], out var cost) ? cost : 0;
    }
}
