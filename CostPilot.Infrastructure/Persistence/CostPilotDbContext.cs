using CostPilot.Domain.Accounts;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Logging;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Infrastructure.Sandbox;
using CostPilot.Infrastructure.Utilization;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace CostPilot.Infrastructure.Persistence;

public sealed class CostPilotDbContext(DbContextOptions<CostPilotDbContext> options)
    : IdentityDbContext<AppUser>(options), IDataProtectionKeyContext
{
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<Instance> Instances => Set<Instance>();
    public DbSet<Volume> Volumes => Set<Volume>();
    public DbSet<ElasticAddress> Addresses => Set<ElasticAddress>();
    public DbSet<RegionScan> RegionScans => Set<RegionScan>();
    public DbSet<PendingConnection> PendingConnections => Set<PendingConnection>();
    public DbSet<Experiment> Experiments => Set<Experiment>();
    public DbSet<DowntimeLog> DowntimeLogs => Set<DowntimeLog>();
    public DbSet<SystemLog> SystemLogs => Set<SystemLog>();
    public DbSet<HealthCheckRecord> HealthChecks => Set<HealthCheckRecord>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();
    public DbSet<CostSnapshot> CostSnapshots => Set<CostSnapshot>();
    public DbSet<StoredPriceCatalog> PriceCatalogs => Set<StoredPriceCatalog>();
    public DbSet<PriceRefresh> PriceRefreshes => Set<PriceRefresh>();
    public DbSet<UtilizationRun> UtilizationRuns => Set<UtilizationRun>();
    public DbSet<InstanceUtilization> InstanceUtilization => Set<InstanceUtilization>();
    public DbSet<StoredRecommendation> Recommendations => Set<StoredRecommendation>();
    public DbSet<StoredFinding> InstanceFindings => Set<StoredFinding>();
    public DbSet<SandboxInstance> SandboxInstances => Set<SandboxInstance>();
    public DbSet<Audit.AuditEvent> AuditEvents => Set<Audit.AuditEvent>();
    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);

        // The product documents these names; Identity's defaults (AspNetUsers, ...) are not them.
        builder.Entity<AppUser>().ToTable("users");
        builder.Entity<IdentityRole>().ToTable("roles");
        builder.Entity<IdentityUserRole<string>>().ToTable("user_roles");
        builder.Entity<IdentityUserClaim<string>>().ToTable("user_claims");
        builder.Entity<IdentityUserLogin<string>>().ToTable("user_logins");
        builder.Entity<IdentityUserToken<string>>().ToTable("user_tokens");
        builder.Entity<IdentityRoleClaim<string>>().ToTable("role_claims");
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");

        builder.ApplyConfigurationsFromAssembly(typeof(CostPilotDbContext).Assembly);
    }
}
