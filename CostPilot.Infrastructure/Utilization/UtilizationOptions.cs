namespace CostPilot.Infrastructure.Utilization;

/// <summary>Settings under <c>CostPilot:Utilization</c>.</summary>
public sealed class UtilizationOptions
{
    public const string Section = "CostPilot:Utilization";

    /// <summary>
    /// CloudWatch bills GetMetricData per metric asked for (4 per running instance a run), so a discovery that finishes within this
    /// long of the last successful collection (a rescan, say) re-evaluates the advice without reading CloudWatch again. Default 1 hour;
    /// zero reads every time.
    /// </summary>
    public TimeSpan MinInterval { get; set; } = TimeSpan.FromHours(1);
}
