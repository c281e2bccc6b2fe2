using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Notifications;
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
    private DateTimeOffset _lastGridReload;
    private List<BreadcrumbItem> _breadcrumbs = [];
    private readonly HashSet<int> _opened = [0];

    [Parameter]
    public Guid Id { get; set; }

    private string? ProgressText => _progress is { RegionsTotal: > 0 } p ? $"{p.RegionsDone}/{p.RegionsTotal} regions" : null;

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
        _detail = detail.Value;
        _costs = costs.Value;
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
        if (e.AccountId != Id || e.At < _progress?.At)
        {
            // Another account's, or older than what is shown (events from different connections can overtake each other).
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
        if (Clock.GetUtcNow() - _lastGridReload > TimeSpan.FromSeconds(1))
        {
            await LoadAsync();
            await ReloadGridsAsync();
        }
    }

    private void OnTabChanged(int index) => _opened.Add(index);

    private async Task ReloadGridsAsync()
    {
        _lastGridReload = Clock.GetUtcNow();
        await (_instances?.ReloadAsync() ?? Task.CompletedTask);
        await (_volumes?.ReloadAsync() ?? Task.CompletedTask);
        await (_addresses?.ReloadAsync() ?? Task.CompletedTask);
    }
}
