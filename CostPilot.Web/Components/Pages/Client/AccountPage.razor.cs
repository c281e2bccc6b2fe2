using System.Diagnostics;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Domain.Utilization;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CostPilot.Web.Components.Pages.Client;

public partial class AccountPage
{
    private AccountDetail? _detail;
    private AccountCosts? _costs;
    private IReadOnlyList<string> _regions = [];
    private AccountEvent? _progress;
    private bool _notFound;
    private InstancesGrid? _instances;
    private VolumesGrid? _volumes;
    private AddressesGrid? _addresses;
    private RecommendationsList? _recommendations;
    private ExperimentsList? _experiments;
    private AvailabilityCard? _availability;
    private MudTabs? _tabs;
    private SavingsSummary? _savings;
    private RecommendationKind? _initialKind;
    private UtilizationProgress? _utilization;
    // A throttle on a monotonic clock (Stopwatch ticks), not a time shown to anyone.
    private long _lastGridReload;
    private List<BreadcrumbItem> _breadcrumbs = [];
    private readonly HashSet<int> _opened = [0];

    [Parameter]
    public Guid Id { get; set; }

    private string? ProgressText => _progress is { RegionsTotal: > 0 } p ? $"{p.RegionsDone}/{p.RegionsTotal} regions" : null;

    private const int RecommendationsIndex = 1;
    private const int OptimizationsIndex = 4;

    private string RecommendationsTab => _savings is { Recommendations: > 0 } s
        ? $"Recommendations ({s.Recommendations:N0} · {Money.Usd(s.MonthlySaving)}/mo)"
        : "Recommendations";

    private string EmptyRecommendations => _savings?.Utilization.Status switch
    {
        UtilizationStatus.Collected => "Nothing to recommend: no idle, oversized or forgotten resources found.",
        UtilizationStatus.Failed => "No recommendations for instances: CloudWatch could not be read (see above). Volumes and addresses were checked.",
        _ => "No recommendations yet: they follow once CloudWatch metrics are read after the scan.",
    };

    private string VolumesTab => _detail is { } d
        ? d.UnattachedVolumes > 0 ? $"EBS volumes ({d.Volumes:N0} · {d.UnattachedVolumes:N0} unattached)" : $"EBS volumes ({d.Volumes:N0})"
        : "EBS volumes";

    private string AddressesTab => _detail is { } d
        ? d.IdleAddresses > 0 ? $"Elastic IPs ({d.Addresses:N0} · {d.IdleAddresses:N0} idle)" : $"Elastic IPs ({d.Addresses:N0})"
        : "Elastic IPs";

    protected override async Task OnParametersSetAsync()
    {
        var caller = await CurrentCaller.GetAsync();
        Subscribe(caller);
        await OneAtATimeAsync(LoadAsync);
    }

    /// <summary>The account, its cost cards and its charts, read together so they always show the same moment.</summary>
    private async Task LoadAsync()
    {
        var caller = await CurrentCaller.GetAsync();
        var detail = await Inventory.GetAccountAsync(caller, Id);
        var costs = detail.Succeeded ? await Inventory.GetCostsAsync(caller, Id) : default;
        var savings = detail.Succeeded ? await Recommendations.GetSummaryAsync(caller, Id) : default;
        _detail = detail.Value;
        _costs = costs.Value;
        _savings = savings.Value;
        _notFound = !detail.Succeeded;
        if (_detail is not null)
        {
            _breadcrumbs = [new("Accounts", "/client"), new(_detail.Account.Name, null, disabled: true)];
            var regions = _detail.Regions.Select(r => r.Region).Order(StringComparer.Ordinal).ToList();
            if (!regions.SequenceEqual(_regions))
            {
                _regions = regions;
            }
        }
    }

    protected override async Task OnAccountEventAsync(AccountEvent e)
    {
        if (e.AccountId != Id)
        {
            return;
        }
        if (e.Experiment is { } experiment)
        {
            // An experiment moved: its row in the recommendations and the history, and, once it ends, the downtime budget.
            await (_recommendations?.ReloadAsync() ?? Task.CompletedTask);
            await (_experiments?.ReloadAsync() ?? Task.CompletedTask);
            if (experiment.State.IsFinished() || experiment.State == ExperimentState.Verifying)
            {
                await (_availability?.ReloadAsync() ?? Task.CompletedTask);
            }
            return;
        }
        if (e.At < _progress?.At)
        {
            // Older than what is shown (events from different connections can overtake each other).
            return;
        }
        if (e.Utilization is { } utilization)
        {
            // Reading CloudWatch: show its progress; when it ends, the savings, the recommendations and the instances' advice change.
            _utilization = utilization;
            if (utilization.Status is not (UtilizationStatus.Collecting or UtilizationStatus.Interrupted))
            {
                await LoadAsync();
                await (_recommendations?.ReloadAsync() ?? Task.CompletedTask);
                await (_instances?.ReloadAsync() ?? Task.CompletedTask);
            }
            return;
        }
        _progress = e;
        if (e.Removed)
        {
            _detail = null;
            _costs = null;
            _notFound = true;
            return;
        }
        if (e.Status != AccountStatus.Discovering || _detail?.Account.Status != AccountStatus.Discovering)
        {
            // Started, finished or repriced: reload everything (counts, costs, charts and the grids).
            await LoadAsync();
            await ReloadGridsAsync();
            return;
        }
        // While scanning, show instances and their costs as they arrive, at most once a second.
        if (Stopwatch.GetElapsedTime(_lastGridReload) > TimeSpan.FromSeconds(1))
        {
            await LoadAsync();
            await ReloadGridsAsync();
        }
    }

    private void OnTabChanged(int index) => _opened.Add(index);

    /// <summary>Applied from the recommendations: the Optimizations tab is made now, so it follows the experiment from its start.</summary>
    private Task OnAppliedAsync(Guid experimentId)
    {
        _opened.Add(OptimizationsIndex);
        return _availability?.ReloadAsync() ?? Task.CompletedTask;
    }

    private async Task ReloadGridsAsync()
    {
        _lastGridReload = Stopwatch.GetTimestamp();
        await (_instances?.ReloadAsync() ?? Task.CompletedTask);
        await (_volumes?.ReloadAsync() ?? Task.CompletedTask);
        await (_addresses?.ReloadAsync() ?? Task.CompletedTask);
        await (_recommendations?.ReloadAsync() ?? Task.CompletedTask);
    }

    /// <summary>A kind chosen on the savings card: the Recommendations tab, filtered to it.</summary>
    private async Task ShowKindAsync(RecommendationKind kind)
    {
        _initialKind = kind;
        var existing = _recommendations;
        _opened.Add(RecommendationsIndex);
        await (_tabs?.ActivatePanelAsync(RecommendationsIndex, false) ?? Task.CompletedTask);
        // A list made just now starts filtered (InitialKind); one made earlier is told.
        await (existing?.ShowKindAsync(kind) ?? Task.CompletedTask);
    }
}
