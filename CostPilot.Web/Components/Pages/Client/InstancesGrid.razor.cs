using System.Diagnostics.CodeAnalysis;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Web.Components.Shared;
using CostPilot.Web.Endpoints;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CostPilot.Web.Components.Pages.Client;

// The semaphore only orders loads (no wait handle is ever made), and a load may still hold it when the grid goes: never disposed.
[SuppressMessage("Reliability", "CA1001:Types that own disposable fields should be disposable", Justification = "See above.")]
public partial class InstancesGrid
{
    [Inject]
    private BrowserTimeZone Zone { get; set; } = default!;

    private readonly SemaphoreSlim _loading = new(1, 1);
    private MudDataGrid<InstanceRow>? _grid;
    private string? _region;
    private string? _state;
    private string? _type;
    private string? _text;
    private bool _includeGone;
    private string _exportHref = "";
    private IReadOnlyDictionary<string, InstanceAdvice> _advice = new Dictionary<string, InstanceAdvice>();
    private InstanceRow? _selected;
    private bool _detailOpen;

    [Parameter, EditorRequired]
    public Guid AccountId { get; set; }

    [Parameter]
    public IReadOnlyList<string> Regions { get; set; } = [];

    public Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    protected override void OnParametersSet()
    {
        if (_exportHref.Length == 0)
        {
            _exportHref = ExportEndpoints.InstancesUrl(AccountId, new InstanceQuery());
        }
    }

    private async Task<GridData<InstanceRow>> LoadAsync(GridState<InstanceRow> state, CancellationToken ct)
    {
        // The grid shows whichever answer arrives last, so answers must arrive in the order they were asked for:
        // a reload started by a live event must never land after (and over) the one a new filter started.
        await _loading.WaitAsync(CancellationToken.None);
        try
        {
            return await QueryAsync(state, ct);
        }
        finally
        {
            _loading.Release();
        }
    }

    private async Task<GridData<InstanceRow>> QueryAsync(GridState<InstanceRow> state, CancellationToken ct)
    {
        var sort = state.SortDefinitions.FirstOrDefault();
        var query = new InstanceQuery(
            NullIfEmpty(_region), NullIfEmpty(_state) is { } stateName ? new InstanceState(stateName) : null, _type, _text, _includeGone,
            sort?.SortBy switch
            {
                nameof(InstanceRow.InstanceId) => InstanceSort.InstanceId,
                nameof(InstanceRow.InstanceType) => InstanceSort.InstanceType,
                nameof(InstanceRow.State) => InstanceSort.State,
                nameof(InstanceRow.Region) => InstanceSort.Region,
                nameof(InstanceRow.LaunchTime) => InstanceSort.LaunchTime,
                nameof(InstanceRow.HourlyUsd) => InstanceSort.HourlyCost,
                nameof(InstanceRow.MonthlyUsd) => InstanceSort.MonthlyCost,
                _ => InstanceSort.Name,
            },
            sort?.Descending ?? false,
            state.Page * state.PageSize,
            state.PageSize);
        // The export link follows the grid: the same filters and order. The grid's own sort changes do not render this component.
        var href = ExportEndpoints.InstancesUrl(AccountId, query);
        if (href != _exportHref)
        {
            _exportHref = href;
            StateHasChanged();
        }
        var caller = await CurrentCaller.GetAsync();
        var page = await Inventory.QueryInstancesAsync(caller, AccountId, query, ct);
        if (page.Succeeded)
        {
            // Each instance's recommendation, or why it has none, for this page only.
            var advice = await Recommendations.GetAdviceAsync(caller, AccountId, [.. page.Value.Rows.Select(r => r.InstanceId)], ct);
            _advice = advice.Succeeded ? advice.Value : new Dictionary<string, InstanceAdvice>();
        }
        // Not found only when the account was removed meanwhile: the page shows that itself.
        return page.Succeeded
            ? new GridData<InstanceRow> { Items = page.Value.Rows, TotalItems = page.Value.Total }
            : new GridData<InstanceRow> { Items = [], TotalItems = 0 };
    }

    private void OnRowClick(DataGridRowClickEventArgs<InstanceRow> e)
    {
        _selected = e.Item;
        _detailOpen = true;
    }

    private Task OnRegionAsync(string? value) { _region = value; return ReloadAsync(); }
    private Task OnStateAsync(string? value) { _state = value; return ReloadAsync(); }
    private Task OnTypeAsync(string? value) { _type = value; return ReloadAsync(); }
    private Task OnTextAsync(string? value) { _text = value; return ReloadAsync(); }
    private Task OnIncludeGoneAsync(bool value) { _includeGone = value; return ReloadAsync(); }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static Color StateColor(InstanceState state) =>
        state == InstanceState.Running ? Color.Success
        : state == InstanceState.Stopped ? Color.Default
        : state == InstanceState.Terminated || state == InstanceState.ShuttingDown ? Color.Error
        : Color.Info;
}
