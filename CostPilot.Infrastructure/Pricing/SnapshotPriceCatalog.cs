using System.Globalization;
using CostPilot.Domain.Pricing;

namespace CostPilot.Infrastructure.Pricing;

/// <summary>
/// The price catalog CostPilot ships with, read from the embedded <see cref="PriceSnapshot"/>: on-demand Linux and Windows
/// prices (shared tenancy), EBS rates, and public IPv4 at <see cref="PublicIpv4Hourly"/> in every region that has compute
/// prices. Loaded once, on first use.
/// </summary>
public static class SnapshotPriceCatalog
{
    public const string Source = "snapshot";

    /// <summary>What AWS bills per public IPv4 address and hour, attached or idle, since 1 February 2024 (the snapshot has no IPv4 file).</summary>
    public const decimal PublicIpv4Hourly = 0.005m;

    private static readonly Lazy<PriceCatalogData> Snapshot = new(Load);

    /// <summary>The shipped catalog, parsed on first use (thread-safe) and shared afterwards.</summary>
    public static PriceCatalogData Default => Snapshot.Value;

    /// <summary>Parses the embedded snapshot again (a new catalog each call; <see cref="Default"/> is the shared one).</summary>
    public static PriceCatalogData Load() => Parse(PriceSnapshot.OpenText);

    /// <summary>
    /// Parses the three price files, opened by name (<see cref="PriceSnapshot.LinuxPrices"/>, <see cref="PriceSnapshot.WindowsPrices"/>,
    /// <see cref="PriceSnapshot.EbsPrices"/>). Zero or empty compute prices are skipped (AWS does not sell those by the hour);
    /// anything malformed throws a <see cref="FormatException"/> naming the file and line.
    /// </summary>
    internal static PriceCatalogData Parse(Func<string, TextReader> open)
    {
        ArgumentNullException.ThrowIfNull(open);
        var builder = new PriceCatalogBuilder();
        var regions = new HashSet<string>(StringComparer.Ordinal);
        var published = DateOnly.MinValue;
        foreach (var (file, os) in new[] { (PriceSnapshot.LinuxPrices, InstanceOs.Linux), (PriceSnapshot.WindowsPrices, InstanceOs.Windows) })
        {
            using var reader = open(file);
            var newest = ReadCompute(SnapshotCsv.Open(reader, file, "region", "instance_type", "usd_per_hour", "source_date"), os, builder, regions);
            published = newest > published ? newest : published;
        }
        using (var reader = open(PriceSnapshot.EbsPrices))
        {
            ReadEbs(SnapshotCsv.Open(reader, PriceSnapshot.EbsPrices, "region", "volume_type", "usd_per_gb_month", "usd_per_provisioned_iops_month",
                "usd_per_provisioned_iops_month_io2_tier2", "usd_per_provisioned_iops_month_io2_tier3", "usd_per_provisioned_mibps_month"), builder);
        }
        if (regions.Count == 0)
        {
            throw new FormatException($"{PriceSnapshot.LinuxPrices} and {PriceSnapshot.WindowsPrices}: no compute price at all.");
        }
        foreach (var region in regions)
        {
            builder.AddPublicIpv4(region, PublicIpv4Hourly);
        }
        var publishedAt = new DateTimeOffset(published.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return builder.Build(new PriceCatalogInfo(Source, publishedAt, RetrievedAt: null));
    }

    /// <summary>Adds one compute file's prices; returns the newest source_date of the prices it kept.</summary>
    private static DateOnly ReadCompute(SnapshotCsv csv, InstanceOs os, PriceCatalogBuilder builder, HashSet<string> regions)
    {
        int region = csv.Column("region"), type = csv.Column("instance_type"), price = csv.Column("usd_per_hour"), date = csv.Column("source_date");
        var newest = DateOnly.MinValue;
        (string Text, DateOnly Date) lastDate = ("", default); // a file has few distinct dates, in runs: parse each run once
        while (csv.Read())
        {
            var regionCode = csv.RequiredText(region);
            var instanceType = csv.RequiredText(type);
            if (csv.Text(date) != lastDate.Text)
            {
                lastDate = (csv.Text(date), SourceDate(csv, date));
            }
            var sourceDate = lastDate.Date;
            if (csv.OptionalDecimal(price) is not { } hourly || hourly == 0m)
            {
                continue;
            }
            var before = builder.ComputePriceCount;
            builder.AddCompute(regionCode, instanceType, os, hourly);
            if (builder.ComputePriceCount == before)
            {
                throw csv.Error($"a second price for {instanceType} in {regionCode}");
            }
            regions.Add(regionCode);
            newest = sourceDate > newest ? sourceDate : newest;
        }
        return newest;
    }

    /// <summary>"2026-07-20" is that day; "2026-05" (a month's data) is the first of the month.</summary>
    private static DateOnly SourceDate(SnapshotCsv csv, int column)
    {
        var text = csv.RequiredText(column);
        return DateOnly.TryParseExact(text, ["yyyy-MM-dd", "yyyy-MM"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw csv.Error($"source_date '{text}' is neither yyyy-MM-dd nor yyyy-MM");
    }

    private static void ReadEbs(SnapshotCsv csv, PriceCatalogBuilder builder)
    {
        int region = csv.Column("region"), type = csv.Column("volume_type"), gb = csv.Column("usd_per_gb_month"),
            iops = csv.Column("usd_per_provisioned_iops_month"), tier2 = csv.Column("usd_per_provisioned_iops_month_io2_tier2"),
            tier3 = csv.Column("usd_per_provisioned_iops_month_io2_tier3"), mibps = csv.Column("usd_per_provisioned_mibps_month");
        var seen = new HashSet<(string, string)>();
        while (csv.Read())
        {
            var regionCode = csv.RequiredText(region);
            var volumeType = csv.RequiredText(type);
            var rate = new EbsRate(csv.RequiredDecimal(gb), csv.OptionalDecimal(iops), csv.OptionalDecimal(tier2), csv.OptionalDecimal(tier3), csv.OptionalDecimal(mibps));
            if (rate.PerGbMonth == 0m)
            {
                throw csv.Error($"usd_per_gb_month is zero for {volumeType}");
            }
            if (!seen.Add((regionCode, volumeType)))
            {
                throw csv.Error($"a second row for {volumeType} in {regionCode}");
            }
            builder.AddEbs(regionCode, volumeType, rate);
        }
    }
}
