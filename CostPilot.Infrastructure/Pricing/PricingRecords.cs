namespace CostPilot.Infrastructure.Pricing;

/// <summary>One account's monthly run rate as discovery last computed it on a day: the cost-over-time chart reads these.</summary>
public sealed class CostSnapshot
{
    public Guid AccountId { get; set; }
    public DateOnly Day { get; set; }
    public decimal ComputeUsd { get; set; }
    public decimal StorageUsd { get; set; }
    public decimal AddressUsd { get; set; }
    public int UnknownPrices { get; set; }
    public DateTimeOffset ComputedAt { get; set; }

    public decimal TotalUsd => ComputeUsd + StorageUsd + AddressUsd;
}

/// <summary>A price catalog refreshed from AWS's Price List, encoded (PriceCatalogCodec); the newest one is in use on every node.</summary>
public sealed class StoredPriceCatalog
{
    public long Id { get; set; }
    public string Source { get; set; } = "";
    public DateTimeOffset PublishedAt { get; set; }
    public DateTimeOffset? RetrievedAt { get; set; }
    public int ComputePrices { get; set; }
    public int Regions { get; set; }
    public byte[] Data { get; set; } = [];
    public DateTimeOffset StoredAt { get; set; }
}

/// <summary>One attempt to refresh prices, kept so admins see why the catalog did not change.</summary>
public sealed class PriceRefresh
{
    public long Id { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public bool? Succeeded { get; set; }
    public string? Message { get; set; }

    /// <summary>The admin who asked for it; null for the weekly schedule.</summary>
    public string? RequestedBy { get; set; }
}
