using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;

namespace CostPilot.Tests.Infrastructure.Identity;

public sealed class BCryptPasswordHasherTests
{
    private const string Password = "correct horse battery staple";

    private readonly BCryptPasswordHasher _hasher = new();
    private readonly AppUser _user = new();

    [Fact]
    public void HashPassword_AnyPassword_UsesWorkFactor12()
    {
        var hash = _hasher.HashPassword(_user, Password);

        Assert.Equal(12, BCryptPasswordHasher.WorkFactorOf(hash));
        Assert.StartsWith("$2", hash, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, hash, StringComparison.Ordinal);
    }

    [Fact]
    public void VerifyHashedPassword_RightPassword_Succeeds()
    {
        var hash = _hasher.HashPassword(_user, Password);

        Assert.Equal(PasswordVerificationResult.Success, _hasher.VerifyHashedPassword(_user, hash, Password));
    }

    [Fact]
    public void VerifyHashedPassword_WrongPassword_Fails()
    {
        var hash = _hasher.HashPassword(_user, Password);

        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(_user, hash, Password + "!"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("$")]
    [InlineData("$2")]
    [InlineData("garbage")]
    [InlineData("$2a$12$")]
    [InlineData("$2a$12$tooshort")]
    [InlineData("$2a$xx$abcdefghijklmnopqrstuvabcdefghijklmnopqrstuvwxyz01234")]
    [InlineData("$9z$12$abcdefghijklmnopqrstuvabcdefghijklmnopqrstuvwxyz01234")]
    [InlineData("$2a$12$!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!")]
    [InlineData("$2a$99$abcdefghijklmnopqrstuvabcdefghijklmnopqrstuvwxyz01234")]
    [InlineData("AQAAAAIAAYagAAAAEJ7zfyuyg5Jw4f2oK2aVf5vMBtY8xW5rP0qR0xUuKj0Qp1m6f8Jm6q0M0Q==")]
    public void VerifyHashedPassword_GarbageHash_FailsWithoutThrowing(string hash)
    {
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(_user, hash, Password));
    }

    [Fact]
    public void VerifyHashedPassword_LongPasswordsDifferingAfterByte80_DoNotMatch()
    {
        var common = new string('x', 80);
        var hash = _hasher.HashPassword(_user, common + "-first");

        Assert.Equal(PasswordVerificationResult.Success, _hasher.VerifyHashedPassword(_user, hash, common + "-first"));
        Assert.Equal(PasswordVerificationResult.Failed, _hasher.VerifyHashedPassword(_user, hash, common + "-second"));
    }

    [Fact]
    public void VerifyHashedPassword_LowerWorkFactorHash_AsksForARehash()
    {
        var weak = BCrypt.Net.BCrypt.EnhancedHashPassword(Password, BCrypt.Net.HashType.SHA384, 4);

        Assert.Equal(PasswordVerificationResult.SuccessRehashNeeded, _hasher.VerifyHashedPassword(_user, weak, Password));
    }

    [Theory]
    [InlineData("$2a$12$abc", 12)]
    [InlineData("$2b$04$abc", 4)]
    [InlineData("not a hash", 0)]
    [InlineData("", 0)]
    public void WorkFactorOf_Hash_ReadsTheCost(string hash, int expected)
    {
        Assert.Equal(expected, BCryptPasswordHasher.WorkFactorOf(hash));
    }
}
