using System.Security.Cryptography;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;
using Microsoft.AspNetCore.Components.Web;

namespace CostPilot.Web.Components.Shared;

/// <summary>
/// Catches a page's unhandled error, logs it with a short reference, and shows the user that
/// same reference, so an admin can find the log entry (system_logs.correlation_id) from a screenshot.
/// </summary>
public sealed partial class AppErrorBoundary : ErrorBoundary
{
    [Inject]
    private ILogger<AppErrorBoundary> Logger { get; set; } = default!;

    public string? Reference { get; private set; }

    protected override Task OnErrorAsync(Exception exception)
    {
        Reference = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        LogUnhandled(Logger, exception, Reference);
        return Task.CompletedTask;
    }

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        if (CurrentException is null)
        {
            builder.AddContent(0, ChildContent);
            return;
        }
        builder.OpenComponent<ErrorNotice>(1);
        builder.AddComponentParameter(2, nameof(ErrorNotice.Reference), Reference);
        builder.AddComponentParameter(3, nameof(ErrorNotice.OnRetry), EventCallback.Factory.Create(this, Recover));
        builder.CloseComponent();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error shown to the user with reference {CorrelationId}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string correlationId);
}
