using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;

namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>
/// Exact (correctly rounded) parsing of decimal numbers written in UTF-8, as fast as a page of 100,800 values needs:
/// Clinger's fast path for up to 15 significant digits, the Eisel-Lemire algorithm for up to 19 (both exact whenever they
/// answer), and <see cref="double.TryParse(ReadOnlySpan{byte}, NumberStyles, IFormatProvider?, out double)"/> for anything
/// else (more digits, a halfway case, NaN, Infinity, an exponent out of range).
/// </summary>
internal static class Utf8Number
{
    private const int MinExponent = -342;
    private const int MaxExponent = 308;

    private static readonly double[] ExactPowers =
        [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

    /// <summary>10^e for e in [MinExponent, MaxExponent] as 128 bits rounded down, normalized so the top bit is set: (high, low) pairs.</summary>
    private static readonly ulong[] Powers = BuildPowers();

    public static bool TryParse(ReadOnlySpan<byte> text, out double value)
    {
        if (text.Length > 0 && (IsSpace(text[0]) || IsSpace(text[^1])))
        {
            text = text.Trim(" \t\r\n"u8);
        }
        var i = 0;
        var negative = false;
        if (i < text.Length && (text[i] == '-' || text[i] == '+'))
        {
            negative = text[i] == '-';
            i++;
        }

        ulong mantissa = 0;
        var digits = 0;
        var exponent = 0;
        var anyDigit = false;
        while (i < text.Length && IsDigit(text[i]))
        {
            anyDigit = true;
            if (TryEightDigits(text, i, ref mantissa, ref digits))
            {
                i += 8;
                continue;
            }
            Accumulate(ref mantissa, ref digits, text[i]);
            i++;
        }
        if (i < text.Length && text[i] == '.')
        {
            i++;
            // Every digit after the point, leading zeros too, scales the mantissa down by ten.
            while (i < text.Length && IsDigit(text[i]))
            {
                anyDigit = true;
                if (TryEightDigits(text, i, ref mantissa, ref digits))
                {
                    i += 8;
                    exponent -= 8;
                    continue;
                }
                Accumulate(ref mantissa, ref digits, text[i]);
                exponent--;
                i++;
            }
        }
        if (i < text.Length && (text[i] == 'e' || text[i] == 'E') && anyDigit)
        {
            i++;
            var negativeExponent = false;
            if (i < text.Length && (text[i] == '-' || text[i] == '+'))
            {
                negativeExponent = text[i] == '-';
                i++;
            }
            var start = i;
            var written = 0;
            for (; i < text.Length && IsDigit(text[i]); i++)
            {
                written = written < 100_000 ? written * 10 + (text[i] - '0') : written;
            }
            if (i == start)
            {
                return Fallback(text, out value);
            }
            exponent += negativeExponent ? -written : written;
        }
        if (!anyDigit || i != text.Length || digits > 19)
        {
            return Fallback(text, out value);
        }

        if (mantissa == 0)
        {
            value = negative ? -0.0 : 0.0;
            return true;
        }
        // Clinger: both operands exact, one correctly rounded operation.
        if (mantissa <= 1UL << 53 && exponent is >= -22 and <= 22)
        {
            var exact = (double)mantissa;
            exact = exponent >= 0 ? exact * ExactPowers[exponent] : exact / ExactPowers[-exponent];
            value = negative ? -exact : exact;
            return true;
        }
        if (EiselLemire(mantissa, exponent, negative, out value))
        {
            return true;
        }
        return Fallback(text, out value);
    }

    /// <summary>Adds a digit to the mantissa; leading zeros are no significant digits. Past 19 digits the caller falls back.</summary>
    private static void Accumulate(ref ulong mantissa, ref int digits, byte digit)
    {
        if (digits == 0 && digit == '0')
        {
            return;
        }
        digits++;
        if (digits <= 19)
        {
            mantissa = mantissa * 10 + (ulong)(digit - '0');
        }
    }

    /// <summary>
    /// Eight significant digits at once (the SWAR trick of simdjson and fast_float): only after the first significant digit, and
    /// only while the mantissa keeps within 19 digits.
    /// </summary>
    private static bool TryEightDigits(ReadOnlySpan<byte> text, int at, ref ulong mantissa, ref int digits)
    {
        if (at + 8 > text.Length || digits + 8 > 19 || (digits == 0 && text[at] == '0'))
        {
            return false;
        }
        var chunk = BinaryPrimitives.ReadUInt64LittleEndian(text[at..]);
        if ((((chunk & 0xF0F0_F0F0_F0F0_F0F0) | (((chunk + 0x0606_0606_0606_0606) & 0xF0F0_F0F0_F0F0_F0F0) >> 4)) != 0x3333_3333_3333_3333))
        {
            return false;
        }
        chunk = (chunk & 0x0F0F_0F0F_0F0F_0F0F) * 2561 >> 8;
        chunk = (chunk & 0x00FF_00FF_00FF_00FF) * 6553601 >> 16;
        mantissa = mantissa * 100_000_000 + (uint)((chunk & 0x0000_FFFF_0000_FFFF) * 42949672960001 >> 32);
        digits += 8;
        return true;
    }

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    private static bool Fallback(ReadOnlySpan<byte> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// Daniel Lemire's "Number Parsing at a Gigabyte per Second" (2021), in the form of Go's strconv.eiselLemire64: exact when it
    /// answers true; false for the rare inputs it cannot decide.
    /// </summary>
    private static bool EiselLemire(ulong mantissa, int exponent, bool negative, out double value)
    {
        value = 0;
        if (exponent < MinExponent || exponent > MaxExponent)
        {
            return false;
        }
        var index = (exponent - MinExponent) * 2;
        var high = Powers[index];
        var low = Powers[index + 1];

        var leadingZeros = BitOperations.LeadingZeroCount(mantissa);
        mantissa <<= leadingZeros;
        var resultExponent = (ulong)((217706 * exponent >> 16) + 64 + 1023) - (ulong)leadingZeros;

        var xHigh = Math.BigMul(mantissa, high, out var xLow);
        if ((xHigh & 0x1FF) == 0x1FF && xLow + mantissa < mantissa)
        {
            var yHigh = Math.BigMul(mantissa, low, out var yLow);
            var mergedHigh = xHigh;
            var mergedLow = xLow + yHigh;
            if (mergedLow < xLow)
            {
                mergedHigh++;
            }
            if ((mergedHigh & 0x1FF) == 0x1FF && mergedLow + 1 == 0 && yLow + mantissa < mantissa)
            {
                return false;
            }
            xHigh = mergedHigh;
            xLow = mergedLow;
        }

        var top = xHigh >> 63;
        var resultMantissa = xHigh >> (int)(top + 9);
        resultExponent -= 1 ^ top;
        if (xLow == 0 && (xHigh & 0x1FF) == 0 && (resultMantissa & 3) == 1)
        {
            return false;
        }
        resultMantissa += resultMantissa & 1;
        resultMantissa >>= 1;
        if (resultMantissa >> 53 > 0)
        {
            resultMantissa >>= 1;
            resultExponent++;
        }
        if (resultExponent - 1 >= 0x7FF - 1)
        {
            return false;
        }
        var bits = resultExponent << 52 | (resultMantissa & 0x000F_FFFF_FFFF_FFFF);
        if (negative)
        {
            bits |= 0x8000_0000_0000_0000;
        }
        value = BitConverter.UInt64BitsToDouble(bits);
        return true;
    }

    private static ulong[] BuildPowers()
    {
        var powers = new ulong[(MaxExponent - MinExponent + 1) * 2];
        var mask = (BigInteger.One << 64) - 1;
        for (var e = MinExponent; e <= MaxExponent; e++)
        {
            BigInteger scaled;
            if (e >= 0)
            {
                var power = BigInteger.Pow(10, e);
                var bits = (int)power.GetBitLength();
                scaled = bits > 128 ? power >> (bits - 128) : power << (128 - bits);
            }
            else
            {
                // floor(2^(127 + L) / 10^-e), L the bit length of 10^-e: in [2^127, 2^128) as 10^-e is no power of two.
                var power = BigInteger.Pow(10, -e);
                scaled = (BigInteger.One << (127 + (int)power.GetBitLength())) / power;
            }
            var index = (e - MinExponent) * 2;
            powers[index] = (ulong)(scaled >> 64);
            powers[index + 1] = (ulong)(scaled & mask);
        }
        return powers;
    }
}
