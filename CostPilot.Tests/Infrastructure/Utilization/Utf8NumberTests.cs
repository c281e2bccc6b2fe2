using System.Globalization;
using System.Text;
using CostPilot.Infrastructure.Aws.CloudWatch;

namespace CostPilot.Tests.Infrastructure.Utilization;

/// <summary>The fast number parser answers exactly what double.Parse answers, bit for bit.</summary>
public sealed class Utf8NumberTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("0.0")]
    [InlineData("12.5")]
    [InlineData("-0.5")]
    [InlineData("+3")]
    [InlineData("5.")]
    [InlineData(".25")]
    [InlineData("1.2345678E7")]
    [InlineData("1e-5")]
    [InlineData("2.4166666666666665")]
    [InlineData("0.1")]
    [InlineData("0.30000000000000004")]
    [InlineData("9007199254740993")]
    [InlineData("9007199254740992.5")]
    [InlineData("18446744073709551615")]
    [InlineData("1.7976931348623157E308")]
    [InlineData("2.2250738585072014E-308")]
    [InlineData("4.9E-324")]
    [InlineData("1e400")]
    [InlineData("1e-400")]
    [InlineData("123456789012345678901234567890")]
    [InlineData("0.000000000000000000000000000001")]
    [InlineData(" 42 ")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    public void TryParse_Edge_SameAsDoubleParse(string text) => AssertSame(text);

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData(".")]
    [InlineData("1e")]
    [InlineData("1.2.3")]
    [InlineData("12abc")]
    [InlineData("0x10")]
    public void TryParse_NotANumber_False(string text) => Assert.False(Utf8Number.TryParse(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void TryParse_RandomDoublesInEveryFormat_SameBitsAsDoubleParse()
    {
        var random = new Random(20261130);
        for (var i = 0; i < 200_000; i++)
        {
            var value = (i % 4) switch
            {
                0 => random.NextDouble() * 100,
                1 => Math.Round(random.NextDouble() * 1e12),
                2 => BitConverter.Int64BitsToDouble(random.NextInt64(0, 0x7FEF_FFFF_FFFF_FFFF)),
                _ => random.NextDouble() * Math.Pow(10, random.Next(-30, 30)),
            };
            foreach (var format in new[] { "R", "E16", "G15", "F6", "E3" })
            {
                AssertSame(value.ToString(format, CultureInfo.InvariantCulture));
            }
        }
    }

    [Fact]
    public void TryParse_RandomDecimalStrings_SameBitsAsDoubleParse()
    {
        var random = new Random(7);
        var text = new StringBuilder();
        for (var i = 0; i < 300_000; i++)
        {
            text.Clear();
            var digits = random.Next(1, 21);
            var point = random.Next(0, digits + 1);
            for (var d = 0; d < digits; d++)
            {
                if (d == point && d > 0)
                {
                    text.Append('.');
                }
                text.Append((char)('0' + random.Next(10)));
            }
            if (random.Next(3) == 0)
            {
                text.Append('e').Append(random.Next(-40, 40));
            }
            AssertSame(text.ToString());
        }
    }

    private static void AssertSame(string text)
    {
        var expected = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed);
        var actual = Utf8Number.TryParse(Encoding.UTF8.GetBytes(text), out var value);
        Assert.True(expected == actual, $"'{text}': double.TryParse {expected}, Utf8Number {actual}");
        Assert.True(BitConverter.DoubleToInt64Bits(parsed) == BitConverter.DoubleToInt64Bits(value) || (double.IsNaN(parsed) && double.IsNaN(value)),
            $"'{text}': expected {parsed:R}, got {value:R}");
    }
}
