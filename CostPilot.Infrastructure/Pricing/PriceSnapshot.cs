using System.IO.Compression;
using System.Text;

namespace CostPilot.Infrastructure.Pricing;

/// <summary>
/// The public price data CostPilot ships with: gzip'd copies of the CSV files described in the shared data README, embedded in
/// this assembly (<c>Pricing/Snapshot/*.csv.gz</c>, re-created by <c>./costpilot.sh update-price-snapshot</c>). It is the
/// catalog used until prices are refreshed from AWS, and the only one on a server without internet access.
/// </summary>
public static class PriceSnapshot
{
    public const string LinuxPrices = "ec2-ondemand-linux-prices.csv";
    public const string WindowsPrices = "ec2-ondemand-windows-prices.csv";
    public const string EbsPrices = "ebs-prices.csv";
    public const string InstanceTypes = "ec2-instance-types.csv";

    public static IReadOnlyList<string> Files { get; } = [LinuxPrices, WindowsPrices, EbsPrices, InstanceTypes];

    private const string ResourcePrefix = "CostPilot.Pricing.Snapshot.";

    /// <summary>One snapshot file, decompressed. Throws when the build did not embed it (a build bug, not a data condition).</summary>
    public static Stream Open(string file)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(file);
        var resource = typeof(PriceSnapshot).Assembly.GetManifestResourceStream(ResourcePrefix + file + ".gz")
            ?? throw new FileNotFoundException($"The price snapshot file {file} is not embedded in {typeof(PriceSnapshot).Assembly.GetName().Name}: check Pricing/Snapshot and the EmbeddedResource item of the project.", file);
        return new GZipStream(resource, CompressionMode.Decompress);
    }

    /// <summary>One snapshot file as text (UTF-8).</summary>
    public static TextReader OpenText(string file) => new StreamReader(Open(file), new UTF8Encoding(false, throwOnInvalidBytes: true));
}
