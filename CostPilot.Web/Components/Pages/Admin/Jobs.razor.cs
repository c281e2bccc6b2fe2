using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Web.Auth;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CostPilot.Web.Components.Pages.Admin;

/// <summary>
/// The admin console's failed and running jobs (discovery, utilization, experiments), optionally of one account and one state.
/// Live without polling: every tenant's account events reload the list. A job's account event comes just before Hangfire records
/// how the job ended, so each burst of events is followed by one more reload <see cref="Settle"/> after its last event.
/// </summary>
public partial class Jobs
{
    /// <summary>How long after the last account event the list is read once more, to catch the job state that follows it.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    private static readonly (string Label, string? State)[] StateFilters = [("All", null), ("Failed", "failed"), ("Processing", "processing")];

    private readonly Dictionary<string, RetryOutcome> _retried = new(StringComparer.Ordinal);
    private List<AdminJobRow>? _rows;
    private Caller? _caller;
    private string? _error;
    private bool _busy;
    private CancellationTokenSource? _settle;

    [Inject]
    private AdminJobService JobService { get; set; } = default!;

    [Inject]
    private CurrentCaller CurrentCaller { get; set; } = default!;

    [Inject]
    private ISnackbar Snackbar { get; set; } = default!;

    /// <summary>Only this account's jobs (the admin Accounts page links here as "the account's last failed job").</summary>
    [SupplyParameterFromQuery(Name = "account")]
    public Guid? Account { get; set; }

    /// <summary>"failed", "processing", or nothing for both.</summary>
    [SupplyParameterFromQuery(Name = "state")]
    public string? State { get; set; }

    private string? AccountName => _rows?.FirstOrDefault(r => r.AccountId == Account)?.AccountName;

    private string EmptyText => StateFilter switch
    {
        AdminJobState.Processing => "No jobs running.",
        AdminJobState.Failed => "No failed jobs.",
        _ => "No failed jobs, and none running.",
    };

    private AdminJobState? StateFilter => State?.ToLowerInvariant() switch
    {
        "failed" => AdminJobState.Failed,
        "processing" => AdminJobState.Processing,
        _ => null,
    };

    protected override async Task OnInitializedAsync()
    {
        _caller = await CurrentCaller.GetAsync();
        SubscribeAllTenants(_caller);
    }

    // The filters are links: a new query string comes here, and the list follows it.
    protected override Task OnParametersSetAsync() => OneAtATimeAsync(LoadAsync);

    protected override async Task OnAccountEventAsync(AccountEvent e)
    {
        if (!ShownRunning(e))
        {
            await LoadAsync();
        }
        ScheduleSettle();
    }

    /// <summary>Progress of work the list already shows as processing: nothing on the page changes.</summary>
    private bool ShownRunning(AccountEvent e)
    {
        var (kind, running) = e switch
        {
            { Experiment: { } experiment } => (AdminJobKind.Experiment, !experiment.State.IsFinished()),
            { Utilization: { } utilization } => (AdminJobKind.Utilization, utilization.Status == UtilizationStatus.Collecting),
            _ => (AdminJobKind.Discovery, e.Status == AccountStatus.Discovering),
        };
        return running && _rows is not null
            && _rows.Any(r => r.State == AdminJobState.Processing && r.Kind == kind && r.AccountId == e.AccountId);
    }

    private void ScheduleSettle()
    {
        _settle?.Cancel();
        _settle?.Dispose();
        _settle = new CancellationTokenSource();
        _ = SettleAsync(_settle.Token);
    }

    private async Task SettleAsync(CancellationToken ct)
    {
        try
        {
            await Task.Delay(Settle, ct);
            await InvokeAsync(() => OneAtATimeAsync(async () =>
            {
                if (!ct.IsCancellationRequested)
                {
                    await LoadAsync();
                    StateHasChanged();
                }
            }));
        }
        catch (OperationCanceledException)
        {
            // A newer event scheduled its own, or the page closed.
        }
        catch (Exception e)
        {
            await DispatchExceptionAsync(e);
        }
    }

    private async Task LoadAsync()
    {
        _caller ??= await CurrentCaller.GetAsync();
        var rows = await JobService.ListAsync(_caller, new AdminJobQuery(Account, StateFilter));
        _error = rows.Error?.Message;
        _rows = rows.Succeeded ? [.. rows.Value] : [];
        foreach (var jobId in _retried.Keys.ToList())
        {
            var state = await JobService.StateOfAsync(_caller, jobId);
            _retried[jobId] = _retried[jobId] with { State = state.Succeeded ? state.Value : "Deleted" };
        }
    }

    private async Task RetryAsync(AdminJobRow job)
    {
        await ActAsync(() => JobService.RetryAsync(_caller!, job.JobId), $"Retrying {job.Label} (job {job.JobId}).", job);
    }

    private async Task DeleteAsync(AdminJobRow job)
    {
        await ActAsync(() => JobService.DeleteAsync(_caller!, job.JobId), $"Deleted the failed {job.Label} (job {job.JobId}).", retried: null);
    }

    private async Task ActAsync(Func<Task<Result>> action, string success, AdminJobRow? retried)
    {
        _busy = true;
        try
        {
            await OneAtATimeAsync(async () =>
            {
                var result = await action();
                if (result.Succeeded)
                {
                    Snackbar.Add(success, Severity.Success);
                    if (retried is not null)
                    {
                        _retried[retried.JobId] = new RetryOutcome(retried.JobId, retried.Label, "Enqueued");
                    }
                }
                else
                {
                    Snackbar.Add(result.Error.Message, Severity.Error);
                }
                await LoadAsync();
            });
        }
        finally
        {
            _busy = false;
        }
    }

    private static string FilterHref(string? state, Guid? account)
    {
        var query = new List<string>();
        if (account is { } id)
        {
            query.Add($"account={id}");
        }
        if (state is { Length: > 0 })
        {
            query.Add($"state={state}");
        }
        return query.Count == 0 ? "/admin/jobs" : $"/admin/jobs?{string.Join('&', query)}";
    }

    private static string KindTitle(AdminJobKind kind) => kind switch
    {
        AdminJobKind.Discovery => "Discovery",
        AdminJobKind.Utilization => "Utilization",
        _ => "Experiment",
    };

    private static string OutcomeText(string state) => state switch
    {
        "Enqueued" or "Scheduled" or "Awaiting" => "waiting for a worker.",
        "Processing" => "running.",
        "Succeeded" => "succeeded.",
        "Failed" => "failed again; see its error below.",
        "Deleted" => "deleted.",
        _ => $"{state.ToLowerInvariant()}.",
    };

    private static Severity OutcomeSeverity(string state) => state switch
    {
        "Succeeded" => Severity.Success,
        "Failed" => Severity.Error,
        "Deleted" => Severity.Warning,
        _ => Severity.Info,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _settle?.Cancel();
            _settle?.Dispose();
            _settle = null;
        }
        base.Dispose(disposing);
    }

    private sealed record RetryOutcome(string JobId, string Label, string State);
}
