using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Pricing;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CostPilot.Infrastructure.Persistence;

/// <summary>Applies migrations, then seeds the roles and the first super admin. Safe to run on every start.</summary>
public static partial class DatabaseInitializer
{
    public static async Task InitializeDatabaseAsync(this IServiceProvider services, CancellationToken ct = default)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DatabaseInitializer).FullName!);

        await using (var db = await sp.GetRequiredService<IDbContextFactory<CostPilotDbContext>>().CreateDbContextAsync(ct))
        {
            // Migrate creates the history table first, so a fresh database logs no failed query.
            await db.Database.MigrateAsync(ct);
            var applied = (await db.Database.GetAppliedMigrationsAsync(ct)).Count();
            LogMigrated(logger, applied);
        }
        // The newest refreshed price catalog, if any was stored; else the shipped snapshot stays in use.
        await sp.GetRequiredService<PriceCatalogProvider>().LoadNewestAsync(ct);

        var roles = sp.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Roles.All)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                Check(await roles.CreateAsync(new IdentityRole(role)), $"create role {role}");
            }
        }

        var config = sp.GetRequiredService<IConfiguration>();
        var users = sp.GetRequiredService<UserManager<AppUser>>();
        var clock = sp.GetRequiredService<TimeProvider>();
        await SeedSuperAdminAsync(users, sp.GetRequiredService<CostPilotDbContext>(), config, logger, clock, ct);
        await SeedDemoClientAsync(users, sp.GetRequiredService<AccountService>(), config, logger, clock, ct);
    }

    /// <summary>
    /// First-run experience of './costpilot.sh run': a client with the sample account, so the
    /// dashboards show data without AWS. Only when COSTPILOT_DEMO_EMAIL/PASSWORD are set and the user is new.
    /// </summary>
    private static async Task SeedDemoClientAsync(
        UserManager<AppUser> users, AccountService accounts, IConfiguration config, ILogger logger, TimeProvider clock, CancellationToken ct)
    {
        var email = config["COSTPILOT_DEMO_EMAIL"];
        var password = config["COSTPILOT_DEMO_PASSWORD"];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password) || await users.FindByEmailAsync(email) is not null)
        {
            return;
        }
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Demo client", CreatedAt = clock.GetUtcNow() };
        Check(await users.CreateAsync(user, password), "create the demo client");
        Check(await users.AddToRoleAsync(user, Roles.Client), "make the demo user a client");
        var result = await accounts.ConnectSandboxAsync(new Caller(user.Id, new HashSet<string> { Roles.Client }), ct);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not create the demo sample account: {result.Error}");
        }
        LogSeededDemo(logger, email);
    }

    /// <summary>
    /// Creates the first super admin from COSTPILOT_ADMIN_EMAIL/PASSWORD when there is none. Never promotes an
    /// existing account: start-up cannot tell who registered that address (anyone may self-register), so it
    /// refuses to start instead of handing the whole installation to them.
    /// </summary>
    private static async Task SeedSuperAdminAsync(
        UserManager<AppUser> users, CostPilotDbContext db, IConfiguration config, ILogger logger, TimeProvider clock, CancellationToken ct)
    {
        if ((await users.GetUsersInRoleAsync(Roles.SuperAdmin)).Count > 0)
        {
            return;
        }
        var email = config["COSTPILOT_ADMIN_EMAIL"];
        var password = config["COSTPILOT_ADMIN_PASSWORD"];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
        {
            LogNoAdmin(logger);
            return;
        }
        if (await users.FindByEmailAsync(email) is not null)
        {
            throw new InvalidOperationException(AdminEmailTakenMessage(email));
        }
        // One transaction: a start interrupted between the two steps must not leave a plain user behind,
        // which the next start would refuse as an address taken by someone else.
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var user = new AppUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Administrator", CreatedAt = clock.GetUtcNow() };
        Check(await users.CreateAsync(user, password), "create the first super admin (check COSTPILOT_ADMIN_PASSWORD against the password policy)");
        Check(await users.AddToRoleAsync(user, Roles.SuperAdmin), "make the first super admin");
        await transaction.CommitAsync(ct);
        LogSeededAdmin(logger, email);
    }

    private static string AdminEmailTakenMessage(string email) =>
        $"COSTPILOT_ADMIN_EMAIL {email} belongs to an existing account that is not a super admin, and CostPilot never " +
        "promotes an existing account at start-up (whoever registered that address would become super admin). Set " +
        "COSTPILOT_ADMIN_EMAIL to an address no account uses; once that super admin exists, promote the account " +
        "through them on the Users page.";

    private static void Check(IdentityResult result, string what)
    {
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"Could not {what}: {string.Join(" ", result.Errors.Select(e => e.Description))}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date ({Count} migrations applied)")]
    private static partial void LogMigrated(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "No super admin exists and COSTPILOT_ADMIN_EMAIL / COSTPILOT_ADMIN_PASSWORD are not set: nobody can reach the admin pages yet")]
    private static partial void LogNoAdmin(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the demo client {DemoEmail} with the sample account")]
    private static partial void LogSeededDemo(ILogger logger, string demoEmail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the first super admin {AdminEmail}")]
    private static partial void LogSeededAdmin(ILogger logger, string adminEmail);
}
