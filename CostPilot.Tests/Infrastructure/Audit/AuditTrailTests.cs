using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Accounts;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Infrastructure.Audit;

/// <summary>
/// The audit trail: what clients do to their accounts is recorded with who, what, when and from where, in the same unit of work as
/// the change; only administrators can search it, by words, action and time window.
/// </summary>
public sealed class AuditTrailTests(AuditTrailTests.App app) : IClassFixture<AuditTrailTests.App>
{
    public sealed class App : CostPilotAppFactory
    {
        public App() => Settings["CostPilot:Jobs:Server"] = "false";
    }

    private AuditTrail Trail => app.Services.GetRequiredService<AuditTrail>();

    private async Task<Caller> ClientAsync()
    {
        var user = await TestUsers.CreateAsync(app.Services, CostPilot.Domain.Users.Roles.Client);
        return Callers.Client(user.Id) with { Email = user.Email, Address = "198.51.100.7" };
    }

    private async Task<List<AuditEvent>> EventsAboutAsync(string targetId)
    {
        await using var db = await app.CreateDbContextAsync();
        return await db.AuditEvents.AsNoTracking().Where(e => e.TargetId == targetId).OrderBy(e => e.Id).ToListAsync();
    }

    [Fact]
    public async Task ClientActions_ConnectRescanRemove_EachRecordedWithWhoAndAddress()
    {
        var caller = await ClientAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();

        var connected = await accounts.ConnectSandboxAsync(caller);
        Assert.True(connected.Succeeded, connected.Error?.Message);
        var id = connected.Value.ToString();
        await using (var db = await app.CreateDbContextAsync())
        {
            // The scan the connection started never runs here (no job server): the account waits; a rescan is refused while it does.
            await db.Accounts.Where(a => a.Id == connected.Value).ExecuteUpdateAsync(s => s.SetProperty(a => a.Status, AccountStatus.Active));
        }
        var rescan = await accounts.RescanAsync(caller, connected.Value);
        Assert.True(rescan.Succeeded, rescan.Error?.Message);
        var removed = await accounts.RemoveAsync(caller, connected.Value);
        Assert.True(removed.Succeeded);

        var events = await EventsAboutAsync(id);
        Assert.Equal([AuditActions.AccountConnected, AuditActions.AccountRescan, AuditActions.AccountRemoved], events.Select(e => e.Action));
        Assert.All(events, e =>
        {
            Assert.Equal(caller.UserId, e.ActorId);
            Assert.Equal(caller.Email, e.ActorEmail);
            Assert.Equal("198.51.100.7", e.Address);
            Assert.Equal(AuditTargets.Account, e.TargetKind);
            Assert.Equal("Sample account", e.TargetLabel);
        });
    }

    [Fact]
    public async Task ClientActions_RefusedAction_RecordsNothing()
    {
        var caller = await ClientAsync();
        var other = await ClientAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var connected = await accounts.ConnectSandboxAsync(caller);

        // Another user cannot remove it, and a refusal is not an event.
        Assert.Equal(ErrorKind.NotFound, (await accounts.RemoveAsync(other, connected.Value)).Error?.Kind);
        // A second sample account is refused: nothing recorded for it either.
        Assert.Equal(ErrorKind.Conflict, (await accounts.ConnectSandboxAsync(caller)).Error?.Kind);

        var events = await EventsAboutAsync(connected.Value.ToString());
        Assert.Equal([AuditActions.AccountConnected], events.Select(e => e.Action));
        await using var db = await app.CreateDbContextAsync();
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.ActorId == caller.UserId));
        Assert.Equal(0, await db.AuditEvents.CountAsync(e => e.ActorId == other.UserId));
    }

    [Fact]
    public async Task QueryAsync_ClientOrStranger_Refused()
    {
        var client = await ClientAsync();

        Assert.Equal(ErrorKind.Forbidden, (await Trail.QueryAsync(client, new AuditQuery())).Error?.Kind);
        Assert.Equal(ErrorKind.Forbidden, (await Trail.QueryAsync(Callers.For("nobody"), new AuditQuery())).Error?.Kind);
    }

    [Fact]
    public async Task QueryAsync_ByWordsActionAndWindow_NewestFirst()
    {
        var actor = Callers.Admin($"admin-{Guid.NewGuid():N}") with { Email = $"finder-{Guid.NewGuid():N}@costpilot.test", Address = "203.0.113.9" };
        var marker = Guid.NewGuid().ToString("N");
        var at = new DateTimeOffset(2031, 3, 4, 14, 2, 0, TimeSpan.Zero);
        await using (var db = await app.CreateDbContextAsync())
        {
            foreach (var (minutes, action) in new[] { (0, AuditActions.JobRetried), (1, AuditActions.JobDeleted), (60, AuditActions.JobRetried) })
            {
                var e = Trail.Entry(actor, action, AuditTargets.Job, $"{marker}-{minutes}", "discovery of Prod", $"error {marker}");
                e.At = at.AddMinutes(minutes);
                db.AuditEvents.Add(e);
            }
            await db.SaveChangesAsync();
        }
        var admin = Callers.Admin();

        var all = (await Trail.QueryAsync(admin, new AuditQuery(Text: marker))).Value!;
        Assert.Equal(3, all.Total);
        Assert.Equal([$"{marker}-60", $"{marker}-1", $"{marker}-0"], all.Rows.Select(r => r.TargetId));

        var retried = (await Trail.QueryAsync(admin, new AuditQuery(Text: marker, Action: AuditActions.JobRetried))).Value!;
        Assert.Equal([$"{marker}-60", $"{marker}-0"], retried.Rows.Select(r => r.TargetId));

        // "What happened at 14:02?" A window from 14:02 to 14:03 holds only that minute's event.
        var window = (await Trail.QueryAsync(admin, new AuditQuery(Text: marker, From: at, To: at.AddMinutes(1)))).Value!;
        Assert.Equal([$"{marker}-0"], window.Rows.Select(r => r.TargetId));

        // By the actor's e-mail and by the address; a % in the words is a character, not a wildcard.
        Assert.Equal(3, (await Trail.QueryAsync(admin, new AuditQuery(Text: actor.Email))).Value!.Total);
        Assert.Equal(3, (await Trail.QueryAsync(admin, new AuditQuery(Text: "203.0.113.9"))).Value!.Total);
        Assert.Equal(0, (await Trail.QueryAsync(admin, new AuditQuery(Text: marker[..8] + "%" + marker[^4..]))).Value!.Total);

        Assert.Equal(ErrorKind.Invalid, (await Trail.QueryAsync(admin, new AuditQuery(Action: "drop table"))).Error?.Kind);
        Assert.Equal(ErrorKind.Invalid, (await Trail.QueryAsync(admin, new AuditQuery(From: at, To: at.AddMinutes(-1)))).Error?.Kind);
    }
}
