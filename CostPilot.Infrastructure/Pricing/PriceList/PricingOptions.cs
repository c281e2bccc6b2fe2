namespace CostPilot.Infrastructure.Pricing.PriceList;

/// <summary>Settings under <c>CostPilot:Pricing</c> (environment: <c>CostPilot__Pricing__PriceListBaseUrl</c>, ...).</summary>
public sealed class PricingOptions
{
    public const string SectionName = "CostPilot:Pricing";

    /// <summary>
    /// Where AWS's public Price List bulk files are served. The offer index is read at
    /// <c>/offers/v1.0/aws/index.json</c> under this host; every URL the index gives must be relative or on this same host.
    /// </summary>
    public string PriceListBaseUrl { get; set; } = "https://pricing.us-east-1.amazonaws.com";

    /// <summary>Offer files downloaded and parsed at once (each is streamed; a region file can be hundreds of MB).</summary>
    public int MaxConcurrentDownloads { get; set; } = 2;

    /// <summary>EC2 region codes to fetch (e.g. <c>us-east-1</c>); null or empty: every region in AWS's region index.</summary>
    public IList<string>? Regions { get; set; }

    /// <summary>The longest one file (an index or an offer: request, headers and whole body) may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);
}
