using System.Globalization;

namespace CostPilot.Tests.Benchmarks;

/// <summary>What every benchmark prints the same way.</summary>
internal static class BenchmarkText
{
#if DEBUG
    public const string Build = "DEBUG build: numbers are not representative";
#else
    public const string Build = "Release build";
#endif

    public static string Mb(double bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):F1} MB");
}
