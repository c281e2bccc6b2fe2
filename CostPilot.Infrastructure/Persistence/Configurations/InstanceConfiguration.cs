using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class InstanceConfiguration : IEntityTypeConfiguration<Instance>
{
    public const string TagsText = "TagsText";
    public const string ContentHash = "ContentHash";

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
        b.HasIndex(i => new { i.AccountId, i.InstanceType });
        b.Property(i => i.Region).HasMaxLength(32).IsRequired();
        b.Property(i => i.InstanceId).HasMaxLength(32).IsRequired();
        b.Property(i => i.InstanceType).HasMaxLength(32).IsRequired();
        b.Property(i => i.State).HasMaxLength(32).IsRequired();
        b.Property(i => i.AvailabilityZone).HasMaxLength(64);
        b.Property(i => i.Platform).HasMaxLength(64).IsRequired();
        b.Property(i => i.Architecture).HasMaxLength(16).IsRequired();
        b.Property(i => i.Lifecycle).HasMaxLength(16).IsRequired();
        b.Property(i => i.Name).HasMaxLength(256);
        b.Property(i => i.Tags).HasColumnType("jsonb");
        // Hash of the discovered fields (InventoryStore.ContentHash): a rescan rewrites only instances whose hash changed.
        b.Property<Guid?>(ContentHash);
        // Tag keys and values as one text, for the grid's free-text filter.
        b.Property<string>(TagsText).HasComputedColumnSql("tags::text", stored: true);
    }
}
