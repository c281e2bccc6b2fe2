using CostPilot.Domain;
using CostPilot.Domain.Optimization;
using CostPilot.Domain.Recommendations;

namespace CostPilot.Tests.Domain.Optimization;

public sealed class ExperimentTests
{
    private const string From = "m5.xlarge";
    private const string To = "m5.large";
    private static readonly DateTimeOffset Created = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    // ---- ExperimentState and ExperimentStates ----

    [Theory]
    [InlineData(ExperimentState.Planned, "planned")]
    [InlineData(ExperimentState.Checking, "checking")]
    [InlineData(ExperimentState.Stopping, "stopping")]
    [InlineData(ExperimentState.Modifying, "modifying")]
    [InlineData(ExperimentState.Starting, "starting")]
    [InlineData(ExperimentState.Verifying, "verifying")]
    [InlineData(ExperimentState.Succeeded, "succeeded")]
    [InlineData(ExperimentState.RollingBack, "rolling-back")]
    [InlineData(ExperimentState.RolledBack, "rolled-back")]
    [InlineData(ExperimentState.Failed, "failed")]
    public void Slug_EachState_StableNameThatRoundTrips(ExperimentState state, string slug)
    {
        Assert.Equal(slug, state.Slug());
        Assert.Equal(state, ExperimentStates.FromSlug(slug));
    }

    [Fact]
    public void Slug_AllStates_DistinctAndRoundTrip()
    {
        Assert.Equal(Enum.GetValues<ExperimentState>(), ExperimentStates.All);
        Assert.Equal(ExperimentStates.All.Count, ExperimentStates.All.Select(s => s.Slug()).Distinct(StringComparer.Ordinal).Count());
        Assert.All(ExperimentStates.All, s => Assert.Equal(s, ExperimentStates.FromSlug(s.Slug())));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Planned")]
    [InlineData("rolling_back")]
    [InlineData("RollingBack")]
    [InlineData(" failed")]
    [InlineData("cancelled")]
    public void FromSlug_UnknownText_Null(string? slug) => Assert.Null(ExperimentStates.FromSlug(slug));

    [Fact]
    public void Slug_UndefinedValue_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ((ExperimentState)99).Slug());

    [Theory]
    [InlineData(ExperimentState.Stopping, "Stopping")]
    [InlineData(ExperimentState.RollingBack, "Rolling back")]
    [InlineData(ExperimentState.RolledBack, "Rolled back")]
    [InlineData(ExperimentState.Succeeded, "Succeeded")]
    public void Title_State_WordsForPeople(ExperimentState state, string title) => Assert.Equal(title, state.Title());

    [Theory]
    [InlineData(ExperimentState.Planned, false)]
    [InlineData(ExperimentState.Checking, false)]
    [InlineData(ExperimentState.Stopping, false)]
    [InlineData(ExperimentState.Modifying, false)]
    [InlineData(ExperimentState.Starting, false)]
    [InlineData(ExperimentState.Verifying, false)]
    [InlineData(ExperimentState.RollingBack, false)]
    [InlineData(ExperimentState.Succeeded, true)]
    [InlineData(ExperimentState.RolledBack, true)]
    [InlineData(ExperimentState.Failed, true)]
    public void IsFinished_State_OnlySucceededRolledBackAndFailed(ExperimentState state, bool expected) =>
        Assert.Equal(expected, state.IsFinished());

    [Fact]
    public void Unfinished_ExactlyTheStatesUnderWay()
    {
        Assert.Equal(
            [
                ExperimentState.Planned,
                ExperimentState.Checking,
                ExperimentState.Stopping,
                ExperimentState.Modifying,
                ExperimentState.Starting,
                ExperimentState.Verifying,
                ExperimentState.RollingBack,
            ],
            ExperimentStates.Unfinished);
        Assert.All(ExperimentStates.All, s => Assert.Equal(!s.IsFinished(), ExperimentStates.Unfinished.Contains(s)));
    }

    [Theory]
    [InlineData(RecommendationKind.Idle, ExperimentAction.Stop)]
    [InlineData(RecommendationKind.Rightsize, ExperimentAction.Resize)]
    [InlineData(RecommendationKind.Graviton, ExperimentAction.Resize)]
    [InlineData(RecommendationKind.Modernize, ExperimentAction.Resize)]
    [InlineData(RecommendationKind.StoppedLong, null)]
    [InlineData(RecommendationKind.UnattachedVolume, null)]
    [InlineData(RecommendationKind.Gp2ToGp3, null)]
    [InlineData(RecommendationKind.IdleAddress, null)]
    public void ActionFor_Kind_StopResizeOrNotApplied(RecommendationKind kind, ExperimentAction? expected) =>
        Assert.Equal(expected, ExperimentStates.ActionFor(kind));

    [Fact]
    public void Duration_Step_EndMinusStartOrNullWhileOpen()
    {
        Assert.Null(new ExperimentStep(ExperimentState.Stopping, Created, null, null).Duration);
        Assert.Equal(TimeSpan.FromSeconds(42), new ExperimentStep(ExperimentState.Stopping, Created, Created.AddSeconds(42), null).Duration);
    }

    // ---- Constructor ----

    [Fact]
    public void New_Resize_RecordsWhatWasAskedAndIsPlanned()
    {
        var accountId = Guid.NewGuid();

        var e = new Experiment(accountId, "eu-west-1", "i-0abc", "web-1", RecommendationKind.Rightsize, From, To, 140m, 70m,
            TimeSpan.FromMinutes(3), "user-1", "ana@example.com", Created);

        Assert.Equal(7, e.Id.Version);
        Assert.Equal((accountId, "eu-west-1", "i-0abc", (string?)"web-1"), (e.AccountId, e.Region, e.InstanceId, e.InstanceName));
        Assert.Equal((RecommendationKind.Rightsize, ExperimentAction.Resize, From, (string?)To), (e.Kind, e.Action, e.FromType, e.ToType));
        Assert.Equal(((decimal?)140m, (decimal?)70m, TimeSpan.FromMinutes(3)), (e.MonthlyCostBefore, e.MonthlyCostAfter, e.ExpectedDowntime));
        Assert.Equal(("user-1", "ana@example.com", Created), (e.RequestedBy, e.RequestedByName, e.CreatedAt));
        Assert.Equal(ExperimentState.Planned, e.State);
        Assert.Null(e.StartedAt);
        Assert.Null(e.CompletedAt);
        Assert.Null(e.Message);
        Assert.Null(e.CurrentStep);
        Assert.Empty(e.Steps);
        Assert.Equal(0, e.Attempts);
        Assert.False(e.IsFinished);
        Assert.Null(e.RealizedMonthlySaving);
    }

    [Fact]
    public void New_Idle_AStopThatKeepsTheType()
    {
        var e = NewStop();

        Assert.Equal(ExperimentAction.Stop, e.Action);
        Assert.Null(e.ToType);
    }

    [Fact]
    public void New_TwoExperiments_DistinctIds() =>
        Assert.NotEqual(NewResize().Id, NewResize().Id);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public void New_NoRequestedByName_ShowsTheUserId(string? name)
    {
        var e = new Experiment(Guid.NewGuid(), "eu-west-1", "i-0abc", null, RecommendationKind.Rightsize, From, To, null, null,
            TimeSpan.Zero, "user-1", name!, Created);

        Assert.Equal("user-1", e.RequestedByName);
    }

    [Theory]
    [InlineData("region")]
    [InlineData("instanceId")]
    [InlineData("fromType")]
    [InlineData("requestedBy")]
    public void New_BlankRequiredText_ThrowsArgumentException(string blank)
    {
        foreach (var value in new[] { null, "", "  " })
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => new Experiment(
                Guid.NewGuid(),
                blank == "region" ? value! : "eu-west-1",
                blank == "instanceId" ? value! : "i-0abc",
                null,
                RecommendationKind.Rightsize,
                blank == "fromType" ? value! : From,
                To,
                null,
                null,
                TimeSpan.Zero,
                blank == "requestedBy" ? value! : "user-1",
                "ana@example.com",
                Created));
            Assert.Equal(blank, e.ParamName);
        }
    }

    [Theory]
    [InlineData(RecommendationKind.StoppedLong)]
    [InlineData(RecommendationKind.UnattachedVolume)]
    [InlineData(RecommendationKind.Gp2ToGp3)]
    [InlineData(RecommendationKind.IdleAddress)]
    public void New_KindCostPilotDoesNotApply_Throws(RecommendationKind kind)
    {
        var e = Assert.Throws<ArgumentException>(() => New(kind, null));

        Assert.Equal("kind", e.ParamName);
        Assert.Contains(kind.Slug(), e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RecommendationKind.Rightsize, null)]
    [InlineData(RecommendationKind.Rightsize, "")]
    [InlineData(RecommendationKind.Graviton, "  ")]
    [InlineData(RecommendationKind.Modernize, From)]
    public void New_ResizeWithoutANewType_Throws(RecommendationKind kind, string? toType)
    {
        var e = Assert.Throws<ArgumentException>(() => New(kind, toType));

        Assert.Equal("toType", e.ParamName);
    }

    [Theory]
    [InlineData(To)]
    [InlineData("")]
    [InlineData(From)]
    public void New_StopWithAType_Throws(string toType)
    {
        var e = Assert.Throws<ArgumentException>(() => New(RecommendationKind.Idle, toType));

        Assert.Equal("toType", e.ParamName);
    }

    [Theory]
    [InlineData(RecommendationKind.Rightsize)]
    [InlineData(RecommendationKind.Graviton)]
    [InlineData(RecommendationKind.Modernize)]
    public void New_EachResizeKind_Resize(RecommendationKind kind) =>
        Assert.Equal(ExperimentAction.Resize, New(kind, To).Action);

    // ---- Transitions: every state × every target ----

    private const string Begin = nameof(Experiment.Begin);
    private const string Advance = nameof(Experiment.Advance);
    private const string RollBack = nameof(Experiment.RollBack);
    private const string FinishRollback = nameof(Experiment.FinishRollback);
    private const string Fail = nameof(Experiment.Fail);

    /// <summary>The specification, written out: every transition allowed, per action; everything else must throw.</summary>
    private static readonly HashSet<(ExperimentAction, ExperimentState, string, ExperimentState)> Allowed =
    [
        (ExperimentAction.Resize, ExperimentState.Planned, Begin, ExperimentState.Checking),
        (ExperimentAction.Resize, ExperimentState.Planned, Fail, ExperimentState.Failed),
        (ExperimentAction.Resize, ExperimentState.Checking, Advance, ExperimentState.Stopping),
        (ExperimentAction.Resize, ExperimentState.Checking, Fail, ExperimentState.Failed),
        (ExperimentAction.Resize, ExperimentState.Stopping, Advance, ExperimentState.Modifying),
        (ExperimentAction.Resize, ExperimentState.Stopping, RollBack, ExperimentState.RollingBack),
        (ExperimentAction.Resize, ExperimentState.Modifying, Advance, ExperimentState.Starting),
        (ExperimentAction.Resize, ExperimentState.Modifying, RollBack, ExperimentState.RollingBack),
        (ExperimentAction.Resize, ExperimentState.Starting, Advance, ExperimentState.Verifying),
        (ExperimentAction.Resize, ExperimentState.Starting, RollBack, ExperimentState.RollingBack),
        (ExperimentAction.Resize, ExperimentState.Verifying, Advance, ExperimentState.Succeeded),
        (ExperimentAction.Resize, ExperimentState.Verifying, RollBack, ExperimentState.RollingBack),
        (ExperimentAction.Resize, ExperimentState.RollingBack, FinishRollback, ExperimentState.RolledBack),
        (ExperimentAction.Resize, ExperimentState.RollingBack, Fail, ExperimentState.Failed),
        (ExperimentAction.Stop, ExperimentState.Planned, Begin, ExperimentState.Checking),
        (ExperimentAction.Stop, ExperimentState.Planned, Fail, ExperimentState.Failed),
        (ExperimentAction.Stop, ExperimentState.Checking, Advance, ExperimentState.Stopping),
        (ExperimentAction.Stop, ExperimentState.Checking, Fail, ExperimentState.Failed),
        (ExperimentAction.Stop, ExperimentState.Stopping, Advance, ExperimentState.Succeeded),
        (ExperimentAction.Stop, ExperimentState.Stopping, RollBack, ExperimentState.RollingBack),
        (ExperimentAction.Stop, ExperimentState.RollingBack, FinishRollback, ExperimentState.RolledBack),
        (ExperimentAction.Stop, ExperimentState.RollingBack, Fail, ExperimentState.Failed),
    ];

    /// <summary>Every state each action can reach × every transition (Advance to each of the ten states).</summary>
    public static TheoryData<ExperimentAction, ExperimentState, string, ExperimentState> AllTransitions()
    {
        var data = new TheoryData<ExperimentAction, ExperimentState, string, ExperimentState>();
        foreach (var action in Enum.GetValues<ExperimentAction>())
        {
            foreach (var from in ExperimentStates.All.Where(s => Reachable(action, s)))
            {
                data.Add(action, from, Begin, ExperimentState.Checking);
                foreach (var to in ExperimentStates.All)
                {
                    data.Add(action, from, Advance, to);
                }
                data.Add(action, from, RollBack, ExperimentState.RollingBack);
                data.Add(action, from, FinishRollback, ExperimentState.RolledBack);
                data.Add(action, from, Fail, ExperimentState.Failed);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AllTransitions))]
    public void Transition_FromEachState_AllowedMovesOnElseThrowsAndChangesNothing(
        ExperimentAction action, ExperimentState from, string transition, ExperimentState to)
    {
        var e = InState(action, from);
        var steps = e.Steps.ToList();
        var (message, completedAt, startedAt) = (e.Message, e.CompletedAt, e.StartedAt);
        var at = Created.AddHours(1);

        if (Allowed.Contains((action, from, transition, to)))
        {
            Apply(e, transition, to, at);

            Assert.Equal(to, e.State);
            Assert.Equal(to.IsFinished(), e.IsFinished);
        }
        else
        {
            var ex = Assert.Throws<InvalidStateTransitionException>(() => Apply(e, transition, to, at));

            Assert.Equal((from, to), ((ExperimentState)ex.From, (ExperimentState)ex.To));
            Assert.Equal(from, e.State);
            Assert.Equal(steps, e.Steps);
            Assert.Equal((message, completedAt, startedAt), (e.Message, e.CompletedAt, e.StartedAt));
        }
    }

    [Fact]
    public void Allowed_EveryUnfinishedReachableState_HasAWayOnAndAWayOut()
    {
        foreach (var action in Enum.GetValues<ExperimentAction>())
        {
            foreach (var state in ExperimentStates.Unfinished.Where(s => Reachable(action, s)))
            {
                Assert.Contains(Allowed, t => t.Item1 == action && t.Item2 == state && t.Item3 is Begin or Advance or FinishRollback);
                Assert.Contains(Allowed, t => t.Item1 == action && t.Item2 == state && t.Item3 is RollBack or Fail);
            }
        }
    }

    [Theory]
    [InlineData(ExperimentState.Modifying)]
    [InlineData(ExperimentState.Starting)]
    [InlineData(ExperimentState.Verifying)]
    public void Advance_StopFromStopping_CannotEnterTheResizeStates(ExperimentState next)
    {
        var e = InState(ExperimentAction.Stop, ExperimentState.Stopping);

        Assert.Throws<InvalidStateTransitionException>(() => e.Advance(next, Created));
        Assert.Equal(ExperimentState.Stopping, e.State);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void RollBack_NoReason_ThrowsArgumentException(string? reason)
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Modifying);

        Assert.ThrowsAny<ArgumentException>(() => e.RollBack(Created, reason!));
        Assert.Equal(ExperimentState.Modifying, e.State);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Fail_NoMessage_ThrowsArgumentException(string? message)
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Checking);

        Assert.ThrowsAny<ArgumentException>(() => e.Fail(Created, message!));
        Assert.Equal(ExperimentState.Checking, e.State);
    }

    // ---- Steps ----

    [Fact]
    public void Begin_Planned_StartsAndOpensTheCheckingStep()
    {
        var e = NewResize();

        e.Begin(T(1));

        Assert.Equal(T(1), e.StartedAt);
        Assert.Equal([new ExperimentStep(ExperimentState.Checking, T(1), null, null)], e.Steps);
        Assert.Equal(e.Steps[0], e.CurrentStep);
    }

    [Fact]
    public void Advance_ResizeAllTheWay_EachStepClosedWhenTheNextOpensAndNoStepForSucceeded()
    {
        var e = NewResize();

        e.Begin(T(1));
        e.Advance(ExperimentState.Stopping, T(2));
        e.Advance(ExperimentState.Modifying, T(3));
        e.Advance(ExperimentState.Starting, T(4));
        e.Advance(ExperimentState.Verifying, T(5));
        Assert.Equal(new ExperimentStep(ExperimentState.Verifying, T(5), null, null), e.CurrentStep);
        e.Advance(ExperimentState.Succeeded, T(6), "status checks ok");

        Assert.Equal(
            [
                new ExperimentStep(ExperimentState.Checking, T(1), T(2), null),
                new ExperimentStep(ExperimentState.Stopping, T(2), T(3), null),
                new ExperimentStep(ExperimentState.Modifying, T(3), T(4), null),
                new ExperimentStep(ExperimentState.Starting, T(4), T(5), null),
                new ExperimentStep(ExperimentState.Verifying, T(5), T(6), "status checks ok"),
            ],
            e.Steps);
        Assert.Equal((ExperimentState.Succeeded, true, (DateTimeOffset?)T(1), (DateTimeOffset?)T(6)), (e.State, e.IsFinished, e.StartedAt, e.CompletedAt));
        Assert.Null(e.CurrentStep);
        Assert.Null(e.Message);
        Assert.All(e.Steps, s => Assert.Equal(TimeSpan.FromMinutes(1), s.Duration));
    }

    [Fact]
    public void Advance_StopAllTheWay_CheckingThenStoppingThenSucceeded()
    {
        var e = NewStop();

        e.Begin(T(1));
        e.Advance(ExperimentState.Stopping, T(2));
        e.Advance(ExperimentState.Succeeded, T(3));

        Assert.Equal(
            [
                new ExperimentStep(ExperimentState.Checking, T(1), T(2), null),
                new ExperimentStep(ExperimentState.Stopping, T(2), T(3), null),
            ],
            e.Steps);
        Assert.Equal((ExperimentState.Succeeded, (DateTimeOffset?)T(3)), (e.State, e.CompletedAt));
    }

    [Fact]
    public void Advance_WithANote_ClosesThePreviousStepWithIt()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Checking);

        e.Advance(ExperimentState.Stopping, T(2), "dry runs passed; tagged");

        Assert.Equal("dry runs passed; tagged", e.Steps[0].Note);
        Assert.Null(e.CurrentStep!.Note);
    }

    [Fact]
    public void Note_StepUnderWay_SetOnItAndKeptWhenItCloses()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Stopping);

        e.Note("waiting for i-0abc to stop");
        Assert.Equal("waiting for i-0abc to stop", e.CurrentStep!.Note);
        e.Note("still stopping");
        Assert.Equal("still stopping", e.CurrentStep!.Note);
        e.Advance(ExperimentState.Modifying, T(3));

        Assert.Equal(new ExperimentStep(ExperimentState.Stopping, e.Steps[^2].StartedAt, T(3), "still stopping"), e.Steps[^2]);
        Assert.Null(e.CurrentStep!.Note);
    }

    [Fact]
    public void Note_ThenAdvanceWithANote_TheAdvanceNoteWins()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Stopping);
        e.Note("waiting");

        e.Advance(ExperimentState.Modifying, T(3), "stopped after 40 s");

        Assert.Equal("stopped after 40 s", e.Steps[^2].Note);
    }

    [Theory]
    [InlineData(ExperimentState.Planned)]
    [InlineData(ExperimentState.Succeeded)]
    [InlineData(ExperimentState.RolledBack)]
    [InlineData(ExperimentState.Failed)]
    public void Note_NoStepUnderWay_Ignored(ExperimentState state)
    {
        var e = InState(ExperimentAction.Resize, state);
        var steps = e.Steps.ToList();

        e.Note("late");

        Assert.Equal(steps, e.Steps);
        Assert.DoesNotContain(e.Steps, s => s.Note == "late");
    }

    [Theory]
    [InlineData(ExperimentState.Stopping)]
    [InlineData(ExperimentState.Modifying)]
    [InlineData(ExperimentState.Starting)]
    [InlineData(ExperimentState.Verifying)]
    public void RollBack_FromEachActingState_SetsMessageClosesTheStepWithTheReasonAndOpensRollingBack(ExperimentState from)
    {
        var e = InState(ExperimentAction.Resize, from);
        var count = e.Steps.Count;

        e.RollBack(T(9), "i-0abc failed its status checks as m5.large.");

        Assert.Equal(ExperimentState.RollingBack, e.State);
        Assert.Equal("i-0abc failed its status checks as m5.large.", e.Message);
        Assert.Equal(count + 1, e.Steps.Count);
        Assert.Equal((from, (DateTimeOffset?)T(9), (string?)"i-0abc failed its status checks as m5.large."), (e.Steps[^2].State, e.Steps[^2].EndedAt, e.Steps[^2].Note));
        Assert.Equal(new ExperimentStep(ExperimentState.RollingBack, T(9), null, null), e.CurrentStep);
        Assert.Null(e.CompletedAt);
        Assert.False(e.IsFinished);
    }

    [Fact]
    public void FinishRollback_RollingBack_RolledBackKeepsTheReasonAndOpensNoStep()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Starting);
        e.RollBack(T(9), "Insufficient capacity for m5.large.");

        e.FinishRollback(T(12), "running as m5.xlarge again");

        Assert.Equal(ExperimentState.RolledBack, e.State);
        Assert.Equal("Insufficient capacity for m5.large.", e.Message);
        Assert.Equal(new ExperimentStep(ExperimentState.RollingBack, T(9), T(12), "running as m5.xlarge again"), e.Steps[^1]);
        Assert.Null(e.CurrentStep);
        Assert.Equal(T(12), e.CompletedAt);
        Assert.True(e.IsFinished);
    }

    [Fact]
    public void Fail_FromRollingBack_KeepsTheRollbackReasonAndAppendsTheFailure()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Verifying);
        e.RollBack(T(9), "Status checks failed.");

        e.Fail(T(11), "Start was denied; i-0abc is stopped as m5.xlarge.");

        Assert.Equal(ExperimentState.Failed, e.State);
        Assert.Equal("Status checks failed. Rollback: Start was denied; i-0abc is stopped as m5.xlarge.", e.Message);
        Assert.Equal(new ExperimentStep(ExperimentState.RollingBack, T(9), T(11), "Start was denied; i-0abc is stopped as m5.xlarge."), e.Steps[^1]);
        Assert.Null(e.CurrentStep);
        Assert.Equal(T(11), e.CompletedAt);
    }

    [Fact]
    public void Fail_FromChecking_MessageAloneAndStartedAtKept()
    {
        var e = NewResize();
        e.Begin(T(1));

        e.Fail(T(2), "Access denied for ec2:StopInstances.");

        Assert.Equal((ExperimentState.Failed, "Access denied for ec2:StopInstances."), (e.State, e.Message));
        Assert.Equal(((DateTimeOffset?)T(1), (DateTimeOffset?)T(2)), (e.StartedAt, e.CompletedAt));
        Assert.Equal([new ExperimentStep(ExperimentState.Checking, T(1), T(2), "Access denied for ec2:StopInstances.")], e.Steps);
    }

    [Fact]
    public void Fail_FromPlanned_StartsAndEndsAtOnceWithNoStep()
    {
        var e = NewResize();

        e.Fail(T(1), "i-0abc no longer exists.");

        Assert.Equal((ExperimentState.Failed, "i-0abc no longer exists."), (e.State, e.Message));
        Assert.Equal(((DateTimeOffset?)T(1), (DateTimeOffset?)T(1)), (e.StartedAt, e.CompletedAt));
        Assert.Empty(e.Steps);
    }

    [Fact]
    public void RollBack_ReasonLongerThanTheColumn_MessageCutWithAnEllipsis()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Stopping);

        e.RollBack(T(5), new string('x', 5000));

        Assert.Equal(Experiment.MessageLength, e.Message!.Length);
        Assert.EndsWith("x…", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RollBack_ReasonExactlyTheColumn_Kept()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Stopping);
        var reason = new string('x', Experiment.MessageLength);

        e.RollBack(T(5), reason);

        Assert.Equal(reason, e.Message);
    }

    [Fact]
    public void Fail_AfterALongRollbackReason_CombinedMessageStillFitsTheColumn()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Stopping);
        e.RollBack(T(5), new string('x', 1960));

        e.Fail(T(6), "Start was denied; the instance is stopped.");

        Assert.Equal(Experiment.MessageLength, e.Message!.Length);
        Assert.StartsWith(new string('x', 1960) + " Rollback: Start was denied", e.Message, StringComparison.Ordinal);
        Assert.EndsWith("…", e.Message, StringComparison.Ordinal);
    }

    // ---- Realized saving ----

    [Fact]
    public void RealizedMonthlySaving_SucceededWithBothPrices_BeforeMinusAfter()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Succeeded, before: 140.25m, after: 70.10m);

        Assert.Equal(70.15m, e.RealizedMonthlySaving);
    }

    [Fact]
    public void RealizedMonthlySaving_StopSucceeded_BeforeMinusWhatStaysBilled()
    {
        var e = InState(ExperimentAction.Stop, ExperimentState.Succeeded, before: 60m, after: 8m);

        Assert.Equal(52m, e.RealizedMonthlySaving);
    }

    [Theory]
    [InlineData(null, 70.0)]
    [InlineData(140.0, null)]
    [InlineData(null, null)]
    public void RealizedMonthlySaving_SucceededWithAPriceMissing_Null(double? before, double? after)
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Succeeded, before: (decimal?)before, after: (decimal?)after);

        Assert.Equal(ExperimentState.Succeeded, e.State);
        Assert.Null(e.RealizedMonthlySaving);
    }

    [Theory]
    [InlineData(ExperimentState.Planned)]
    [InlineData(ExperimentState.Checking)]
    [InlineData(ExperimentState.Stopping)]
    [InlineData(ExperimentState.Modifying)]
    [InlineData(ExperimentState.Starting)]
    [InlineData(ExperimentState.Verifying)]
    [InlineData(ExperimentState.RollingBack)]
    [InlineData(ExperimentState.RolledBack)]
    [InlineData(ExperimentState.Failed)]
    public void RealizedMonthlySaving_NotSucceeded_Null(ExperimentState state) =>
        Assert.Null(InState(ExperimentAction.Resize, state, before: 140m, after: 70m).RealizedMonthlySaving);

    // ---- Attempts ----

    [Fact]
    public void RecordAttempt_EachTime_CountsOneMoreAndChangesNothingElse()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Modifying);
        var steps = e.Steps.ToList();

        e.RecordAttempt();
        e.RecordAttempt();
        e.RecordAttempt();

        Assert.Equal(3, e.Attempts);
        Assert.Equal(ExperimentState.Modifying, e.State);
        Assert.Equal(steps, e.Steps);
    }

    [Fact]
    public void RecordAttempt_Finished_StillCounts()
    {
        var e = InState(ExperimentAction.Resize, ExperimentState.Failed);

        e.RecordAttempt();

        Assert.Equal(1, e.Attempts);
    }

    // ---- Helpers ----

    private static DateTimeOffset T(int minutes) => Created.AddMinutes(minutes);

    private static Experiment New(RecommendationKind kind, string? toType, decimal? before = 140m, decimal? after = 70m) =>
        new(Guid.NewGuid(), "eu-west-1", "i-0abc", "web-1", kind, From, toType, before, after, TimeSpan.FromMinutes(2), "user-1",
            "ana@example.com", Created);

    private static Experiment NewResize() => New(RecommendationKind.Rightsize, To);

    private static Experiment NewStop() => New(RecommendationKind.Idle, null);

    private static bool Reachable(ExperimentAction action, ExperimentState state) =>
        action == ExperimentAction.Resize
        || state is not (ExperimentState.Modifying or ExperimentState.Starting or ExperimentState.Verifying);

    /// <summary>An experiment brought to <paramref name="state"/> by its own transitions, one minute apart.</summary>
    internal static Experiment InState(ExperimentAction action, ExperimentState state, decimal? before = 140m, decimal? after = 70m)
    {
        var e = action == ExperimentAction.Resize ? New(RecommendationKind.Rightsize, To, before, after) : New(RecommendationKind.Idle, null, before, after);
        var minute = 0;
        DateTimeOffset Tick() => Created.AddMinutes(++minute);
        ExperimentState[] forward = action == ExperimentAction.Resize
            ? [ExperimentState.Stopping, ExperimentState.Modifying, ExperimentState.Starting, ExperimentState.Verifying, ExperimentState.Succeeded]
            : [ExperimentState.Stopping, ExperimentState.Succeeded];
        switch (state)
        {
            case ExperimentState.Planned:
                return e;
            case ExperimentState.RollingBack or ExperimentState.RolledBack:
                e.Begin(Tick());
                e.Advance(ExperimentState.Stopping, Tick());
                e.RollBack(Tick(), "Something failed.");
                if (state == ExperimentState.RolledBack)
                {
                    e.FinishRollback(Tick());
                }
                return e;
            case ExperimentState.Failed:
                e.Begin(Tick());
                e.Fail(Tick(), "Nothing was changed.");
                return e;
            default:
                e.Begin(Tick());
                foreach (var next in forward.TakeWhile(s => e.State != state))
                {
                    e.Advance(next, Tick());
                }
                Assert.Equal(state, e.State);
                return e;
        }
    }

    private static void Apply(Experiment e, string transition, ExperimentState to, DateTimeOffset at)
    {
        switch (transition)
        {
            case Begin:
                e.Begin(at);
                break;
            case Advance:
                e.Advance(to, at);
                break;
            case RollBack:
                e.RollBack(at, "A reason.");
                break;
            case FinishRollback:
                e.FinishRollback(at);
                break;
            case Fail:
                e.Fail(at, "A failure.");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(transition), transition, null);
        }
    }
}
