using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Logging;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class SystemLogConfiguration : IEntityTypeConfiguration<SystemLog>
{
    public void Configure(EntityTypeBuilder<SystemLog> b)
    {
        b.ToTable("system_logs");
        b.HasKey(l => l.Id);
        b.Property(l => l.Id).UseIdentityAlwaysColumn();
        b.Property(l => l.Level).HasMaxLength(16).IsRequired();
        b.Property(l => l.Properties).HasColumnType("jsonb");
        b.Property(l => l.SourceContext).HasMaxLength(256);
        b.Property(l => l.UserId).HasMaxLength(450);
        b.Property(l => l.CorrelationId).HasMaxLength(64);
        b.Property(l => l.TraceId).HasMaxLength(32);
        b.Property(l => l.SpanId).HasMaxLength(16);
        // The admin log viewer pages newest first, optionally by level, user or correlation id.
        b.HasIndex(l => l.Timestamp).IsDescending();
        b.HasIndex(l => new { l.Level, l.Timestamp }).IsDescending(false, true);
        b.HasIndex(l => l.CorrelationId);
        b.HasIndex(l => l.TraceId);
        b.HasIndex(l => l.UserId);
    }
}

internal sealed class HealthCheckRecordConfiguration : IEntityTypeConfiguration<HealthCheckRecord>
{
    public void Configure(EntityTypeBuilder<HealthCheckRecord> b)
    {
        b.ToTable("health_checks");
        b.HasKey(h => h.Id);
        b.Property(h => h.Id).UseIdentityAlwaysColumn();
        b.Property(h => h.Component).HasMaxLength(64).IsRequired();
        b.Property(h => h.Status).HasConversion<string>().HasMaxLength(16);
        b.Property(h => h.Detail).HasMaxLength(1000).IsRequired();
        b.HasIndex(h => new { h.Component, h.CheckedAt }).IsDescending(false, true);
        b.HasIndex(h => h.CheckedAt);
    }
}
