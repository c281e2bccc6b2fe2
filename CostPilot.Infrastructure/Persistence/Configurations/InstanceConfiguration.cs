using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class InstanceConfiguration : IEntityTypeConfiguration<Instance>
{
    public const string TagsText = "TagsText";
    public const string ContentHash = "ContentHash";
    public const string Family = "InstanceFamily";

    /// <summary>Volumes' and addresses' Name tag, as a column (instances have a real Name column).</summary>
    public const string NameTag = "NameTag";

    public void Configure(EntityTypeBuilder<Instance> b)
    {
        b.ToTable("instances");
        // Room on each page, so a rescan's last-seen stamp is a heap-only update that touches no index.
        b.HasStorageParameter("fillfactor", 70);
        b.HasKey(i => i.Id);
        b.Property(i => i.Id).UseIdentityAlwaysColumn();
        b.HasOne<Account>().WithMany().HasForeignKey(i => i.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(i => new { i.AccountId, i.Region, i.InstanceId }).IsUnique();
        // The dashboard lists live instances of one account, filtered by region, state or type.
        b.HasIndex(i => new { i.AccountId, i.GoneAt, i.Region, i.State });
        b.Property(i => i.Region).HasMaxLength(FieldLengths.Region).IsRequired();
        b.Property(i => i.InstanceId).HasMaxLength(FieldLengths.InstanceId).IsRequired();
        b.Property(i => i.InstanceType).HasConversion(t => t.Value, v => new InstanceType(v))
            .HasMaxLength(FieldLengths.InstanceType).IsRequired();
        b.Property(i => i.State).HasConversion(s => s.Value, v => new InstanceState(v))
            .HasMaxLength(FieldLengths.InstanceState).IsRequired();
        b.Property(i => i.AvailabilityZone).HasMaxLength(FieldLengths.AvailabilityZone);
        b.Property(i => i.Platform).HasMaxLength(FieldLengths.Platform).IsRequired();
        b.Property(i => i.Architecture).HasMaxLength(FieldLengths.Architecture).IsRequired();
        b.Property(i => i.Lifecycle).HasMaxLength(FieldLengths.Lifecycle).IsRequired();
        b.Property(i => i.Tenancy).HasMaxLength(FieldLengths.Tenancy).HasDefaultValue("default").IsRequired();
        b.Property(i => i.Name).HasMaxLength(FieldLengths.Name);
        b.Property(i => i.HourlyUsd).HasPrecision(14, 6);
        b.Property(i => i.MonthlyUsd).HasPrecision(14, 2);
        b.Property(i => i.PriceSource).HasConversion(PriceSourceText.Converter).HasMaxLength(16);
        // The family ("m5" of "m5.large"), for the grid's family filter and the cost-by-family chart.
        b.Property<string>(Family).HasComputedColumnSql("split_part(instance_type, '.', 1)", stored: true);
        b.HasIndex(nameof(Instance.AccountId), Family);
        b.Property(i => i.Tags).HasColumnType("jsonb");
        // Hash of the discovered fields (InventoryStore.ContentHash): a rescan rewrites only instances whose hash changed.
        b.Property<Guid?>(ContentHash);
        // Tag keys and values as one text, for the grid's free-text filter.
        b.Property<string>(TagsText).HasComputedColumnSql("tags::text", stored: true);
    }
}
