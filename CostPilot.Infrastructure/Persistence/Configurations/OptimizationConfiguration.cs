using System.Text.Json;
using System.Text.Json.Serialization;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Sandbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class ExperimentConfiguration : IEntityTypeConfiguration<Experiment>
{
    private static readonly JsonSerializerOptions StepJson = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };

    /// <summary>The partial unique index's filter: the states of experiments under way (one per instance at a time).</summary>
    internal static string UnfinishedFilter =>
        "state IN (" + string.Join(", ", ExperimentStates.Unfinished.Select(s => $"'{s.Slug()}'")) + ")";

    public void Configure(EntityTypeBuilder<Experiment> b)
    {
        b.ToTable("experiment_logs");
        b.HasKey(e => e.Id);
        b.HasOne<Account>().WithMany().HasForeignKey(e => e.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasIndex(e => new { e.AccountId, e.CreatedAt });
        b.HasIndex(e => new { e.RequestedBy, e.CreatedAt });
        // Two experiments on one instance cannot overlap: the database refuses a second one under way, whatever the code does.
        b.HasIndex(e => new { e.AccountId, e.InstanceId }).IsUnique().HasFilter(UnfinishedFilter).HasDatabaseName("ux_experiment_logs_one_per_instance");
        b.Property(e => e.Region).HasMaxLength(FieldLengths.Region).IsRequired();
        b.Property(e => e.InstanceId).HasMaxLength(FieldLengths.InstanceId).IsRequired();
        b.Property(e => e.InstanceName).HasMaxLength(FieldLengths.Name);
        b.Property(e => e.Kind).HasConversion(k => k.Slug(), v => RecommendationKinds.FromSlug(v) ?? RecommendationKind.Rightsize).HasMaxLength(32);
        b.Property(e => e.State).HasConversion(s => s.Slug(), v => ExperimentStates.FromSlug(v) ?? ExperimentState.Failed).HasMaxLength(20);
        b.Property(e => e.FromType).HasMaxLength(FieldLengths.InstanceType).IsRequired();
        b.Property(e => e.ToType).HasMaxLength(FieldLengths.InstanceType);
        b.Property(e => e.MonthlyCostBefore).HasPrecision(14, 4);
        b.Property(e => e.MonthlyCostAfter).HasPrecision(14, 4);
        b.Property(e => e.Message).HasMaxLength(Experiment.MessageLength);
        b.Property(e => e.RequestedBy).HasMaxLength(450).IsRequired();
        b.Property(e => e.RequestedByName).HasMaxLength(256).IsRequired();
        b.Property<List<ExperimentStep>>("_steps").HasColumnName("steps").HasColumnType("jsonb").IsRequired()
            .HasConversion(
                steps => JsonSerializer.Serialize(steps, StepJson),
                json => JsonSerializer.Deserialize<List<ExperimentStep>>(json, StepJson) ?? new List<ExperimentStep>(),
                new ValueComparer<List<ExperimentStep>>(
                    (x, y) => x!.SequenceEqual(y!),
                    steps => steps.Aggregate(0, (hash, step) => HashCode.Combine(hash, step)),
                    steps => steps.ToList()));
        b.Ignore(e => e.Steps);
        b.Ignore(e => e.Action);
        b.Ignore(e => e.IsFinished);
        b.Ignore(e => e.RealizedMonthlySaving);
        b.Ignore(e => e.CurrentStep);
    }
}

internal sealed class DowntimeLogConfiguration : IEntityTypeConfiguration<DowntimeLog>
{
    public void Configure(EntityTypeBuilder<DowntimeLog> b)
    {
        b.ToTable("downtime_logs");
        b.HasKey(d => d.Id);
        b.HasOne<Account>().WithMany().HasForeignKey(d => d.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.HasOne<Experiment>().WithMany().HasForeignKey(d => d.ExperimentId).OnDelete(DeleteBehavior.SetNull);
        b.HasIndex(d => new { d.AccountId, d.StartedAt });
        b.HasIndex(d => d.ExperimentId);
        b.Property(d => d.InstanceId).HasMaxLength(32).IsRequired();
        b.Property(d => d.Reason).HasMaxLength(500).IsRequired();
        b.Ignore(d => d.Duration);
        b.Ignore(d => d.WithinSla);
    }
}

internal sealed class SandboxInstanceConfiguration : IEntityTypeConfiguration<SandboxInstance>
{
    public void Configure(EntityTypeBuilder<SandboxInstance> b)
    {
        b.ToTable("sandbox_instances");
        b.HasKey(i => new { i.AccountId, i.InstanceId });
        b.HasOne<Account>().WithMany().HasForeignKey(i => i.AccountId).OnDelete(DeleteBehavior.Cascade);
        b.Property(i => i.Region).HasMaxLength(FieldLengths.Region).IsRequired();
        b.Property(i => i.InstanceId).HasMaxLength(FieldLengths.InstanceId);
        b.Property(i => i.InstanceType).HasMaxLength(FieldLengths.InstanceType).IsRequired();
        b.Property(i => i.State).HasMaxLength(FieldLengths.InstanceState).IsRequired();
        b.Property(i => i.NextState).HasMaxLength(FieldLengths.InstanceState);
        b.Property(i => i.OriginalTypeTag).HasMaxLength(FieldLengths.InstanceType);
    }
}
