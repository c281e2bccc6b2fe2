using CostPilot.Infrastructure.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class AuditEventConfiguration : IEntityTypeConfiguration<AuditEvent>
{
    public void Configure(EntityTypeBuilder<AuditEvent> b)
    {
        b.ToTable("audit_events");
        b.HasKey(e => e.Id);
        b.Property(e => e.Id).UseIdentityAlwaysColumn();
        // No foreign key to the user or the target: the trail outlives both.
        b.Property(e => e.ActorId).HasMaxLength(AuditEvent.ActorIdLength);
        b.Property(e => e.ActorEmail).HasMaxLength(AuditEvent.ActorEmailLength).IsRequired();
        b.Property(e => e.Action).HasMaxLength(AuditEvent.ActionLength).IsRequired();
        b.Property(e => e.TargetKind).HasMaxLength(AuditEvent.TargetKindLength).IsRequired();
        b.Property(e => e.TargetId).HasMaxLength(AuditEvent.TargetIdLength).IsRequired();
        b.Property(e => e.TargetLabel).HasMaxLength(AuditEvent.TargetLabelLength);
        b.Property(e => e.Detail).HasMaxLength(AuditEvent.DetailLength);
        b.Property(e => e.Address).HasMaxLength(AuditEvent.AddressLength);
        // The search page pages newest first, optionally by action, actor or target.
        b.HasIndex(e => e.At).IsDescending();
        b.HasIndex(e => new { e.Action, e.At }).IsDescending(false, true);
        b.HasIndex(e => new { e.TargetKind, e.TargetId });
        b.HasIndex(e => e.ActorId);
    }
}
