using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Web.Components.Shared;
using MudBlazor;

namespace CostPilot.Web.Components.Pages.Admin;

// The semaphore only orders loads (no wait handle is ever made), and a load may still hold it when the page goes: never disposed.
[SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "See above.")]
public partial class Accounts
{
    private readonly SemaphoreSlim _loading = new(1, 1);
    private MudDataGrid<AdminAccountRow>? _grid;
    private Caller? _caller;
    private string _status = "";
    private string? _owner;
    private string? _error;
    // A throttle on a monotonic clock (Stopwatch ticks), not a time shown to anyone.
    private long _lastReload;

    private string EmptyText => _status.Length == 0 && string.IsNullOrWhiteSpace(_owner)
        ? "No AWS accounts are connected yet."
        : "No account matches these filters.";

    protected override async Task OnInitializedAsync()
    {
        _caller = await CurrentCaller.GetAsync();
        SubscribeAllTenants(_caller);
    }

    public Task ReloadAsync()
    {
        _lastReload = Stopwatch.GetTimestamp();
        return _grid?.ReloadServerData() ?? Task.CompletedTask;
    }

    private async Task<GridData<AdminAccountRow>> LoadAsync(GridState<AdminAccountRow> state, CancellationToken ct)
    {
        // The grid shows whichever answer arrives last: answers arrive in the order they were asked for, so a reload started by
        // an event never lands after (and over) the one a new filter started.
        await _loading.WaitAsync(CancellationToken.None);
        try
        {
            _caller ??= await CurrentCaller.GetAsync();
            var sort = state.SortDefinitions.FirstOrDefault();
            var query = new AdminAccountQuery(
                Enum.TryParse<AccountStatus>(_status, out var status) ? status : null,
                _owner,
                sort?.SortBy switch
                {
                    nameof(AdminAccountRow.OwnerEmail) => AdminAccountSort.Owner,
                    nameof(AdminAccountRow.Status) => AdminAccountSort.Status,
                    nameof(AdminAccountRow.LastScanAt) => AdminAccountSort.LastScan,
                    nameof(AdminAccountRow.Instances) => AdminAccountSort.Instances,
                    "Cost.TotalUsd" or nameof(AdminAccountRow.Cost.TotalUsd) => AdminAccountSort.MonthlyCost,
                    _ => AdminAccountSort.Name,
                },
                sort?.Descending ?? false,
                state.Page * state.PageSize,
                state.PageSize);
            var page = await AdminAccounts.ListAsync(_caller, query, ct);
            _error = page.Error?.Message;
            return page.Succeeded
                ? new GridData<AdminAccountRow> { Items = page.Value.Rows, TotalItems = page.Value.Total }
                : new GridData<AdminAccountRow> { Items = [], TotalItems = 0 };
        }
        finally
        {
            _loading.Release();
        }
    }

    protected override async Task OnAccountEventAsync(AccountEvent e)
    {
        if (e.Experiment is not null || e.Utilization is { Status: UtilizationStatus.Collecting or UtilizationStatus.Interrupted })
        {
            // Neither changes a figure this page shows until it ends.
            return;
        }
        // Connected, removed, started, finished, failed: at once. While scanning, counts and costs grow: at most once a second.
        if (e.Removed || e.Status != AccountStatus.Discovering || Stopwatch.GetElapsedTime(_lastReload) > TimeSpan.FromSeconds(1))
        {
            await ReloadAsync();
        }
    }

    private Task OnStatusAsync(string? value)
    {
        _status = value ?? "";
        return ReloadAsync();
    }

    private Task OnOwnerAsync(string? value)
    {
        _owner = value;
        return ReloadAsync();
    }

    /// <summary>The known cost; "price unknown" when nothing in the account could be priced, never $0.00.</summary>
    // Never scanned: nothing is known of its cost yet, which is not $0.00.
    private static string CostText(AdminAccountRow row) =>
        row.LastScanAt is null && row.Instances == 0 ? "—"
        : row.Cost.TotalUsd == 0m && row.Cost.UnknownCount > 0 ? Money.Unknown : Money.Usd(row.Cost.TotalUsd);

    private static string SavingsText(AdminAccountRow row) => row.Savings switch
    {
        { Recommendations: 0 } => "—",
        { MonthlySaving: 0m, Unknown: > 0 } => Money.Unknown,
        var s => Money.Usd(s.MonthlySaving),
    };

    private static string MethodLabel(ConnectionMethod method) => method switch
    {
        ConnectionMethod.IamRole => "IAM role",
        ConnectionMethod.AccessKeys => "Access keys",
        _ => "Sample",
    };
}
