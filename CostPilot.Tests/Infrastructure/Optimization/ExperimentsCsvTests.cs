using System.Globalization;
using System.Text;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Infrastructure.Optimization;

namespace CostPilot.Tests.Infrastructure.Optimization;

/// <summary>The optimization history as CSV, byte for byte: UTC times, money to the cent, unknown empty, whole seconds, no formulas.</summary>
public sealed class ExperimentsCsvTests
{
    private static readonly Guid Succeeded = Guid.Parse("0193a5b0-0000-7000-8000-000000000001");
    private static readonly Guid RolledBack = Guid.Parse("0193a5b0-0000-7000-8000-000000000002");
    private static readonly Guid Stopping = Guid.Parse("0193a5b0-0000-7000-8000-000000000003");

    private static readonly ExperimentRow[] Rows =
    [
        // Times given in +02:00 are written in UTC; 150.4 s of downtime is 150.
        new(Succeeded, Guid.NewGuid(), "Prod", "i-0aaaaaaaaaaaaaaa1", "=HYPERLINK(\"http://evil\")", "us-east-1", RecommendationKind.Rightsize,
            "m5.xlarge", "m5.large", ExperimentState.Succeeded, 140.1600m, 70.0800m, 70.0800m, TimeSpan.FromSeconds(150.4), TimeSpan.FromMinutes(2),
            "client@costpilot.test", new(2026, 11, 14, 11, 0, 0, TimeSpan.FromHours(2)), new(2026, 11, 14, 11, 0, 1, TimeSpan.FromHours(2)),
            new(2026, 11, 14, 11, 3, 5, TimeSpan.FromHours(2)), null, 1, []),
        // Prices unknown: empty, never 0. A message may hold commas, quotes and a leading minus.
        new(RolledBack, Guid.NewGuid(), "Staging, EU", "i-0bbbbbbbbbbbbbbb2", null, "eu-west-1", RecommendationKind.Graviton,
            "m5.large", "m7g.large", ExperimentState.RolledBack, null, null, null, TimeSpan.FromSeconds(89.5), TimeSpan.FromMinutes(2),
            "@admin", new(2026, 11, 15, 8, 0, 0, TimeSpan.Zero), new(2026, 11, 15, 8, 0, 0, TimeSpan.Zero),
            new(2026, 11, 15, 8, 10, 0, TimeSpan.Zero), "-1 status check failed: \"impaired\", rolled back", 2, []),
        // Under way: no end yet, no realized saving; a stop has no new type.
        new(Stopping, Guid.NewGuid(), "Prod", "i-0ccccccccccccccc3", "batch", "us-east-1", RecommendationKind.Idle,
            "t3.large", null, ExperimentState.Stopping, 60.7360m, 0m, null, TimeSpan.Zero, TimeSpan.Zero,
            "client@costpilot.test", new(2026, 11, 16, 12, 0, 0, TimeSpan.Zero), new(2026, 11, 16, 12, 0, 0, TimeSpan.Zero), null, null, 1, []),
    ];

    [Fact]
    public async Task WriteExperimentsAsync_ExactHeaderAndValues()
    {
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE"); // a comma-decimal server changes nothing
        string csv;
        try
        {
            using var stream = new MemoryStream();
            await InventoryCsv.WriteExperimentsAsync(stream, Rows.ToAsyncEnumerable());
            csv = Encoding.UTF8.GetString(stream.ToArray());
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        Assert.Equal(
            """
            experiment_id,created_at,completed_at,account,instance_id,name,region,kind,from_type,to_type,state,monthly_cost_before_usd,monthly_cost_after_usd,realized_monthly_saving_usd,downtime_seconds,requested_by,message
            0193a5b0-0000-7000-8000-000000000001,2026-11-14T09:00:00Z,2026-11-14T09:03:05Z,Prod,i-0aaaaaaaaaaaaaaa1,"'=HYPERLINK(""http://evil"")",us-east-1,rightsize,m5.xlarge,m5.large,succeeded,140.16,70.08,70.08,150,client@costpilot.test,
            0193a5b0-0000-7000-8000-000000000002,2026-11-15T08:00:00Z,2026-11-15T08:10:00Z,"Staging, EU",i-0bbbbbbbbbbbbbbb2,,eu-west-1,graviton,m5.large,m7g.large,rolled-back,,,,90,"'@admin","'-1 status check failed: ""impaired"", rolled back"
            0193a5b0-0000-7000-8000-000000000003,2026-11-16T12:00:00Z,,Prod,i-0ccccccccccccccc3,batch,us-east-1,idle,t3.large,,stopping,60.74,0.00,,0,client@costpilot.test,

            """.ReplaceLineEndings("\n"),
            csv);
    }

    [Fact]
    public async Task WriteExperimentsAsync_NoRows_HeaderOnly()
    {
        using var stream = new MemoryStream();

        await InventoryCsv.WriteExperimentsAsync(stream, AsyncEnumerable.Empty<ExperimentRow>());

        Assert.Equal(string.Join(',', InventoryCsv.ExperimentColumns) + "\n", Encoding.UTF8.GetString(stream.ToArray()));
    }
}
