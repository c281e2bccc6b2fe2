using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Logging;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CostPilot.Tests.Infrastructure.Logging;

/// <summary>The app's logs as they land in <c>system_logs</c> (the sink writes a batch every second).</summary>
public sealed partial class SystemLogTests : IClassFixture<CostPilotAppFactory>
{
    private static readonly TimeSpan LogDeadline = TimeSpan.FromSeconds(10);

    private readonly CostPilotAppFactory _app;

    public SystemLogTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task Log_InformationThroughILogger_LandsInSystemLogsWithItsFields()
    {
        var marker = Guid.NewGuid().ToString("N");
        var logger = _app.Services.GetRequiredService<ILogger<SystemLogTests>>();

        LogMarker(logger, marker, 42);

        var row = await WaitForRowAsync(marker);
        Assert.Equal("Information", row.Level);
        Assert.Equal($"Marker \"{marker}\" with count 42", row.Message);
        Assert.Equal("Marker {Marker} with count {Count}", row.MessageTemplate);
        Assert.Equal(typeof(SystemLogTests).FullName, row.SourceContext);
        Assert.Null(row.Exception);
        using var properties = JsonDocument.Parse(row.Properties!);
        Assert.Equal(marker, properties.RootElement.GetProperty("Marker").GetString());
        Assert.Equal(42, properties.RootElement.GetProperty("Count").GetInt32());
    }

    [Fact]
    public async Task Log_ErrorWithException_StoresLevelAndScrubbedException()
    {
        var marker = Guid.NewGuid().ToString("N");
        var logger = _app.Services.GetRequiredService<ILogger<SystemLogTests>>();
        var exception = new InvalidOperationException($"Connect failed: Host=db;Password=hunter2-{marker};Username=app");

        LogFailure(logger, exception, marker);

        var row = await WaitForRowAsync(marker);
        Assert.Equal("Error", row.Level);
        Assert.NotNull(row.Exception);
        Assert.Contains(nameof(InvalidOperationException), row.Exception, StringComparison.Ordinal);
        Assert.Equal(0, await SystemLogQueries.CountRowsContainingAsync(_app.ConnectionString, $"hunter2-{marker}"));
    }

    [Fact]
    public async Task Log_ExceptionHoldingAwsSecretKeyKeyIdAndExternalId_NoneReachesTheConsoleOrSystemLogs()
    {
        var marker = Guid.NewGuid().ToString("N");
        var keyId = "AKIA" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
        // 40 of [A-Za-z0-9/+], as AWS makes them; the prefix keeps a '/' and both cases in every run's key.
        var secretKey = "wJ/" + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 37);
        var caller = await TestUsers.CreateCallerAsync(_app.Services);
        var externalId = await TestUsers.WithScopeAsync<AccountService, string>(_app.Services, s => s.GetOrCreateExternalIdAsync(caller));
        var secrets = new[] { keyId, secretKey, externalId };
        var exception = Thrown(() => throw new InvalidOperationException(
            $"AssumeRole with ExternalId {externalId} failed",
            Thrown(() => throw new ArgumentException($"The request signed with {keyId} / {secretKey} was refused"))));
        var logger = _app.Services.GetRequiredService<ILogger<SystemLogTests>>();

        string console;
        using (var capture = await ConsoleCapture.StartAsync())
        {
#pragma warning disable CA1848, CA2254 // The point is a template built by interpolation, as careless code writes it.
            logger.LogError(exception, $"Connecting {marker} with {keyId} and {secretKey} failed for role {{RoleExternalId}} and key {{KeyId}}", externalId, keyId);
#pragma warning restore CA1848, CA2254
            console = capture.Text;
        }

        var row = await WaitForRowAsync(marker);
        Assert.Contains(marker, console, StringComparison.Ordinal);
        Assert.Contains("---> System.ArgumentException", console, StringComparison.Ordinal);
        Assert.Contains("---> System.ArgumentException", row.Exception, StringComparison.Ordinal);
        Assert.Contains(nameof(Thrown), row.Exception, StringComparison.Ordinal); // the stack trace is kept
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(secret, console, StringComparison.Ordinal);
            Assert.Equal(0, await SystemLogQueries.CountRowsContainingAsync(_app.ConnectionString, secret));
        }
    }

    [Fact]
    public async Task Log_PropertyNamedPassword_IsMaskedInEveryColumn()
    {
        var marker = Guid.NewGuid().ToString("N");
        var secret = $"secret-value-{Guid.NewGuid():N}";
        var logger = _app.Services.GetRequiredService<ILogger<SystemLogTests>>();

#pragma warning disable CA1848, CA1873 // The point is an ordinary call site, exactly as careless code would write it.
        logger.LogInformation("Signing in {Email} with {Password}", $"{marker}@costpilot.test", secret);
#pragma warning restore CA1848, CA1873

        var row = await WaitForRowAsync(marker);
        using var properties = JsonDocument.Parse(row.Properties!);
        Assert.Equal(SecretScrubber.Mask, properties.RootElement.GetProperty("Password").GetString());
        Assert.Contains(SecretScrubber.Mask, row.Message, StringComparison.Ordinal);
        Assert.Equal(0, await SystemLogQueries.CountRowsContainingAsync(_app.ConnectionString, secret));
    }

    [Fact]
    public async Task RegisterAndFailedSignIn_OverHttp_LeaveNoPasswordInSystemLogs()
    {
        var password = $"Reg-{Guid.NewGuid():N}";
        var wrongPassword = $"Wrong-{Guid.NewGuid():N}";
        var email = TestUsers.NewEmail("logs");
        using var client = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        using (var registered = await FormClient.RegisterAsync(client, email, password))
        {
            Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
        }
        using (var anonymous = _app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false }))
        using (var failed = await FormClient.SignInAsync(anonymous, email, wrongPassword))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }
        await FlushLogsAsync();

        Assert.Equal(0, await SystemLogQueries.CountRowsContainingAsync(_app.ConnectionString, password));
        Assert.Equal(0, await SystemLogQueries.CountRowsContainingAsync(_app.ConnectionString, wrongPassword));
    }

    [Fact]
    public async Task QueryAsync_Client_Forbidden()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<SystemLogService>();

        Assert.Equal(ErrorKind.Forbidden, (await service.QueryAsync(Callers.Client(), new SystemLogQuery())).Error?.Kind);
    }

    [Fact]
    public async Task QueryAsync_AdminSearchingAMarkerAtWarning_FindsOnlyTheWarning()
    {
        var marker = Guid.NewGuid().ToString("N");
        var logger = _app.Services.GetRequiredService<ILogger<SystemLogTests>>();
        LogQueryInformation(logger, marker);
        LogQueryWarning(logger, marker);
        await FlushLogsAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var service = scope.ServiceProvider.GetRequiredService<SystemLogService>();

        var page = (await service.QueryAsync(Callers.Admin(), new SystemLogQuery(Level: "Warning", Text: marker))).Value!;

        var row = Assert.Single(page.Rows);
        Assert.Equal("Warning", row.Level);
    }

    private static Exception Thrown(Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            return e;
        }
        throw new InvalidOperationException("Nothing was thrown.");
    }

    /// <summary>Logs a sentinel and waits until it is stored: the sink writes in order, so everything before it is stored too.</summary>
    private async Task FlushLogsAsync()
    {
        var sentinel = Guid.NewGuid().ToString("N");
        var logger = _app.Services.GetRequiredService<ILogger<SystemLogTests>>();
        LogSentinel(logger, sentinel);
        await WaitForRowAsync(sentinel);
    }

    private async Task<SystemLog> WaitForRowAsync(string marker)
    {
        var row = await Eventually.WaitForAsync(
            async () =>
            {
                await using var db = await _app.CreateDbContextAsync();
                return await db.SystemLogs.AsNoTracking().FirstOrDefaultAsync(l => l.Message.Contains(marker));
            },
            row => row is not null,
            LogDeadline,
            $"a system_logs row containing {marker}");
        return row!;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Marker {Marker} with count {Count}")]
    private static partial void LogMarker(ILogger logger, string marker, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failure {Marker}")]
    private static partial void LogFailure(ILogger logger, Exception exception, string marker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Query {Marker} information")]
    private static partial void LogQueryInformation(ILogger logger, string marker);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Query {Marker} warning")]
    private static partial void LogQueryWarning(ILogger logger, string marker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Flush sentinel {Sentinel}")]
    private static partial void LogSentinel(ILogger logger, string sentinel);
}
