using CostPilot.Domain.Accounts;

namespace CostPilot.Tests.Domain.Accounts;

public sealed class AwsAccountIdTests
{
    [Theory]
    [InlineData("123456789012", "123456789012")]
    [InlineData(" 123456789012 ", "123456789012")]
    [InlineData("1234-5678-9012", "123456789012")]
    [InlineData("000000000000", "000000000000")]
    public void TryParse_TwelveDigits_Succeeds(string text, string expected)
    {
        Assert.True(AwsAccountId.TryParse(text, out var id));
        Assert.Equal(expected, id.Value);
        Assert.Equal(expected, id.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("12345678901")]
    [InlineData("1234567890123")]
    [InlineData("12345678901a")]
    [InlineData("1234 5678 9012")]
    [InlineData("١٢٣٤٥٦٧٨٩٠١٢")]
    [InlineData("+12345678901")]
    public void TryParse_NotTwelveAsciiDigits_Fails(string? text)
    {
        Assert.False(AwsAccountId.TryParse(text, out var id));
        Assert.Equal(default, id);
    }

    [Fact]
    public void Parse_Invalid_ThrowsFormatException()
    {
        Assert.Throws<FormatException>(() => AwsAccountId.Parse("nope"));
    }

    [Fact]
    public void Equality_SameDigitsDifferentSpelling_AreEqual()
    {
        Assert.Equal(AwsAccountId.Parse("1234-5678-9012"), AwsAccountId.Parse("123456789012"));
    }
}
