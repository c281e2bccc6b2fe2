using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Aws;
using CostPilot.Infrastructure.Aws.CloudWatch;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Logging;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Infrastructure.Pricing.PriceList;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Infrastructure.Sandbox;
using CostPilot.Infrastructure.Security;
using CostPilot.Infrastructure.Utilization;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CostPilot.Infrastructure;

public static class DependencyInjection
{
    /// <summary>The folder for local state (development keys, the price snapshot cache): <c>CostPilot:DataDirectory</c>, else <c>.data</c>.</summary>
    public static string DataDirectory(IHostApplicationBuilder builder) =>
        Path.GetFullPath(builder.Configuration["CostPilot:DataDirectory"] is { Length: > 0 } dir
            ? dir
            : Path.Combine(builder.Environment.ContentRootPath, ".data"));

    public static IHostApplicationBuilder AddInfrastructure(this IHostApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var services = builder.Services;
        var connectionString = DatabaseSettings.ResolveConnectionString(config);
        var dataDirectory = DataDirectory(builder);

        builder.AddCostPilotLogging(connectionString);
        services.AddSingleton(TimeProvider.System);

        // One data source for EF, health checks and notifications.
        // Dynamic JSON: tags are Dictionary<string, string> in jsonb columns.
        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString) { Name = "costpilot" }.EnableDynamicJson().Build());
        services.AddDbContextFactory<CostPilotDbContext>((sp, options) =>
            options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>(), npgsql => npgsql.MigrationsHistoryTable("ef_migrations_history"))
                .UseSnakeCaseNamingConvention());

        services.AddDataProtection()
            .SetApplicationName("CostPilot")
            .PersistKeysToDbContext<CostPilotDbContext>();
        services.AddSingleton<Microsoft.Extensions.Options.IConfigureOptions<Microsoft.AspNetCore.DataProtection.KeyManagement.KeyManagementOptions>, ConfigureKeyEncryption>();

        services.AddIdentityCore<AppUser>(options =>
            {
                options.User.RequireUniqueEmail = true;
                options.SignIn.RequireConfirmedAccount = false;
                options.Password.RequiredLength = 10;
                options.Password.RequiredUniqueChars = 4;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Lockout.AllowedForNewUsers = true;
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<CostPilotDbContext>()
            .AddSignInManager<CostPilotSignInManager>()
            .AddDefaultTokenProviders();
        services.AddScoped<IPasswordHasher<AppUser>, BCryptPasswordHasher>();

        services.AddSingleton(EncryptionKeyRing.FromConfiguration(config, builder.Environment, dataDirectory));
        services.AddSingleton<SecretProtector>();
        services.AddOptions<RateLimitOptions>()
            .Bind(config.GetSection(RateLimitOptions.Section))
            .Validate(o => o.IsValid, "CostPilot:RateLimits: every PermitLimit must be at least 1 and every Window positive.")
            .ValidateOnStart();
        services.AddSingleton<ServiceRateLimits>();

        // This app's own storage and job activator in DI. Hangfire.AspNetCore would otherwise resolve both from
        // process-wide statics (JobStorage.Current, JobActivator.Current) that the last app configured in the process
        // wins: with two apps in one process (the tests run several) jobs landed in the other app's database, or ran
        // with the services of an app already stopped.
        var jobOptions = config.GetSection(JobOptions.Section).Get<JobOptions>() ?? new JobOptions();
        services.Configure<JobOptions>(config.GetSection(JobOptions.Section));
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire",
            PrepareSchemaIfNecessary = true,
            // Wake workers with LISTEN/NOTIFY when a job is enqueued ("Rescan now" starts at once), poll as a fallback.
            EnableLongPolling = true,
            QueuePollInterval = TimeSpan.FromSeconds(5),
            // A running job's claim is refreshed every fifth of the timeout, so a job of any length keeps it; a job whose
            // server died (kill -9, out of memory) is handed out again a minute after its last refresh, not 30 minutes.
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = jobOptions.EffectiveInvisibilityTimeout,
        };
        services.AddSingleton<JobStorage>(_ => new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions));
        services.AddSingleton<JobActivator>(provider => new AspNetCoreJobActivator(provider.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((provider, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(provider.GetRequiredService<JobStorage>())
            .UseActivator(provider.GetRequiredService<JobActivator>()));
        // Registered before the job server, so it runs first at start-up: work a crash left "in progress" is marked
        // interrupted, and re-enqueued when no job would bring it back, before any worker looks at the queues.
        services.AddSingleton<JobReconciler>();
        services.AddHostedService<StartupReconciliation>();
        // A node can run without job workers (CostPilot:Jobs:Server=false): it still enqueues, others process.
        if (config.GetValue("CostPilot:Jobs:Server", true))
        {
            services.AddHangfireServer(options =>
            {
                // Hangfire adds ":pid:guid"; the dashboard shows "host:pid".
                options.ServerName = Environment.MachineName;
                options.WorkerCount = Math.Clamp(config.GetValue("CostPilot:Jobs:Workers", Environment.ProcessorCount * 2), 1, 50);
            });
        }

        services.AddOptions<AwsOptions>().Configure(o =>
        {
            config.GetSection("CostPilot:Aws").Bind(o);
            if (config["AWS_REGION"] is { Length: > 0 } region)
            {
                o.DefaultRegion = region;
            }
        });
        services.AddSingleton<AwsClientFactory>();
        services.AddSingleton<AwsIdentityService>();
        services.Configure<CloudWatchOptions>(config.GetSection(CloudWatchOptions.Section));
        // No HttpClient timeout: CloudWatchClient times each attempt itself (AwsOptions.RequestTimeout) and retries.
        services.AddHttpClient(CloudWatchClient.HttpClientName, http => http.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<CloudWatchClient>();
        services.AddSingleton<AccountCredentials>();
        services.AddSingleton<InventorySourceFactory>();
        services.AddSingleton<InventoryStore>();
        services.AddSingleton<PriceCatalogProvider>();
        services.AddSingleton<IPriceCatalog>(sp => sp.GetRequiredService<PriceCatalogProvider>());
        services.AddSingleton<INotificationChannel>(sp => sp.GetRequiredService<PriceCatalogProvider>());
        services.AddSingleton<InventoryPricer>();
        services.AddSingleton<PricingAdminService>();
        services.AddTransient<PriceRefreshJob>();
        services.AddOptions<PricingOptions>().Bind(config.GetSection(PricingOptions.SectionName));
        services.AddHttpClient<PriceListClient>();
        services.AddTransient<DiscoveryJob>();
        services.Configure<DiscoveryOptions>(config.GetSection(DiscoveryOptions.Section));
        services.AddSingleton<DiscoveryScheduler>();
        services.AddSingleton<DiscoveryWork>();
        // Every kind of long-running job that reconciliation resumes: discovery here, utilization and experiments below.
        services.AddSingleton<IResumableWork>(sp => sp.GetRequiredService<DiscoveryWork>());
        services.AddSingleton<IInstanceTypeCatalog>(_ => InstanceTypeCatalog.Default);
        services.AddOptions<RecommendationSettings>().Bind(config.GetSection(RecommendationService.SettingsSection));
        services.AddSingleton<RecommendationService>();
        services.AddSingleton<AvailabilityService>();
        services.AddSingleton<Audit.AuditTrail>();
        services.AddSingleton<OptimizationService>();
        services.AddSingleton<ExperimentScheduler>();
        services.AddSingleton<IInstanceActionsFactory, InstanceActionsFactory>();
        services.AddOptions<SandboxActionOptions>()
            .Bind(config.GetSection(SandboxActionOptions.Section))
            .Validate(o => o.Error is null, "CostPilot:Sandbox:Actions is invalid (FailureRate and ImpairedChecksRate 0–1, Jitter 0–0.5, delays not negative).")
            .ValidateOnStart();
        services.AddSingleton<SandboxInstanceActionsFactory>();
        services.AddSingleton<ExperimentWork>();
        services.AddSingleton<IResumableWork>(sp => sp.GetRequiredService<ExperimentWork>());
        services.AddTransient<ExperimentJob>();
        services.Configure<ExperimentOptions>(config.GetSection(ExperimentOptions.Section));
        services.AddSingleton<UtilizationStore>();
        services.AddSingleton<UtilizationScheduler>();
        services.AddSingleton<UtilizationSourceFactory>();
        services.AddSingleton<UtilizationWork>();
        services.AddSingleton<IResumableWork>(sp => sp.GetRequiredService<UtilizationWork>());
        services.AddTransient<UtilizationJob>();
        services.Configure<UtilizationOptions>(config.GetSection(UtilizationOptions.Section));
        services.AddScoped<AccountService>();
        services.AddScoped<InventoryQueryService>();
        services.AddScoped<AdminAccountService>();

        services.AddSingleton<AccountEventHub>();
        services.AddSingleton<AccountEventPublisher>();
        services.AddSingleton<PgNotificationListener>();
        services.AddHostedService(sp => sp.GetRequiredService<PgNotificationListener>());

        services.Configure<HealthOptions>(config.GetSection(HealthOptions.Section));
        services.Configure<HealthOptions>(o => o.StoragePath = dataDirectory);
        services.AddSingleton<HealthService>();
        services.AddTransient<HealthMonitorJob>();
        services.AddSingleton<HealthRunHub>();
        services.AddSingleton<INotificationChannel>(sp => sp.GetRequiredService<HealthRunHub>());
        services.AddScoped<HealthHistoryService>();
        services.AddTransient<LogRetentionJob>();
        services.AddScoped<SystemOverviewService>();
        services.AddScoped<SystemLogService>();
        services.AddScoped<UserAdminService>();
        services.AddSingleton<PersonalAccessTokenService>();
        services.AddSingleton<AdminJobService>();
        return builder;
    }
}
