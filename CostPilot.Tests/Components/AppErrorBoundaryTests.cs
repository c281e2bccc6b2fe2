using Bunit;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CostPilot.Tests.Components;

public sealed class AppErrorBoundaryTests : ComponentTestBase
{
    private readonly LogCapture _logs = new();

    public AppErrorBoundaryTests()
    {
        Context.Services.AddSingleton<ILoggerFactory>(_ => new LoggerFactory([new CapturingLoggerProvider(_logs)]));
        Context.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
    }

    private IEnumerable<LogEntry> BoundaryLogs => _logs.Entries.Where(e => e.Category == typeof(AppErrorBoundary).FullName);

    [Fact]
    public void Render_ChildThrows_ShowsNoticeWithTheLoggedReference()
    {
        var boundary = Context.Render<AppErrorBoundary>(p => p.AddChildContent<Thrower>());

        var reference = boundary.Find("[data-testid=error-notice] [data-testid=error-reference]").TextContent.Trim();
        Assert.Matches("^[0-9a-f]{12}$", reference);
        var entry = Assert.Single(BoundaryLogs);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.IsType<InvalidOperationException>(entry.Exception);
        Assert.Equal(reference, entry.State["CorrelationId"]);
    }

    [Fact]
    public void Render_ChildThrowsTwice_EachErrorGetsItsOwnReference()
    {
        var boundary = Context.Render<AppErrorBoundary>(p => p.AddChildContent<Thrower>());
        var first = boundary.Find("[data-testid=error-reference]").TextContent.Trim();

        // "Try again" re-renders the child, which throws again.
        boundary.Find("[data-testid=error-notice] button").Click();

        var second = boundary.Find("[data-testid=error-reference]").TextContent.Trim();
        Assert.NotEqual(first, second);
        Assert.Equal([first, second], BoundaryLogs.Select(e => e.State["CorrelationId"]));
    }

    [Fact]
    public void Render_ChildFine_ShowsChildAndNoNotice()
    {
        var boundary = Context.Render<AppErrorBoundary>(p => p.AddChildContent("<p id=\"page\">All good</p>"));

        Assert.Equal("All good", boundary.Find("#page").TextContent);
        Assert.Empty(boundary.FindAll("[data-testid=error-notice]"));
        Assert.Empty(BoundaryLogs);
    }

    private sealed class Thrower : ComponentBase
    {
        protected override void OnInitialized() => throw new InvalidOperationException("The page broke.");
    }
}
