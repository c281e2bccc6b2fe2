using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace CostPilot.Tests.Support;

/// <summary>
/// A bUnit context set up the way MudBlazor tests its own components: loose JS interop and the
/// Mud services with transitions at zero. Disposed asynchronously, because MudBlazor's popover
/// service is only async-disposable and xunit v2 would otherwise fail the test at teardown.
/// </summary>
public abstract class ComponentTestBase : IAsyncLifetime
{
    /// <summary>
    /// bUnit waits one second by default; under a full test run on two busy cores a first render that reads the database
    /// (or loads the price snapshot) can take longer. A passing wait returns as soon as it passes, so only failures wait this long.
    /// </summary>
    static ComponentTestBase() => BunitContext.DefaultWaitTimeout = TimeSpan.FromSeconds(15);

    protected ComponentTestBase()
    {
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
        Context.Services.AddMudServices(options =>
        {
            options.SnackbarConfiguration.ShowTransitionDuration = 0;
            options.SnackbarConfiguration.HideTransitionDuration = 0;
            options.PopoverOptions.Duration = TimeSpan.Zero;
            options.PopoverOptions.CheckForPopoverProvider = false;
        });
    }

    protected BunitContext Context { get; } = new();

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual async Task DisposeAsync() => await Context.DisposeAsync();
}
