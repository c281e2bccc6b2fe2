namespace CostPilot.Domain.Pricing;

/// <summary>The operating systems CostPilot prices (AWS's <c>operatingSystem</c> with licence included, no pre-installed software).</summary>
public enum InstanceOs
{
    Linux,
    Windows,
}

/// <summary>Where an instance runs: AWS's <c>tenancy</c>. Only shared tenancy is priced; the others show "price unknown".</summary>
public enum Tenancy
{
    Shared,
    Dedicated,
    Host,
}

/// <summary>EBS rates of one volume type in one region, per month (USD). Null: AWS does not sell that dimension for the type.</summary>
/// <param name="PerGbMonth">Storage, per GB-month.</param>
/// <param name="PerIopsMonth">Provisioned IOPS per IOPS-month: gp3 above the free 3,000; io1; io2's first tier (up to 32,000).</param>
/// <param name="PerIopsMonthTier2">io2 IOPS from 32,001 to 64,000.</param>
/// <param name="PerIopsMonthTier3">io2 IOPS above 64,000.</param>
/// <param name="PerMiBpsMonth">gp3 throughput above the free 125 MiB/s, per MiB/s-month.</param>
public sealed record EbsRate(decimal PerGbMonth, decimal? PerIopsMonth = null, decimal? PerIopsMonthTier2 = null,
    decimal? PerIopsMonthTier3 = null, decimal? PerMiBpsMonth = null);

/// <summary>Where a catalog's prices came from and how old they are.</summary>
/// <param name="Source">"snapshot" (shipped with CostPilot) or "aws-price-list" (refreshed from AWS's public bulk files).</param>
/// <param name="PublishedAt">When AWS published the prices (the offer files' publicationDate; the snapshot's data date).</param>
/// <param name="RetrievedAt">When CostPilot fetched them (null for the shipped snapshot).</param>
public sealed record PriceCatalogInfo(string Source, DateTimeOffset PublishedAt, DateTimeOffset? RetrievedAt)
{
    public const string SnapshotSource = "snapshot";
    public const string PriceListSource = "aws-price-list";

    /// <summary>Prices older than this deserve a refresh: admins see a health warning.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(45);

    public TimeSpan AgeAt(DateTimeOffset now) => now - PublishedAt;

    public bool IsStaleAt(DateTimeOffset now) => AgeAt(now) > MaxAge;
}

/// <summary>
/// The port prices come through: public on-demand prices in USD. Answers null (never zero, never a guess) for what it does not
/// know, so a cost can say "unknown".
/// </summary>
public interface IPriceCatalog
{
    PriceCatalogInfo Info { get; }

    /// <summary>On-demand hourly price; null when the catalog has none for that region, type, OS and tenancy.</summary>
    decimal? InstanceHourly(string region, string instanceType, InstanceOs os, Tenancy tenancy);

    /// <summary>EBS rates for a volume type (gp2, gp3, io1, io2, st1, sc1, standard) in a region; null when unknown.</summary>
    EbsRate? Ebs(string region, string volumeType);

    /// <summary>Hourly price of one public IPv4 address (Elastic IP, attached or not) in a region; null when unknown.</summary>
    decimal? PublicIpv4Hourly(string region);
}
