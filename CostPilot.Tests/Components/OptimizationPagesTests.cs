using Bunit;
using CostPilot.Domain.Accounts;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Notifications;
using CostPilot.Infrastructure.Optimization;
using CostPilot.Infrastructure.Recommendations;
using CostPilot.Tests.Support;
using CostPilot.Web.Components.Pages.Client;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace CostPilot.Tests.Components;

/// <summary>
/// Applying recommendations and following experiments as a client sees it, from rows in a real database: the Apply button and its
/// confirmation, the experiments list with its steps, the optimization history (totals, filters, CSV link, live) and the account's
/// Optimizations tab. Jobs are recorded, not run.
/// </summary>
public sealed class OptimizationPagesTests() : ClientPageTestBase(PageTime)
{
    // Mid-November: a 30-day month, so the 99.9 % budget is 43 min 12 s per instance.
    private static readonly DateTimeOffset PageTime = new(2026, 11, 16, 12, 0, 0, TimeSpan.Zero);

    private const string Api = "i-0aaaaaaaaaaaaaaa1";
    private const string Batch = "i-0bbbbbbbbbbbbbbb2";
    private const string Arm = "i-0ccccccccccccccc3";
    private const string Region = "us-east-1";

    // ---- ApplyButton ----

    [Theory]
    [InlineData(RecommendationKind.Rightsize)]
    [InlineData(RecommendationKind.Graviton)]
    [InlineData(RecommendationKind.Modernize)]
    [InlineData(RecommendationKind.Idle)]
    public void ApplyButton_ComputeKind_RendersApply(RecommendationKind kind)
    {
        var button = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, Guid.NewGuid()).Add(c => c.Row, Row(kind, Api)));

        var apply = button.Find("[data-testid=apply-recommendation]");
        Assert.Equal((Api, kind.Slug()), (apply.GetAttribute("data-instance-id"), apply.GetAttribute("data-kind")));
        Assert.Empty(button.FindAll("[data-testid=experiment-state]"));
    }

    [Theory]
    [InlineData(RecommendationKind.UnattachedVolume, "vol-0ccccccccccccccc3")]
    [InlineData(RecommendationKind.Gp2ToGp3, "vol-0ccccccccccccccc3")]
    [InlineData(RecommendationKind.IdleAddress, "eipalloc-0ddddddddddddddd4")]
    [InlineData(RecommendationKind.StoppedLong, Api)]
    public void ApplyButton_KindsCostPilotDoesNotApply_NoButton(RecommendationKind kind, string resourceId)
    {
        var button = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, Guid.NewGuid()).Add(c => c.Row, Row(kind, resourceId)));

        Assert.Empty(button.FindAll("[data-testid=apply-recommendation]"));
        Assert.Empty(button.FindAll("[data-testid=experiment-state]"));
    }

    [Theory]
    [InlineData(ExperimentState.Planned, "planned")]
    [InlineData(ExperimentState.Modifying, "modifying")]
    [InlineData(ExperimentState.RollingBack, "rolling-back")]
    public void ApplyButton_ExperimentUnderWay_ShowsItsStateAndStepInsteadOfApply(ExperimentState state, string slug)
    {
        var experiment = new InstanceExperiment(Guid.NewGuid(), Api, RecommendationKind.Rightsize, "m5.xlarge", state, "Waiting for it to stop.", Now);

        var button = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, Guid.NewGuid()).Add(c => c.Row, Row(RecommendationKind.Rightsize, Api))
            .Add(c => c.Experiment, experiment));

        var shown = button.Find("[data-testid=experiment-state]");
        Assert.Equal(slug, shown.GetAttribute("data-state"));
        Assert.Contains(state.Title(), shown.TextContent, StringComparison.Ordinal);
        Assert.Contains("Waiting for it to stop.", shown.TextContent, StringComparison.Ordinal);
        Assert.Empty(button.FindAll("[data-testid=apply-recommendation]"));
    }

    [Fact]
    public void ApplyButton_Succeeded_Applied_UntilAdviceAboutTheNewTypeArrives()
    {
        var done = new InstanceExperiment(Guid.NewGuid(), Api, RecommendationKind.Rightsize, "m5.xlarge", ExperimentState.Succeeded, null, Now);
        var id = Guid.NewGuid();

        var applied = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, id).Add(c => c.Row, Row(RecommendationKind.Rightsize, Api))
            .Add(c => c.Experiment, done));
        // The next scan's advice is about the m5.large the instance is now.
        var newAdvice = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, id)
            .Add(c => c.Row, Row(RecommendationKind.Rightsize, Api, current: "m5.large", proposed: "m5.medium")).Add(c => c.Experiment, done));
        var stopped = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, id).Add(c => c.Row, Row(RecommendationKind.Idle, Api))
            .Add(c => c.Experiment, done with { Kind = RecommendationKind.Idle }));

        Assert.Equal("succeeded", applied.Find("[data-testid=experiment-state]").GetAttribute("data-state"));
        Assert.Equal("Applied", applied.Find("[data-testid=experiment-state]").TextContent.Trim());
        Assert.Empty(applied.FindAll("[data-testid=apply-recommendation]"));
        Assert.Single(newAdvice.FindAll("[data-testid=apply-recommendation]"));
        Assert.Equal("Applied", stopped.Find("[data-testid=experiment-state]").TextContent.Trim());
    }

    [Theory]
    [InlineData(ExperimentState.RolledBack, "last try rolled back")]
    [InlineData(ExperimentState.Failed, "last try failed")]
    public void ApplyButton_LastTryDidNotWork_ApplyAgainAndSaysSo(ExperimentState state, string note)
    {
        var last = new InstanceExperiment(Guid.NewGuid(), Api, RecommendationKind.Rightsize, "m5.xlarge", state, "boom", Now);

        var button = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, Guid.NewGuid()).Add(c => c.Row, Row(RecommendationKind.Rightsize, Api))
            .Add(c => c.Experiment, last));

        Assert.Single(button.FindAll("[data-testid=apply-recommendation]"));
        Assert.Contains(note, button.Markup, StringComparison.Ordinal);
    }

    // ---- ApplyDialog ----

    [Fact]
    public async Task ApplyDialog_Resize_ShowsTheChangeSavingAndDowntime_ConfirmStartsTheExperiment()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Api, "rightsize", name: "api-1");
        var dialogs = Context.Render<MudDialogProvider>();
        Guid? appliedId = null;
        var button = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, id).Add(c => c.Row, Row(RecommendationKind.Rightsize, Api, id))
            .Add(c => c.OnApplied, (Guid g) => appliedId = g));

        var opening = await ClickAsync(button, b => b.Find("[data-testid=apply-recommendation]"));

        dialogs.WaitForAssertion(() => Assert.Equal("$70.08 / month ($140.16 → $70.08)", Text(dialogs, "apply-saving")));
        Assert.Contains("changes its type from m5.xlarge to m5.large", Text(dialogs, "apply-change"), StringComparison.Ordinal);
        Assert.Contains("api-1 (i-0aaaaaaaaaaaaaaa1)", Text(dialogs, "apply-change"), StringComparison.Ordinal);
        Assert.Equal("2 min 0 s (a typical stop and start; no past experiments of this kind yet)", Text(dialogs, "apply-downtime"));
        Assert.Contains("43 min 12 s this month (target 99.9 %)", dialogs.Markup, StringComparison.Ordinal);
        Assert.Empty(dialogs.FindAll("[data-testid=budget-warning]"));
        Assert.Empty(dialogs.FindAll("[data-testid=apply-caveat]"));
        Assert.Empty(dialogs.FindAll("[data-testid=apply-blocked]"));
        var confirm = dialogs.Find("button[data-testid=confirm-apply]");
        Assert.False(confirm.HasAttribute("disabled"));
        Assert.Equal("Apply", confirm.TextContent.Trim());

        await await ClickAsync(dialogs, d => d.Find("button[data-testid=confirm-apply]"));
        await opening;

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=apply-saving]")));
        await using var db = NewDbContext();
        var experiment = await db.Experiments.SingleAsync();
        Assert.Equal(experiment.Id, appliedId);
        Assert.Equal((ExperimentState.Planned, Api, "m5.xlarge", "m5.large"), (experiment.State, experiment.InstanceId, experiment.FromType, experiment.ToType));
        Assert.Equal(experiment.Id, Assert.Single(Jobs.Created).Args[0]);
    }

    [Fact]
    public async Task ApplyDialog_PastExperimentsAndOverBudget_MedianAndAWarning_ApplyAnyway()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Api, "rightsize");
        // Two past rightsizes took 100 s and 200 s: 150 s expected. Api was down 2,500 s this month: 92 s left.
        var a = ExperimentRows.Make(id, "i-past1", ExperimentState.Succeeded, Now.AddDays(-5));
        var b = ExperimentRows.Make(id, "i-past2", ExperimentState.Succeeded, Now.AddDays(-4));
        var rolledBack = ExperimentRows.Make(id, Api, ExperimentState.RolledBack, Now.AddDays(-3));
        await SaveAsync(a, b, rolledBack, ExperimentRows.Downtime(a, a.CreatedAt, 100), ExperimentRows.Downtime(b, b.CreatedAt, 200),
            ExperimentRows.Downtime(rolledBack, rolledBack.CreatedAt, 2500));

        var dialogs = await OpenDialogAsync(id, RecommendationKind.Rightsize, Api);

        Assert.Equal("2 min 30 s (median of your 2 past experiments of this kind: Rightsize)", Text(dialogs, "apply-downtime"));
        Assert.Contains("1 min 32 s this month", dialogs.Markup, StringComparison.Ordinal);
        Assert.Equal("This would take i-0aaaaaaaaaaaaaaa1 over this month's downtime budget (1 min 32 s left, about 2 min 30 s expected). You can still apply it.",
            Text(dialogs, "budget-warning"));
        var confirm = dialogs.Find("button[data-testid=confirm-apply]");
        Assert.False(confirm.HasAttribute("disabled"));
        Assert.Equal("Apply anyway", confirm.TextContent.Trim());
    }

    [Fact]
    public async Task ApplyDialog_Graviton_ShowsTheArm64Caveat()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Arm, "graviton");

        var dialogs = await OpenDialogAsync(id, RecommendationKind.Graviton, Arm);

        Assert.Contains("Graviton runs arm64 only", Text(dialogs, "apply-caveat"), StringComparison.Ordinal);
        Assert.Contains("changes its type from m5.xlarge to m7g.xlarge", Text(dialogs, "apply-change"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyDialog_Stop_LeavesItStoppedAndCountsNoDowntime()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Batch, "idle");

        var dialogs = await OpenDialogAsync(id, RecommendationKind.Idle, Batch);

        Assert.Equal("CostPilot stops i-0bbbbbbbbbbbbbbb2 (m5.xlarge) and leaves it stopped.", Text(dialogs, "apply-change"));
        Assert.Equal("none counted: stopping is the change", Text(dialogs, "apply-downtime"));
        Assert.Contains("stays stopped", Text(dialogs, "apply-caveat"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ApplyDialog_ExperimentUnderWay_SaysWhyAndConfirmIsDisabled()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Api, "rightsize");
        // Started from another tab: this list has not heard of it yet.
        await SaveAsync(ExperimentRows.Make(id, Api, ExperimentState.Stopping, Now.AddMinutes(-1)));

        var dialogs = await OpenDialogAsync(id, RecommendationKind.Rightsize, Api);

        Assert.Equal($"An experiment is already under way on {Api}. Wait for it to finish.", Text(dialogs, "apply-blocked"));
        Assert.True(dialogs.Find("button[data-testid=confirm-apply]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ApplyDialog_InstanceNotRunning_SaysWhyAndConfirmIsDisabled()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Batch, "rightsize", state: "stopped");

        var dialogs = await OpenDialogAsync(id, RecommendationKind.Rightsize, Batch);

        Assert.Equal($"{Batch} is stopped, not running: CostPilot applies changes to running instances only.", Text(dialogs, "apply-blocked"));
        Assert.True(dialogs.Find("button[data-testid=confirm-apply]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task ApplyDialog_ApplyRefused_ShowsTheErrorAndStaysOpen()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Api, "rightsize");
        var dialogs = await OpenDialogAsync(id, RecommendationKind.Rightsize, Api);
        // Between the confirmation and the click, another tab applied it.
        await SaveAsync(ExperimentRows.Make(id, Api, ExperimentState.Planned, Now));

        await await ClickAsync(dialogs, d => d.Find("button[data-testid=confirm-apply]"));

        dialogs.WaitForAssertion(() => Assert.Equal($"An experiment is already under way on {Api}. Wait for it to finish.", Text(dialogs, "apply-error")));
        Assert.NotEmpty(dialogs.FindAll("[data-testid=apply-saving]"));
        Assert.Empty(Jobs.Created);
    }

    [Fact]
    public async Task ApplyDialog_RecommendationGone_ShowsTheErrorAndNoConfirm()
    {
        var id = await AccountAsync();

        var dialogs = await OpenDialogAsync(id, RecommendationKind.Rightsize, Api, waitForPreview: false);

        dialogs.WaitForAssertion(() => Assert.Contains("no longer current", Text(dialogs, "apply-error"), StringComparison.Ordinal));
        Assert.True(dialogs.Find("button[data-testid=confirm-apply]").HasAttribute("disabled"));
    }

    [Fact]
    public async Task RecommendationsList_ApplyFromARow_TheRowFollowsTheExperiment()
    {
        var id = await AccountAsync();
        await ComputeAsync(id, Api, "rightsize");
        await ComputeAsync(id, Batch, "idle");
        await Db.RecommendationAsync(id, "unattached-volume", "Volume", "vol-0ccccccccccccccc3", Region, 8.00m, 0m, current: "gp2 · 100 GiB",
            proposed: "deleted");
        await SaveAsync(ExperimentRows.Make(id, Batch, ExperimentState.Stopping, Now.AddMinutes(-1), RecommendationKind.Idle));
        var dialogs = Context.Render<MudDialogProvider>();
        var list = Context.Render<RecommendationsList>(p => p.Add(c => c.AccountId, id));
        list.WaitForAssertion(() => Assert.Equal(3, list.FindAll("[data-testid=recommendation-row]").Count));
        Assert.Equal("stopping", Row(list, Batch).QuerySelector("[data-testid=experiment-state]")?.GetAttribute("data-state"));
        Assert.Null(list.FindAll("[data-testid=recommendation-row]").Single(r => r.GetAttribute("data-kind") == "unattached-volume")
            .QuerySelector("[data-testid=apply-recommendation]"));

        var opening = await ClickAsync(list, l => Row(l, Api).QuerySelector("[data-testid=apply-recommendation]")!);
        dialogs.WaitForAssertion(() => Assert.False(dialogs.Find("button[data-testid=confirm-apply]").HasAttribute("disabled")));
        await await ClickAsync(dialogs, d => d.Find("button[data-testid=confirm-apply]"));
        await opening;

        list.WaitForAssertion(() => Assert.Equal("planned", Row(list, Api).QuerySelector("[data-testid=experiment-state]")?.GetAttribute("data-state")));
    }

    // ---- ExperimentsList ----

    [Fact]
    public async Task ExperimentsList_RowsNewestFirstWithState_ARowOpensToItsSteps()
    {
        var id = await AccountAsync();
        var succeeded = ExperimentRows.Make(id, Api, ExperimentState.Succeeded, Now.AddDays(-2), instanceName: "api-1");
        var rolledBack = ExperimentRows.Make(id, Arm, ExperimentState.RolledBack, Now.AddDays(-1), RecommendationKind.Graviton, toType: "m7g.xlarge",
            before: 140.16m, after: 119.72m, message: "i-0ccccccccccccccc3 failed its status checks as m7g.xlarge.");
        var stopping = ExperimentRows.Make(id, Batch, ExperimentState.Stopping, Now.AddMinutes(-1), RecommendationKind.Idle, after: 0m);
        stopping.Note($"Waiting for {Batch} to stop (stopping).");
        await SaveAsync(succeeded, rolledBack, stopping, ExperimentRows.Downtime(succeeded, succeeded.CreatedAt.AddSeconds(10), 95));

        var list = Context.Render<ExperimentsList>(p => p.Add(c => c.AccountId, id));

        list.WaitForAssertion(() => Assert.Equal(3, list.FindAll("[data-testid=experiment-row]").Count));
        var rows = list.FindAll("[data-testid=experiment-row]");
        Assert.Equal(["stopping", "rolled-back", "succeeded"], rows.Select(r => r.GetAttribute("data-state")));
        Assert.Equal([Batch, Arm, Api], rows.Select(r => r.GetAttribute("data-instance-id")));
        Assert.Contains($"Waiting for {Batch} to stop (stopping).", rows[0].TextContent, StringComparison.Ordinal);
        Assert.Equal("i-0ccccccccccccccc3 failed its status checks as m7g.xlarge.", rows[1].QuerySelector("[data-testid=experiment-message]")!.TextContent.Trim());
        Assert.Equal(["expected $140.16", "none", "$70.08"],
            rows.Select(r => r.QuerySelector("[data-testid=experiment-saving]")!.TextContent.Trim()));
        Assert.Equal("1 min 35 s", rows[2].QuerySelector("[data-testid=experiment-downtime]")!.TextContent.Trim());
        Assert.Empty(list.FindAll("[data-testid=experiment-steps]"));

        await await ClickAsync(list, l => l.FindAll("[data-testid=experiment-row]")[2]);

        var steps = list.Find("[data-testid=experiment-steps]");
        Assert.Equal(["checking", "stopping", "modifying", "starting", "verifying"],
            steps.QuerySelectorAll("[data-testid=experiment-step]").Select(s => s.GetAttribute("data-state")));
        Assert.Contains("Succeeded", steps.TextContent, StringComparison.Ordinal);
        Assert.Contains("Expected downtime 2 min 0 s; measured 1 min 35 s.", list.Markup, StringComparison.Ordinal);

        await await ClickAsync(list, l => l.Find($"[data-testid=experiment-row][data-instance-id={Api}]"));

        Assert.Empty(list.FindAll("[data-testid=experiment-steps]"));
    }

    [Fact]
    public async Task ExperimentsList_None_TheEmptyText()
    {
        var id = await AccountAsync();

        var list = Context.Render<ExperimentsList>(p => p.Add(c => c.AccountId, id).Add(c => c.EmptyText, "Nothing applied here yet."));

        list.WaitForAssertion(() => Assert.Equal("Nothing applied here yet.", list.Find("[data-testid=no-experiments]").TextContent.Trim()));
        Assert.Empty(list.FindAll("[data-testid=experiment-row]"));
    }

    // ---- OptimizationHistory ----

    /// <summary>Two accounts: Prod with a success this month ($70.08), one last month ($40) and a rollback; Staging with a success ($5).</summary>
    private async Task<(Guid Prod, Guid Staging)> HistoryAsync()
    {
        var prod = await AccountAsync();
        var staging = await AccountAsync("Staging", "210987654321");
        var thisMonth = ExperimentRows.Make(prod, Api, ExperimentState.Succeeded, Now.AddDays(-2));
        var lastMonth = ExperimentRows.Make(prod, Arm, ExperimentState.Succeeded, new(2026, 10, 20, 9, 0, 0, TimeSpan.Zero), before: 100m, after: 60m);
        var rolledBack = ExperimentRows.Make(prod, Batch, ExperimentState.RolledBack, Now.AddDays(-1));
        var elsewhere = ExperimentRows.Make(staging, "i-0123456789abcdef0", ExperimentState.Succeeded, Now.AddDays(-3), before: 20m, after: 15m);
        var stranger = await Db.AccountAsync(await Db.UserAsync(), "Someone else's", "999999999999");
        await SaveAsync(thisMonth, lastMonth, rolledBack, elsewhere,
            ExperimentRows.Make(stranger, "i-0fffffffffffffff6", ExperimentState.Succeeded, Now.AddDays(-1), before: 1000m, after: 0m),
            ExperimentRows.Downtime(thisMonth, thisMonth.CreatedAt.AddSeconds(10), 120),
            ExperimentRows.Downtime(rolledBack, rolledBack.CreatedAt.AddSeconds(10), 61));
        return (prod, staging);
    }

    [Fact]
    public async Task OptimizationHistory_TotalsAndEveryExperimentOfTheClients()
    {
        await HistoryAsync();

        var page = Context.Render<OptimizationHistory>();

        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid=experiment-row]").Count));
        // The totals and the list load on their own: wait for both.
        page.WaitForAssertion(() => Assert.Equal("$75.08/mo", Text(page, "realized-this-month")));
        Assert.Equal("$115.08/mo", Text(page, "realized-overall"));
        Assert.Equal("1 · 0", Text(page, "experiments-rolled-back"));
        Assert.Equal("3 min 1 s", Text(page, "downtime-this-month"));
        Assert.Contains("3 succeeded of 4", page.Markup, StringComparison.Ordinal);
        Assert.Equal("/client/optimizations/export.csv", page.Find("[data-testid=export-experiments-csv]").GetAttribute("href"));
    }

    [Fact]
    public async Task OptimizationHistory_FilterByAccountAndState_ListTotalsAndCsvLinkFollow()
    {
        var (prod, staging) = await HistoryAsync();
        var page = Context.Render<OptimizationHistory>();
        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid=experiment-row]").Count));

        await ChooseAsync(page, "filter-account", staging.ToString());

        page.WaitForAssertion(() => Assert.Equal(["i-0123456789abcdef0"], page.FindAll("[data-testid=experiment-row]").Select(r => r.GetAttribute("data-instance-id"))));
        page.WaitForAssertion(() => Assert.Equal("$5.00/mo", Text(page, "realized-this-month")));
        Assert.Equal($"/client/optimizations/export.csv?account={staging}", page.Find("[data-testid=export-experiments-csv]").GetAttribute("href"));

        await ChooseAsync(page, "filter-account", prod.ToString());
        await ChooseAsync(page, "filter-state", "rolled-back");

        page.WaitForAssertion(() => Assert.Equal([Batch], page.FindAll("[data-testid=experiment-row]").Select(r => r.GetAttribute("data-instance-id"))));
        page.WaitForAssertion(() => Assert.Equal("$70.08/mo", Text(page, "realized-this-month")));
        Assert.Equal($"/client/optimizations/export.csv?account={prod}&state=rolled-back", page.Find("[data-testid=export-experiments-csv]").GetAttribute("href"));

        await ChooseAsync(page, "filter-state", "failed");

        page.WaitForAssertion(() => Assert.Equal("No optimizations match these filters.", page.Find("[data-testid=no-experiments]").TextContent.Trim()));

        await ChooseAsync(page, "filter-account", "");
        await ChooseAsync(page, "filter-state", "");

        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid=experiment-row]").Count));
        Assert.Equal("/client/optimizations/export.csv", page.Find("[data-testid=export-experiments-csv]").GetAttribute("href"));
    }

    [Fact]
    public async Task OptimizationHistory_AccountInTheAddress_StartsFiltered()
    {
        var (_, staging) = await HistoryAsync();
        Context.Services.GetRequiredService<NavigationManager>().NavigateTo($"/client/optimizations?account={staging}");

        var page = Context.Render<OptimizationHistory>();

        page.WaitForAssertion(() => Assert.Equal(["i-0123456789abcdef0"], page.FindAll("[data-testid=experiment-row]").Select(r => r.GetAttribute("data-instance-id"))));
        page.WaitForAssertion(() => Assert.Equal("$5.00/mo", Text(page, "realized-this-month")));
    }

    [Fact]
    public async Task OptimizationHistory_ExperimentEvent_ReloadsListAndTotalsLive_OtherEventsIgnored()
    {
        var (prod, _) = await HistoryAsync();
        var page = Context.Render<OptimizationHistory>();
        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid=experiment-row]").Count));
        // A job moved the rolled back experiment's retry on: a new experiment succeeded (written by another node).
        var retried = ExperimentRows.Make(prod, Batch, ExperimentState.Succeeded, Now.AddMinutes(-5), before: 50m, after: 25m);
        await SaveAsync(retried);

        await Hub.DispatchAsync(Event(prod, null));
        Assert.Equal(4, page.FindAll("[data-testid=experiment-row]").Count);

        await Hub.DispatchAsync(Event(prod, new ExperimentProgress(retried.Id, Batch, ExperimentState.Succeeded, null, null)));

        page.WaitForAssertion(() => Assert.Equal(5, page.FindAll("[data-testid=experiment-row]").Count));
        Assert.Equal("succeeded", page.FindAll("[data-testid=experiment-row]")[0].GetAttribute("data-state"));
        page.WaitForAssertion(() => Assert.Equal("$100.08/mo", Text(page, "realized-this-month")));
    }

    [Fact]
    public async Task OptimizationHistory_FilteredAccountRemoved_BackToAllAccountsWithoutAnError()
    {
        var (prod, staging) = await HistoryAsync();
        var page = Context.Render<OptimizationHistory>();
        page.WaitForAssertion(() => Assert.Equal(4, page.FindAll("[data-testid=experiment-row]").Count));
        await ChooseAsync(page, "filter-account", staging.ToString());
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=experiment-row]")));

        // Removed in another tab: its experiments go with it.
        await Db.ExecuteAsync("DELETE FROM accounts WHERE id = @id", ("id", staging));
        await Hub.DispatchAsync(new AccountEvent(staging, UserId, AccountStatus.Active, null, 0, 0, 0, Removed: true, Now));

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=experiment-row]").Count));
        Assert.Empty(page.FindAll("[data-testid=history-error]"));
        page.WaitForAssertion(() => Assert.Equal("$70.08/mo", Text(page, "realized-this-month")));
        Assert.Equal("/client/optimizations/export.csv", page.Find("[data-testid=export-experiments-csv]").GetAttribute("href"));
        Assert.All(page.FindAll("[data-testid=experiment-row]"), r => Assert.NotEqual("i-0123456789abcdef0", r.GetAttribute("data-instance-id")));
        await using var db = NewDbContext();
        Assert.Equal(prod, (await db.Accounts.SingleAsync(a => a.OwnerId == UserId)).Id);
    }

    // ---- AccountPage ----

    [Fact]
    public async Task AccountPage_OptimizationsTab_ListsTheAccountsExperiments_Live()
    {
        var (prod, _) = await HistoryAsync();
        var page = Context.Render<AccountPage>(p => p.Add(c => c.Id, prod));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll(".mud-tab")));
        Assert.Empty(page.FindAll("[data-testid=experiment-row]"));

        await await ClickAsync(page, p => p.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == "Optimizations"));

        page.WaitForAssertion(() => Assert.Equal(3, page.FindAll("[data-testid=experiment-row]").Count));
        Assert.Equal([Batch, Api, Arm], page.FindAll("[data-testid=experiment-row]").Select(r => r.GetAttribute("data-instance-id")));
        Assert.Equal($"/client/optimizations?account={prod}", page.Find("[data-testid=history-link]").GetAttribute("href"));

        var applied = ExperimentRows.Make(prod, Batch, ExperimentState.Checking, Now.AddMinutes(-1));
        await SaveAsync(applied);
        await Hub.DispatchAsync(Event(prod, new ExperimentProgress(applied.Id, Batch, ExperimentState.Checking, null, null)));

        page.WaitForAssertion(() => Assert.Equal("checking", page.FindAll("[data-testid=experiment-row]")[0].GetAttribute("data-state")));
    }

    // ---- helpers ----

    private async Task<Guid> AccountAsync(string name = "Prod", string awsAccountId = "123456789012") => await Db.AccountAsync(UserId, name, awsAccountId);

    /// <summary>An instance priced at $140.16/month and its recommendation of <paramref name="kind"/>.</summary>
    private async Task ComputeAsync(Guid accountId, string instanceId, string kind, string state = "running", string? name = null)
    {
        await Db.InstanceAsync(accountId, instanceId, Region, "m5.xlarge", state, 0.192m, 140.16m, "on-demand", name: name);
        var (current, proposed, after) = kind switch
        {
            "idle" => ("m5.xlarge · running", "stopped", 0m),
            "graviton" => ("m5.xlarge", "m7g.xlarge", 119.72m),
            _ => ("m5.xlarge", "m5.large", 70.08m),
        };
        await Db.RecommendationAsync(accountId, kind, "Instance", instanceId, Region, 140.16m, after, current: current, proposed: proposed, name: name);
    }

    private static RecommendationRow Row(RecommendationKind kind, string resourceId, Guid? accountId = null, string current = "m5.xlarge",
        string proposed = "m5.large")
    {
        var resource = resourceId.StartsWith("vol-", StringComparison.Ordinal) ? ResourceKind.Volume
            : resourceId.StartsWith("eipalloc-", StringComparison.Ordinal) ? ResourceKind.Address : ResourceKind.Instance;
        if (kind == RecommendationKind.Idle)
        {
            (current, proposed) = ($"{current} · running", "stopped");
        }
        return new RecommendationRow(1, accountId ?? Guid.NewGuid(), "Prod", kind, resource, resourceId, Region, null, current, proposed, 140.16m, 70.08m,
            70.08m, RecommendationRisk.Low, "because");
    }

    /// <summary>The Apply button of a row, pressed: the confirmation, once its preview has loaded (or failed).</summary>
    private async Task<IRenderedComponent<MudDialogProvider>> OpenDialogAsync(Guid accountId, RecommendationKind kind, string instanceId,
        bool waitForPreview = true)
    {
        var dialogs = Context.Render<MudDialogProvider>();
        var button = Context.Render<ApplyButton>(p => p.Add(c => c.AccountId, accountId).Add(c => c.Row, Row(kind, instanceId, accountId)));
        // The click's handler waits for the dialog to close: leave it pending.
        _ = await ClickAsync(button, b => b.Find("[data-testid=apply-recommendation]"));
        if (waitForPreview)
        {
            dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=apply-change]")));
        }
        return dialogs;
    }

    /// <summary>An element's text as a reader sees it: runs of whitespace (the markup's line breaks) as one space.</summary>
    private static string Text<T>(IRenderedComponent<T> component, string testId)
        where T : IComponent =>
        string.Join(' ', component.Find($"[data-testid={testId}]").TextContent.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>
    /// Finds an element and clicks it in one turn of the renderer: a page still loading re-renders (with new event handlers) whenever
    /// its data arrives, and a click between a find and that render would go to a handler that no longer exists. Returns the
    /// handler's task (an Apply click's lasts until its dialog closes).
    /// </summary>
    private static async Task<Task> ClickAsync<T>(IRenderedComponent<T> component, Func<IRenderedComponent<T>, AngleSharp.Dom.IElement> find)
        where T : IComponent
    {
        var clicked = Task.CompletedTask;
        // A statement, not an expression: InvokeAsync must not wait for the handler.
        await component.InvokeAsync(() => { clicked = find(component).ClickAsync(new()); });
        return clicked;
    }

    private static AngleSharp.Dom.IElement Row(IRenderedComponent<RecommendationsList> list, string instanceId) =>
        list.Find($"[data-testid=recommendation-row][data-instance-id={instanceId}]");

    /// <summary>Picks <paramref name="value"/> in the page's select with that test id, as a click on its item would.</summary>
    private static async Task ChooseAsync(IRenderedComponent<OptimizationHistory> page, string testId, string value)
    {
        var select = page.FindComponents<MudSelect<string>>().Single(s => Equals(s.Instance.UserAttributes.GetValueOrDefault("data-testid"), testId));
        await page.InvokeAsync(() => select.Instance.ValueChanged.InvokeAsync(value));
    }

    private AccountEvent Event(Guid accountId, ExperimentProgress? experiment) =>
        new(accountId, UserId, AccountStatus.Active, null, 0, 0, 0, Removed: false, Now, Experiment: experiment);

    private async Task SaveAsync(params object[] rows)
    {
        await using var db = NewDbContext();
        db.AddRange(rows);
        await db.SaveChangesAsync();
    }
}
