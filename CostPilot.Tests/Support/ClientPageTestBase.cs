using System.Security.Claims;
using Bunit;
using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Web.Auth;
using CostPilot.Web.Components.Pages.Client;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Support;

/// <summary>
/// bUnit for the client pages, on a database of their own: the services those pages inject, as the app registers them, the
/// shipped catalogs, a clock at <see cref="Now"/>, and a signed-in client (<see cref="UserId"/>) whose data <see cref="Db"/> seeds.
/// The buttons that start jobs are stubbed (they need the job machinery); an applied recommendation's job is only recorded (<see cref="Jobs"/>).
/// </summary>
public abstract class ClientPageTestBase(DateTimeOffset now) : ComponentTestBase
{
    private string _database = "";
    private NpgsqlDataSource? _dataSource;

    protected DateTimeOffset Now { get; } = now;
    protected CostInventory Db { get; private set; } = default!;
    protected string UserId { get; private set; } = "";
    protected AccountEventHub Hub { get; } = new(NullLogger<AccountEventHub>.Instance);

    /// <summary>The jobs the pages asked for (an applied recommendation's experiment); none of them runs.</summary>
    protected RecordingJobs Jobs { get; } = new();

    public override async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        Db = new CostInventory(connectionString);
        UserId = await Db.UserAsync();
        // As the app builds it: tags are jsonb dictionaries (dynamic JSON), names snake_case.
        _dataSource = new NpgsqlDataSourceBuilder(connectionString).EnableDynamicJson().Build();
        Context.Services.AddDbContextFactory<CostPilotDbContext>(o => o.UseNpgsql(_dataSource).UseSnakeCaseNamingConvention());
        Context.Services.AddSingleton(_dataSource);
        Context.Services.AddSingleton<TimeProvider>(new FakeTimeProvider(Now));
        Context.Services.AddSingleton<InventoryQueryService>();
        Context.Services.AddSingleton<IPriceCatalog>(SnapshotPriceCatalog.Default);
        Context.Services.AddSingleton<IInstanceTypeCatalog>(InstanceTypeCatalog.Default);
        Context.Services.AddSingleton(Options.Create(new RecommendationSettings()));
        Context.Services.AddSingleton<RecommendationService>();
        Context.Services.AddSingleton<AvailabilityService>();
        Context.Services.AddSingleton<IBackgroundJobClient>(Jobs);
        Context.Services.AddSingleton<ExperimentScheduler>();
        Context.Services.AddSingleton<AccountEventPublisher>();
        Context.Services.AddSingleton(Options.Create(new ExperimentOptions()));
        Context.Services.AddSingleton<CostPilot.Infrastructure.Audit.AuditTrail>();
        Context.Services.AddSingleton<OptimizationService>();
        Context.Services.AddSingleton(Hub);
        Context.Services.AddCallerServices();
        var auth = Context.AddAuthorization();
        auth.SetAuthorized("client@costpilot.test");
        auth.SetRoles(Roles.Client);
        auth.SetClaims(new Claim(ClaimTypes.NameIdentifier, UserId));
        Context.ComponentFactories.AddStub<RescanButton>();
        Context.ComponentFactories.AddStub<RemoveAccountButton>();
    }

    /// <summary>A context on the test's database, for looking at what a page stored.</summary>
    protected CostPilotDbContext NewDbContext() =>
        new(new DbContextOptionsBuilder<CostPilotDbContext>().UseNpgsql(_dataSource!).UseSnakeCaseNamingConvention().Options);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
        await TestPostgres.DropDatabaseAsync(_database);
    }
}
