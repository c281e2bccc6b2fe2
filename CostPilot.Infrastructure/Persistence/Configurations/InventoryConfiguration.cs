using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class VolumeConfiguration : IEntityTypeConfiguration<Volume>
{
    public void Configure(EntityTypeBuilder<Volume> b)
    {
        b.ToTable("volumes");
        b.HasKey(v => v.Id);
        b.Property(v => v.Id).UseIdentityAlwaysColumn();
        b.HasOne<Account>().WithMany().HasForeignKey(v => v.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(v => new { v.AccountId, v.Region, v.VolumeId }).IsUnique();
        b.Property(v => v.Region).HasMaxLength(FieldLengths.Region).IsRequired();
        b.Property(v => v.VolumeId).HasMaxLength(FieldLengths.VolumeId).IsRequired();
        b.Property(v => v.VolumeType).HasMaxLength(FieldLengths.VolumeType).IsRequired();
        b.Property(v => v.State).HasMaxLength(FieldLengths.VolumeState).IsRequired();
        b.Property(v => v.AvailabilityZone).HasMaxLength(FieldLengths.AvailabilityZone);
        b.Property(v => v.AttachedInstanceId).HasMaxLength(FieldLengths.InstanceId);
        b.Property(v => v.SizeGiB).HasColumnName("size_gib");
        b.Property(v => v.ThroughputMiBps).HasColumnName("throughput_mibps");
        b.Property(v => v.Tags).HasColumnType("jsonb");
        b.Property(v => v.MonthlyUsd).HasPrecision(14, 2);
        b.Property<string>(InstanceConfiguration.TagsText).HasComputedColumnSql("tags::text", stored: true);
        b.Property<string?>(InstanceConfiguration.NameTag).HasComputedColumnSql("tags ->> 'Name'", stored: true);
    }
}

internal sealed class RegionScanConfiguration : IEntityTypeConfiguration<RegionScan>
{
    public void Configure(EntityTypeBuilder<RegionScan> b)
    {
        b.ToTable("region_scans");
        b.HasKey(r => new { r.AccountId, r.Region });
        b.HasOne<Account>().WithMany().HasForeignKey(r => r.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.Property(r => r.Region).HasMaxLength(FieldLengths.Region).IsRequired();
    }
}

internal sealed class ElasticAddressConfiguration : IEntityTypeConfiguration<ElasticAddress>
{
    public void Configure(EntityTypeBuilder<ElasticAddress> b)
    {
        b.ToTable("addresses");
        b.HasKey(a => a.Id);
        b.Property(a => a.Id).UseIdentityAlwaysColumn();
        b.HasOne<Account>().WithMany().HasForeignKey(a => a.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(a => new { a.AccountId, a.Region, a.AllocationId }).IsUnique();
        b.Property(a => a.Region).HasMaxLength(FieldLengths.Region).IsRequired();
        b.Property(a => a.AllocationId).HasMaxLength(FieldLengths.AllocationId).IsRequired();
        b.Property(a => a.PublicIp).HasMaxLength(FieldLengths.PublicIp).IsRequired();
        b.Property(a => a.InstanceId).HasMaxLength(FieldLengths.InstanceId);
        b.Property(a => a.AssociationId).HasMaxLength(FieldLengths.AssociationId);
        b.Property(a => a.Domain).HasMaxLength(FieldLengths.AddressDomain).IsRequired();
        b.Property(a => a.Tags).HasColumnType("jsonb");
        b.Property(a => a.MonthlyUsd).HasPrecision(14, 2);
        b.Property<string>(InstanceConfiguration.TagsText).HasComputedColumnSql("tags::text", stored: true);
        b.Property<string?>(InstanceConfiguration.NameTag).HasComputedColumnSql("tags ->> 'Name'", stored: true);
    }
}

internal sealed class PendingConnectionConfiguration : IEntityTypeConfiguration<PendingConnection>
{
    public void Configure(EntityTypeBuilder<PendingConnection> b)
    {
        b.ToTable("pending_connections");
        b.HasKey(p => p.OwnerId);
        b.HasOne<AppUser>().WithMany().HasForeignKey(p => p.OwnerId).OnDelete(DeleteBehavior.Cascade);
        b.Property(p => p.ExternalId).HasMaxLength(64).IsRequired();
    }
}
