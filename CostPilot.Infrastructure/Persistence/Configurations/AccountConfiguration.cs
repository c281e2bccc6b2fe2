using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace CostPilot.Infrastructure.Persistence.Configurations;

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    /// <summary>The partial unique index that allows each user one sample account, however many tabs ask for one at once.</summary>
    public const string OneSamplePerOwnerIndex = "ix_accounts_owner_id_one_sample";

    public void Configure(EntityTypeBuilder<Account> b)
    {
        b.ToTable("accounts");
        b.HasKey(a => a.Id);
        b.Property(a => a.AwsAccountId)
            .HasConversion(id => id.Value, value => AwsAccountId.Parse(value))
            .HasMaxLength(12)
            .IsRequired();
        // An AWS account can be connected by one CostPilot user only, across all users.
        b.HasIndex(a => a.AwsAccountId).IsUnique();
        b.HasIndex(a => a.OwnerId);
        b.HasIndex(a => a.OwnerId, OneSamplePerOwnerIndex).HasDatabaseName(OneSamplePerOwnerIndex).IsUnique().HasFilter($"method = '{nameof(ConnectionMethod.Sandbox)}'");
        b.HasIndex(a => a.Status);
        b.HasOne<AppUser>().WithMany().HasForeignKey(a => a.OwnerId).OnDelete(DeleteBehavior.Cascade);
        b.Property(a => a.OwnerId).IsRequired();
        b.Property(a => a.Name).HasMaxLength(Account.MaxNameLength).IsRequired();
        b.Property(a => a.Method).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.Status).HasConversion<string>().HasMaxLength(20);
        b.Property(a => a.StatusMessage).HasMaxLength(Account.MaxStatusMessageLength);
        b.Property(a => a.AvailabilityTarget).HasPrecision(6, 3).HasDefaultValue(Domain.Optimization.AvailabilityReport.DefaultTargetPercent);
        b.Property(a => a.RoleArn).HasMaxLength(2048);
        b.Property(a => a.ExternalId).HasMaxLength(1224);
        b.Property(a => a.AccessKeyId).HasMaxLength(128);
        b.Property(a => a.EnabledRegions).HasDefaultValueSql("'{}'::text[]");
    }
}
