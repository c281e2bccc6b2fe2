using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Infrastructure.Utilization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class UtilizationRunConfiguration : IEntityTypeConfiguration<UtilizationRun>
{
    public void Configure(EntityTypeBuilder<UtilizationRun> b)
    {
        b.ToTable("utilization_runs");
        b.HasKey(c => c.AccountId);
        b.HasOne<Account>().WithOne().HasForeignKey<UtilizationRun>(c => c.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.Property(c => c.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(c => c.Message).HasMaxLength(UtilizationRun.MaxMessageLength);
    }
}

internal sealed class InstanceUtilizationConfiguration : IEntityTypeConfiguration<InstanceUtilization>
{
    public void Configure(EntityTypeBuilder<InstanceUtilization> b)
    {
        b.ToTable("instance_utilization");
        b.HasKey(u => new { u.AccountId, u.Region, u.InstanceId });
        b.HasOne<Account>().WithMany().HasForeignKey(u => u.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.Property(u => u.Region).HasMaxLength(FieldLengths.Region);
        b.Property(u => u.InstanceId).HasMaxLength(FieldLengths.InstanceId);
        b.Ignore(u => u.Summary);
    }
}

internal sealed class StoredRecommendationConfiguration : IEntityTypeConfiguration<StoredRecommendation>
{
    public void Configure(EntityTypeBuilder<StoredRecommendation> b)
    {
        b.ToTable("recommendations");
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).UseIdentityAlwaysColumn();
        b.HasOne<Account>().WithMany().HasForeignKey(r => r.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(r => new { r.AccountId, r.MonthlySaving });
        b.HasIndex(r => new { r.AccountId, r.ResourceId });
        b.Property(r => r.Kind).HasConversion(k => k.Slug(), v => RecommendationKinds.FromSlug(v) ?? RecommendationKind.Idle).HasMaxLength(32);
        b.Property(r => r.Resource).HasConversion<string>().HasMaxLength(16);
        // A number, so that sorting by risk goes low → high.
        b.Property(r => r.Risk).HasConversion<short>();
        b.Property(r => r.ResourceId).HasMaxLength(FieldLengths.InstanceId * 2).IsRequired();
        b.Property(r => r.Region).HasMaxLength(FieldLengths.Region).IsRequired();
        b.Property(r => r.Name).HasMaxLength(FieldLengths.Name);
        b.Property(r => r.Current).HasMaxLength(200).IsRequired();
        b.Property(r => r.Proposed).HasMaxLength(200).IsRequired();
        b.Property(r => r.Reason).HasMaxLength(1000).IsRequired();
        b.Property(r => r.MonthlyCostBefore).HasPrecision(14, 2);
        b.Property(r => r.MonthlyCostAfter).HasPrecision(14, 2);
        b.Property(r => r.MonthlySaving).HasPrecision(14, 2);
    }
}

internal sealed class StoredFindingConfiguration : IEntityTypeConfiguration<StoredFinding>
{
    public void Configure(EntityTypeBuilder<StoredFinding> b)
    {
        b.ToTable("instance_findings");
        b.HasKey(f => new { f.AccountId, f.Region, f.InstanceId });
        b.HasOne<Account>().WithMany().HasForeignKey(f => f.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.Property(f => f.Region).HasMaxLength(FieldLengths.Region);
        b.Property(f => f.InstanceId).HasMaxLength(FieldLengths.InstanceId);
        b.Property(f => f.Kind).HasConversion<string>().HasMaxLength(32);
        b.Property(f => f.Message).HasMaxLength(1000).IsRequired();
    }
}
