using CostPilot.Domain.Accounts;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace CostPilot.Infrastructure.Persistence.Configurations;

/// <summary>Price sources are stored as their labels ("on-demand", "spot", "unknown").</summary>
internal static class PriceSourceText
{
    public static readonly ValueConverter<PriceSource, string> Converter = new(s => s.Label(), v => PriceSources.Parse(v));
}

internal sealed class CostSnapshotConfiguration : IEntityTypeConfiguration<CostSnapshot>
{
    public void Configure(EntityTypeBuilder<CostSnapshot> b)
    {
        b.ToTable("cost_snapshots");
        b.HasKey(c => new { c.AccountId, c.Day });
        b.HasOne<Account>().WithMany().HasForeignKey(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.Property(c => c.ComputeUsd).HasPrecision(16, 2);
        b.Property(c => c.StorageUsd).HasPrecision(16, 2);
        b.Property(c => c.AddressUsd).HasPrecision(16, 2);
    }
}

internal sealed class StoredPriceCatalogConfiguration : IEntityTypeConfiguration<StoredPriceCatalog>
{
    public void Configure(EntityTypeBuilder<StoredPriceCatalog> b)
    {
        b.ToTable("price_catalogs");
        b.HasKey(c => c.Id);
        b.Property(c => c.Id).UseIdentityAlwaysColumn();
        b.Property(c => c.Source).HasMaxLength(32).IsRequired();
        b.Property(c => c.Data).IsRequired();
        b.HasIndex(c => c.StoredAt);
    }
}

internal sealed class PriceRefreshConfiguration : IEntityTypeConfiguration<PriceRefresh>
{
    public void Configure(EntityTypeBuilder<PriceRefresh> b)
    {
        b.ToTable("price_refreshes");
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).UseIdentityAlwaysColumn();
        b.Property(r => r.Message).HasMaxLength(2000);
        b.Property(r => r.RequestedBy).HasMaxLength(450);
        b.HasIndex(r => r.StartedAt);
    }
}
