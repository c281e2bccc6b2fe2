using CostPilot.Infrastructure.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;

namespace CostPilot.Infrastructure.Logging;

/// <summary>Recurring job: deletes <c>system_logs</c> rows older than CostPilot:LogRetentionDays (default 30).</summary>
public sealed class LogRetentionJob(IDbContextFactory<CostPilotDbContext> dbFactory, TimeProvider clock, IConfiguration configuration)
{
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var days = configuration.GetValue("CostPilot:LogRetentionDays", 30);
        var cutoff = clock.GetUtcNow().AddDays(-Math.Max(1, days));
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.SystemLogs.Where(l => l.Timestamp < cutoff).ExecuteDeleteAsync(ct);
    }
}
