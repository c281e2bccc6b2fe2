using System.Globalization;
using CostPilot.Domain.Health;
using CostPilot.Infrastructure.Health;
using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace CostPilot.Web.Components.Pages.Admin;

public sealed partial class HealthHistoryCard
{
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly LineChartOptions _options = new()
    {
        ShowDataMarkers = false,
        MaxNumYAxisTicks = 6,
        YAxisRequireZeroPoint = true,
        ClampToZero = true,
        LineStrokeWidth = 2,
        ChartPalette = ["#4E79A7", "#F28E2B", "#59A14F", "#B07AA1", "#E15759", "#76B7B2"],
    };
    private HealthRange _range = HealthRange.Day;
    private HealthHistory? _history;
    private string? _error;
    private List<ChartSeries<double>> _series = [];
    private string[] _labels = [];
    private IDisposable? _subscription;

    /// <summary>The signed-in administrator (the page has already asked who it is).</summary>
    [Parameter, EditorRequired]
    public Caller Caller { get; set; } = default!;

    protected override async Task OnParametersSetAsync()
    {
        _subscription ??= Runs.Subscribe(Caller, () => InvokeAsync(async () =>
        {
            await LoadAsync();
            StateHasChanged();
        }));
        await LoadAsync();
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        // The chart's labels are plain strings: redraw them once the browser's zone is known.
        if (firstRender && Zone.Known is null && await Zone.GetAsync() is not null && _history is not null)
        {
            BuildChart(_history);
            StateHasChanged();
        }
    }

    private async Task ShowAsync(HealthRange range)
    {
        if (range != _range)
        {
            _range = range;
            await LoadAsync();
        }
    }

    /// <summary>One load at a time: the renderer interleaves them at every await, and an older answer must not land last.</summary>
    private async Task LoadAsync()
    {
        await _turn.WaitAsync();
        try
        {
            var result = await History.GetAsync(Caller, _range);
            _error = result.Error?.Message;
            _history = result.Value;
            if (_history is not null)
            {
                BuildChart(_history);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    private void BuildChart(HealthHistory history)
    {
        // About eight times under the axis; the others stay blank so they do not overlap.
        var step = Math.Max(1, (int)Math.Ceiling(history.BucketStarts.Count / 8.0));
        var format = history.Range == HealthRange.Week ? "MM-dd HH:mm" : "HH:mm";
        _labels = [.. history.BucketStarts.Select((s, i) => i % step == 0 ? InZone(s).ToString(format, CultureInfo.InvariantCulture) : "")];
        _series =
        [
            .. history.Components.Select(c => new ChartSeries<double>
            {
                Name = c.Component,
                Data = new ChartData<double>(c.Buckets.Select(b => b.AverageMs).ToArray()),
                TooltipYValueFormat = "0.0 ms",
            }),
        ];
    }

    private DateTimeOffset InZone(DateTimeOffset at) => Zone.Known is { } zone ? TimeZoneInfo.ConvertTime(at, zone) : at.ToUniversalTime();

    private string BucketTitle(HealthHistory history, HealthBucket bucket)
    {
        var when = $"{Zone.Format(bucket.Start, "MM-dd HH:mm")}–{InZone(bucket.Start + history.BucketSize).ToString("HH:mm", CultureInfo.InvariantCulture)}";
        return bucket.Worst is { } worst
            ? string.Create(CultureInfo.InvariantCulture,
                $"{when}: {StatusClass(worst)} at worst, {bucket.Checks} checks, {bucket.AverageMs:0.0} ms average, {bucket.MaxMs:0.0} ms max")
            : $"{when}: no record";
    }

    private Variant RangeVariant(HealthRange range) => range == _range ? Variant.Filled : Variant.Outlined;

    private static string BucketName(TimeSpan size) => size >= TimeSpan.FromHours(1) ? $"{size.TotalHours:0} h" : $"{size.TotalMinutes:0} min";

    /// <summary>"healthy", "degraded", "unhealthy", or "none" for a bucket without a record (CSS classes and test hooks).</summary>
    internal static string StatusClass(HealthStatus? status) => status?.ToString().ToLowerInvariant() ?? "none";

    public void Dispose()
    {
        _subscription?.Dispose();
        _turn.Dispose();
    }
}
