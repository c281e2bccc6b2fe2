using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class ExperimentLogConfiguration : IEntityTypeConfiguration<ExperimentLog>
{
    public void Configure(EntityTypeBuilder<ExperimentLog> b)
    {
        b.ToTable("experiment_logs");
        b.HasKey(e => e.Id);
        b.HasOne<Account>().WithMany().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.AccountId, e.CreatedAt });
        b.HasIndex(e => e.Status);
        b.Property(e => e.InstanceId).HasMaxLength(32).IsRequired();
        b.Property(e => e.Action).HasMaxLength(32).IsRequired();
        b.Property(e => e.FromInstanceType).HasMaxLength(32);
        b.Property(e => e.ToInstanceType).HasMaxLength(32);
        b.Property(e => e.MonthlyCostBefore).HasPrecision(14, 4);
        b.Property(e => e.MonthlyCostAfter).HasPrecision(14, 4);
        b.Property(e => e.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(e => e.Message).HasMaxLength(2000);
        b.Property(e => e.RequestedBy).HasMaxLength(450).IsRequired();
    }
}

internal sealed class DowntimeLogConfiguration : IEntityTypeConfiguration<DowntimeLog>
{
    public void Configure(EntityTypeBuilder<DowntimeLog> b)
    {
        b.ToTable("downtime_logs");
        b.HasKey(d => d.Id);
        b.HasOne<Account>().WithMany().HasForeignKey(d => d.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<ExperimentLog>().WithMany().HasForeignKey(d => d.ExperimentId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(d => new { d.AccountId, d.StartedAt });
        b.Property(d => d.InstanceId).HasMaxLength(32).IsRequired();
        b.Property(d => d.Reason).HasMaxLength(500).IsRequired();
        b.Ignore(d => d.Duration);
        b.Ignore(d => d.WithinSla);
    }
}
