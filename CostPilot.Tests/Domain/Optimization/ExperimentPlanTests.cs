using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;

namespace CostPilot.Tests.Domain.Optimization;

public sealed class ExperimentPlanTests
{
    private const string Id = "i-0abc";
    private const string From = "m5.xlarge";
    private const string To = "m5.large";
    private const string Other = "c5.large";

    /// <summary>Describe found nothing.</summary>
    private const string None = "none";

    /// <summary>A state EC2 might add one day: <see cref="InstanceState"/> keeps AWS's text as it is.</summary>
    private const string Unknown = "new-ec2-state";

    /// <summary>Any of the three types (from, to, other).</summary>
    private const string AnyType = "*";

    private static readonly DateTimeOffset Created = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private static readonly string[] Seen = [None, "pending", "running", "stopping", "stopped", "shutting-down", "terminated", Unknown];
    private static readonly string[] Types = [From, To, Other];
    private static readonly string[] Gone = [None, "shutting-down", "terminated"];

    // ---- The whole table: every experiment state × every instance state × type (× status checks when running) ----

    /// <summary>
    /// The specification, written out. Moves: check, wait, stop, start, modify:&lt;type&gt;, advance:&lt;state slug&gt;, rollback,
    /// finish-rollback, fail. A type of "*" stands for each of from, to and other; no checks stands for each of the four.
    /// </summary>
    private static List<(ExperimentAction Action, ExperimentState State, string Seen, string Type, StatusChecks? Checks, string Move)> Spec()
    {
        var rows = new List<(ExperimentAction, ExperimentState, string, string, StatusChecks?, string)>();
        void Add(ExperimentAction[] actions, ExperimentState state, string seen, string type, string move, StatusChecks? checks = null)
        {
            foreach (var action in actions)
            {
                rows.Add((action, state, seen, type, checks, move));
            }
        }
        ExperimentAction[] both = [ExperimentAction.Resize, ExperimentAction.Stop];
        ExperimentAction[] resize = [ExperimentAction.Resize];

        // Before anything changed: only a running instance of the recommended type goes on; anything else ends it as failed.
        foreach (var state in new[] { ExperimentState.Planned, ExperimentState.Checking })
        {
            foreach (var gone in Gone)
            {
                Add(both, state, gone, AnyType, "fail");
            }
            Add(both, state, "running", From, "check");
            Add(both, state, "running", To, "fail");
            Add(both, state, "running", Other, "fail");
            foreach (var seen in new[] { "pending", "stopping", "stopped", Unknown })
            {
                Add(both, state, seen, AnyType, "fail");
            }
        }

        // Once the instance may have been touched, it disappearing means rolling back (which then fails: nothing left).
        foreach (var state in new[] { ExperimentState.Stopping, ExperimentState.Modifying, ExperimentState.Starting, ExperimentState.Verifying })
        {
            foreach (var gone in Gone)
            {
                Add(state == ExperimentState.Stopping ? both : resize, state, gone, AnyType, "rollback");
            }
        }

        // Stopping: recorded before the stop; a crash before it finds the instance running, after it stopping or stopped.
        Add(both, ExperimentState.Stopping, "running", AnyType, "stop");
        Add(both, ExperimentState.Stopping, "pending", AnyType, "wait");
        Add(both, ExperimentState.Stopping, "stopping", AnyType, "wait");
        Add(both, ExperimentState.Stopping, Unknown, AnyType, "wait");
        Add(resize, ExperimentState.Stopping, "stopped", AnyType, "advance:modifying");
        Add([ExperimentAction.Stop], ExperimentState.Stopping, "stopped", AnyType, "advance:succeeded");

        // Modifying: the new type already there means the modify happened.
        Add(resize, ExperimentState.Modifying, "stopped", To, "advance:starting");
        Add(resize, ExperimentState.Modifying, "stopped", From, $"modify:{To}");
        Add(resize, ExperimentState.Modifying, "stopped", Other, $"modify:{To}");
        Add(resize, ExperimentState.Modifying, "stopping", AnyType, "wait");
        Add(resize, ExperimentState.Modifying, "running", AnyType, "rollback");
        Add(resize, ExperimentState.Modifying, "pending", AnyType, "rollback");
        Add(resize, ExperimentState.Modifying, Unknown, AnyType, "rollback");

        // Starting and verifying with the new type; any other type means someone else changed it mid-way: roll back.
        foreach (var type in new[] { From, Other })
        {
            foreach (var seen in new[] { "stopped", "running", "pending", "stopping", Unknown })
            {
                Add(resize, ExperimentState.Starting, seen, type, "rollback");
                Add(resize, ExperimentState.Verifying, seen, type, "rollback");
            }
        }
        Add(resize, ExperimentState.Starting, "stopped", To, "start");
        Add(resize, ExperimentState.Starting, "running", To, "advance:verifying");
        Add(resize, ExperimentState.Starting, "pending", To, "wait");
        Add(resize, ExperimentState.Starting, "stopping", To, "wait");
        Add(resize, ExperimentState.Starting, Unknown, To, "wait");

        // Verifying: the status checks decide; not running any more is a failure.
        Add(resize, ExperimentState.Verifying, "running", To, "advance:succeeded", StatusChecks.Ok);
        Add(resize, ExperimentState.Verifying, "running", To, "rollback", StatusChecks.Impaired);
        Add(resize, ExperimentState.Verifying, "running", To, "wait", StatusChecks.Initializing);
        Add(resize, ExperimentState.Verifying, "running", To, "wait", StatusChecks.NotApplicable);
        foreach (var seen in new[] { "pending", "stopping", "stopped", Unknown })
        {
            Add(resize, ExperimentState.Verifying, seen, To, "rollback");
        }

        // Rolling back aims at the instance as it was found: the original type, running.
        foreach (var gone in Gone)
        {
            Add(both, ExperimentState.RollingBack, gone, AnyType, "fail");
        }
        Add(both, ExperimentState.RollingBack, "pending", AnyType, "wait");
        Add(both, ExperimentState.RollingBack, "stopping", AnyType, "wait");
        Add(both, ExperimentState.RollingBack, "running", From, "finish-rollback");
        Add(both, ExperimentState.RollingBack, "running", To, "stop");
        Add(both, ExperimentState.RollingBack, "running", Other, "stop");
        Add(both, ExperimentState.RollingBack, "stopped", From, "start");
        Add(both, ExperimentState.RollingBack, "stopped", To, $"modify:{From}");
        Add(both, ExperimentState.RollingBack, "stopped", Other, $"modify:{From}");
        Add(both, ExperimentState.RollingBack, Unknown, AnyType, "fail");
        return rows;
    }

    /// <summary>The spec with "*" and absent checks expanded into one case each.</summary>
    public static TheoryData<ExperimentAction, ExperimentState, string, string, StatusChecks, string> Table()
    {
        var data = new TheoryData<ExperimentAction, ExperimentState, string, string, StatusChecks, string>();
        foreach (var (action, state, seen, type, checks, move) in Spec())
        {
            foreach (var t in seen == None ? [From] : type == AnyType ? Types : [type])
            {
                foreach (var c in checks is { } only ? [only] : ChecksFor(seen))
                {
                    data.Add(action, state, seen, t, c, move);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Table))]
    public void Next_StateAndInstance_TheMoveTheSpecSays(
        ExperimentAction action, ExperimentState state, string seen, string type, StatusChecks checks, string expected)
    {
        var experiment = ExperimentTests.InState(action, state);

        var move = ExperimentPlan.Next(experiment, Observe(seen, type, checks));

        Assert.Equal(expected, Describe(move));
        if (move.Kind is MoveKind.Fail or MoveKind.RollBack)
        {
            Assert.False(string.IsNullOrWhiteSpace(move.Reason));
            Assert.Contains(Id, move.Reason, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(move.Reason);
        }
    }

    /// <summary>The table's situations, without the move.</summary>
    public static TheoryData<ExperimentAction, ExperimentState, string, string, StatusChecks> Situations()
    {
        var data = new TheoryData<ExperimentAction, ExperimentState, string, string, StatusChecks>();
        foreach (var row in Table())
        {
            data.Add((ExperimentAction)row[0], (ExperimentState)row[1], (string)row[2], (string)row[3], (StatusChecks)row[4]);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Situations))]
    public void Next_StateAndInstance_TheMoveIsOneTheExperimentAccepts(
        ExperimentAction action, ExperimentState state, string seen, string type, StatusChecks checks)
    {
        var experiment = ExperimentTests.InState(action, state);

        var move = ExperimentPlan.Next(experiment, Observe(seen, type, checks));

        // What the job would do with it: a move that records a state must be a transition the experiment allows; a move that
        // acts on the instance comes only from a state recorded for that action (recorded before acting).
        switch (move.Kind)
        {
            case MoveKind.Check:
                Assert.True(state is ExperimentState.Planned or ExperimentState.Checking);
                if (state == ExperimentState.Planned)
                {
                    experiment.Begin(Created);
                }
                experiment.Advance(ExperimentState.Stopping, Created);
                break;
            case MoveKind.Wait:
                Assert.False(state is ExperimentState.Planned or ExperimentState.Checking);
                break;
            case MoveKind.Stop:
                Assert.True(state is ExperimentState.Stopping or ExperimentState.RollingBack);
                break;
            case MoveKind.Start:
                Assert.True(state is ExperimentState.Starting or ExperimentState.RollingBack);
                break;
            case MoveKind.ModifyType:
                Assert.True(state is ExperimentState.Modifying or ExperimentState.RollingBack);
                Assert.Equal(state == ExperimentState.Modifying ? To : From, move.InstanceType);
                break;
            case MoveKind.Advance:
                experiment.Advance(move.Next!.Value, Created);
                break;
            case MoveKind.RollBack:
                experiment.RollBack(Created, move.Reason!);
                break;
            case MoveKind.FinishRollback:
                experiment.FinishRollback(Created);
                break;
            case MoveKind.Fail:
                experiment.Fail(Created, move.Reason!);
                break;
            default:
                Assert.Fail($"Unexpected move {move}.");
                break;
        }
    }

    [Fact]
    public void Spec_CoversEveryReachableStateInstanceTypeAndChecksExactlyOnce()
    {
        var cases = Situations().Select(row => ((ExperimentAction)row[0], (ExperimentState)row[1], (string)row[2], (string)row[3], (StatusChecks)row[4])).ToList();
        var expected = new List<(ExperimentAction, ExperimentState, string, string, StatusChecks)>();
        foreach (var action in Enum.GetValues<ExperimentAction>())
        {
            foreach (var state in ExperimentStates.Unfinished)
            {
                if (action == ExperimentAction.Stop && state is ExperimentState.Modifying or ExperimentState.Starting or ExperimentState.Verifying)
                {
                    continue;
                }
                foreach (var seen in Seen)
                {
                    foreach (var type in seen == None ? [From] : Types)
                    {
                        foreach (var checks in ChecksFor(seen))
                        {
                            expected.Add((action, state, seen, type, checks));
                        }
                    }
                }
            }
        }

        Assert.Equal(cases.Count, cases.Distinct().Count());
        Assert.Equal(expected.Order(), cases.Order());
    }

    // ---- Guards ----

    [Theory]
    [InlineData(ExperimentState.Succeeded)]
    [InlineData(ExperimentState.RolledBack)]
    [InlineData(ExperimentState.Failed)]
    public void Next_Finished_Throws(ExperimentState state)
    {
        var experiment = ExperimentTests.InState(ExperimentAction.Resize, state);

        var e = Assert.Throws<InvalidOperationException>(() => ExperimentPlan.Next(experiment, Observe("running", From)));

        Assert.Contains(state.Slug(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_NoExperiment_Throws() =>
        Assert.Throws<ArgumentNullException>(() => ExperimentPlan.Next(null!, Observe("running", From)));

    // ---- Before anything changes ----

    [Fact]
    public void Next_CheckingInstanceRetypedSinceTheAdvice_FailsNamingBothTypes()
    {
        var move = ExperimentPlan.Next(ExperimentTests.InState(ExperimentAction.Resize, ExperimentState.Checking), Observe("running", Other));

        Assert.Equal(MoveKind.Fail, move.Kind);
        Assert.Contains(Other, move.Reason, StringComparison.Ordinal);
        Assert.Contains(From, move.Reason, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_PlannedInstanceStopped_FailsSayingNothingChanged()
    {
        var move = ExperimentPlan.Next(ExperimentTests.InState(ExperimentAction.Resize, ExperimentState.Planned), Observe("stopped", From));

        Assert.Equal(MoveKind.Fail, move.Kind);
        Assert.Contains("stopped", move.Reason, StringComparison.Ordinal);
        Assert.Contains("Nothing was changed", move.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Next_VerifyingChecksImpaired_RollsBackNamingTheType()
    {
        var move = ExperimentPlan.Next(
            ExperimentTests.InState(ExperimentAction.Resize, ExperimentState.Verifying), Observe("running", To, StatusChecks.Impaired));

        Assert.Equal(MoveKind.RollBack, move.Kind);
        Assert.Contains(To, move.Reason, StringComparison.Ordinal);
    }

    // ---- The idempotence story: the job records each state, then acts; it may crash between the two, or after acting ----

    [Fact]
    public void Next_RecordedStoppingCrashedBeforeStopping_Stops() =>
        Assert.Equal(ExperimentMove.Stop, Next(ExperimentAction.Resize, ExperimentState.Stopping, "running", From));

    [Fact]
    public void Next_RecordedStoppingCrashedWhileItStops_Waits() =>
        Assert.Equal(ExperimentMove.Wait, Next(ExperimentAction.Resize, ExperimentState.Stopping, "stopping", From));

    [Fact]
    public void Next_RecordedStoppingAlreadyStopped_AdvancesToModifying() =>
        Assert.Equal(ExperimentMove.Advance(ExperimentState.Modifying), Next(ExperimentAction.Resize, ExperimentState.Stopping, "stopped", From));

    [Fact]
    public void Next_IdleRecordedStoppingAlreadyStopped_Succeeds() =>
        Assert.Equal(ExperimentMove.Advance(ExperimentState.Succeeded), Next(ExperimentAction.Stop, ExperimentState.Stopping, "stopped", From));

    [Fact]
    public void Next_RecordedModifyingTypeNotChangedYet_ModifiesToTheNewType() =>
        Assert.Equal(ExperimentMove.Modify(To), Next(ExperimentAction.Resize, ExperimentState.Modifying, "stopped", From));

    [Fact]
    public void Next_RecordedModifyingTypeAlreadyChanged_AdvancesToStarting() =>
        Assert.Equal(ExperimentMove.Advance(ExperimentState.Starting), Next(ExperimentAction.Resize, ExperimentState.Modifying, "stopped", To));

    [Fact]
    public void Next_RecordedStartingNotStartedYet_Starts() =>
        Assert.Equal(ExperimentMove.Start, Next(ExperimentAction.Resize, ExperimentState.Starting, "stopped", To));

    [Fact]
    public void Next_RecordedStartingAlreadyRunning_AdvancesToVerifying() =>
        Assert.Equal(ExperimentMove.Advance(ExperimentState.Verifying), Next(ExperimentAction.Resize, ExperimentState.Starting, "running", To));

    [Fact]
    public void Next_RollingBackNewTypeRunning_Stops() =>
        Assert.Equal(ExperimentMove.Stop, Next(ExperimentAction.Resize, ExperimentState.RollingBack, "running", To));

    [Fact]
    public void Next_RollingBackStoppedWithTheNewType_ModifiesBackToTheOriginal() =>
        Assert.Equal(ExperimentMove.Modify(From), Next(ExperimentAction.Resize, ExperimentState.RollingBack, "stopped", To));

    [Fact]
    public void Next_RollingBackStoppedWithTheOriginalType_Starts() =>
        Assert.Equal(ExperimentMove.Start, Next(ExperimentAction.Resize, ExperimentState.RollingBack, "stopped", From));

    [Fact]
    public void Next_RollingBackRunningWithTheOriginalType_FinishesTheRollback() =>
        Assert.Equal(ExperimentMove.FinishRollback, Next(ExperimentAction.Resize, ExperimentState.RollingBack, "running", From));

    // ---- Whole runs against a simulated instance, losing each step to a crash in turn ----

    public static TheoryData<ExperimentAction, string> Scenarios() => new()
    {
        { ExperimentAction.Resize, Happy },
        { ExperimentAction.Stop, Happy },
        { ExperimentAction.Resize, ChecksImpaired },
        { ExperimentAction.Resize, ModifyRejected },
        { ExperimentAction.Resize, StartedByOthers },
        { ExperimentAction.Stop, StopDenied },
    };

    private const string Happy = "happy";
    private const string ChecksImpaired = "new type fails its status checks";
    private const string ModifyRejected = "AWS rejects the new type";
    private const string StartedByOthers = "someone starts it while its type changes";
    private const string StopDenied = "the stop is denied";

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Next_DrivenToTheEnd_EndsWithTheInstanceWhereItShouldBe(ExperimentAction action, string scenario)
    {
        var (experiment, instance, moves) = Run(action, scenario, crashAt: -1);

        AssertOutcome(action, scenario, experiment, instance);
        Assert.True(moves < 40, $"{moves} moves");
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Next_ACrashLosesAnyOneStep_TheRetryEndsTheSameWay(ExperimentAction action, string scenario)
    {
        var (_, _, total) = Run(action, scenario, crashAt: -1);

        for (var crashAt = 0; crashAt < total; crashAt++)
        {
            var (experiment, instance, moves) = Run(action, scenario, crashAt);

            AssertOutcome(action, scenario, experiment, instance);
            Assert.True(moves <= total + 2, $"crash at {crashAt}: {moves} moves, {total} without a crash");
        }
    }

    [Fact]
    public void Next_HappyResize_TheMovesInOrder()
    {
        var experiment = ExperimentTests.InState(ExperimentAction.Resize, ExperimentState.Planned);
        var instance = new FakeInstance(From);
        var moves = new List<string>();

        while (!experiment.IsFinished)
        {
            var move = ExperimentPlan.Next(experiment, instance.Describe());
            moves.Add(Describe(move));
            Act(experiment, instance, move, Happy);
        }

        Assert.Equal(
            [
                "check", "stop", "wait", "advance:modifying", $"modify:{To}", "advance:starting", "start", "wait",
                "advance:verifying", "wait", "advance:succeeded",
            ],
            moves);
    }

    private static void AssertOutcome(ExperimentAction action, string scenario, Experiment experiment, FakeInstance instance)
    {
        if (scenario == Happy)
        {
            Assert.Equal(ExperimentState.Succeeded, experiment.State);
            Assert.Equal(action == ExperimentAction.Resize ? InstanceState.Running : InstanceState.Stopped, instance.State);
            Assert.Equal(action == ExperimentAction.Resize ? To : From, instance.Type);
        }
        else
        {
            // Rolled back: exactly as it was found.
            Assert.Equal(ExperimentState.RolledBack, experiment.State);
            Assert.Equal((InstanceState.Running, From), (instance.State, instance.Type));
            Assert.False(string.IsNullOrWhiteSpace(experiment.Message));
        }
    }

    /// <summary>
    /// Runs an experiment as its job would: describe, ask the plan, record or act. <paramref name="crashAt"/> loses that move's
    /// effect (a crash just before it); the job is then retried and carries on.
    /// </summary>
    private static (Experiment Experiment, FakeInstance Instance, int Moves) Run(ExperimentAction action, string scenario, int crashAt)
    {
        var experiment = ExperimentTests.InState(action, ExperimentState.Planned);
        var instance = new FakeInstance(From);
        var moves = 0;
        while (!experiment.IsFinished)
        {
            Assert.True(moves < 100, $"No end after {moves} moves: {experiment.State}, instance {instance.State} {instance.Type}.");
            if (scenario == StartedByOthers && experiment.State == ExperimentState.Modifying && instance.State == InstanceState.Stopped
                && instance.Type == From)
            {
                instance.StartedByOthers();
            }
            var move = ExperimentPlan.Next(experiment, instance.Describe());
            if (moves++ != crashAt)
            {
                Act(experiment, instance, move, scenario);
            }
        }
        return (experiment, instance, moves);
    }

    /// <summary>What the job does with a move; an action that fails rolls back (the plan then knows how).</summary>
    private static void Act(Experiment experiment, FakeInstance instance, ExperimentMove move, string scenario)
    {
        var at = Created;
        switch (move.Kind)
        {
            case MoveKind.Check:
                if (experiment.State == ExperimentState.Planned)
                {
                    experiment.Begin(at);
                }
                experiment.Advance(ExperimentState.Stopping, at);
                break;
            case MoveKind.Wait:
                break;
            case MoveKind.Stop when scenario == StopDenied && experiment.State == ExperimentState.Stopping:
                experiment.RollBack(at, "Access denied for ec2:StopInstances.");
                break;
            case MoveKind.Stop:
                instance.Stop();
                break;
            case MoveKind.Start:
                instance.Start(failChecks: scenario == ChecksImpaired);
                break;
            case MoveKind.ModifyType when scenario == ModifyRejected && move.InstanceType == To:
                experiment.RollBack(at, $"AWS rejected {To} for {Id}.");
                break;
            case MoveKind.ModifyType:
                instance.Modify(move.InstanceType!);
                break;
            case MoveKind.Advance:
                experiment.Advance(move.Next!.Value, at);
                break;
            case MoveKind.RollBack:
                experiment.RollBack(at, move.Reason!);
                break;
            case MoveKind.FinishRollback:
                experiment.FinishRollback(at);
                break;
            case MoveKind.Fail:
                experiment.Fail(at, move.Reason!);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(move), move, null);
        }
    }

    /// <summary>An EC2 instance: each look moves a transitional state one step on (stopping → stopped, pending → running).</summary>
    private sealed class FakeInstance(string type)
    {
        private bool _checksFail;
        private int _runningLooks;

        public InstanceState State { get; private set; } = InstanceState.Running;
        public string Type { get; private set; } = type;

        public ObservedInstance Describe()
        {
            var seen = new ObservedInstance(Id, State, Type, Checks(), From);
            if (State == InstanceState.Stopping)
            {
                State = InstanceState.Stopped;
            }
            else if (State == InstanceState.Pending)
            {
                (State, _runningLooks) = (InstanceState.Running, 0);
            }
            else if (State == InstanceState.Running)
            {
                _runningLooks++;
            }
            return seen;
        }

        public void Stop()
        {
            Assert.True(State == InstanceState.Running || State == InstanceState.Pending, $"Stop while {State}");
            State = InstanceState.Stopping;
        }

        public void Start(bool failChecks)
        {
            Assert.Equal(InstanceState.Stopped, State);
            State = InstanceState.Pending;
            _checksFail = failChecks && Type == To;
        }

        public void Modify(string newType)
        {
            Assert.Equal(InstanceState.Stopped, State);
            Type = newType;
        }

        public void StartedByOthers() => State = InstanceState.Pending;

        // Fresh from pending the checks are initializing for two looks; then they are done.
        private StatusChecks Checks() =>
            State != InstanceState.Running ? StatusChecks.NotApplicable
            : _runningLooks < 2 ? StatusChecks.Initializing
            : _checksFail ? StatusChecks.Impaired
            : StatusChecks.Ok;
    }

    // ---- Helpers ----

    private static ExperimentMove Next(ExperimentAction action, ExperimentState state, string seen, string type) =>
        ExperimentPlan.Next(ExperimentTests.InState(action, state), Observe(seen, type));

    private static StatusChecks[] ChecksFor(string seen) =>
        seen == "running" ? Enum.GetValues<StatusChecks>() : [StatusChecks.NotApplicable];

    private static ObservedInstance? Observe(string seen, string type, StatusChecks checks = StatusChecks.NotApplicable) =>
        seen == None ? null : new ObservedInstance(Id, new InstanceState(seen), type, checks, From);

    private static string Describe(ExperimentMove move) => move.Kind switch
    {
        MoveKind.Check => "check",
        MoveKind.Wait => "wait",
        MoveKind.Stop => "stop",
        MoveKind.Start => "start",
        MoveKind.ModifyType => $"modify:{move.InstanceType}",
        MoveKind.Advance => $"advance:{move.Next!.Value.Slug()}",
        MoveKind.RollBack => "rollback",
        MoveKind.FinishRollback => "finish-rollback",
        MoveKind.Fail => "fail",
        _ => throw new ArgumentOutOfRangeException(nameof(move), move, null),
    };
}
