using System.Net;
using System.Text.Json;
using CostPilot.Infrastructure;
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
