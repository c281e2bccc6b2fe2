using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace CostPilot.Tests.Support;

/// <summary>A Hangfire client that records the jobs it is asked to create and runs none of them.</summary>
public sealed class RecordingJobs : IBackgroundJobClient
{
    private readonly List<Job> _created = [];

    public IReadOnlyList<Job> Created
    {
        get
        {
            lock (_created)
            {
                return [.. _created];
            }
        }
    }

    public string Create(Job job, IState state)
    {
        lock (_created)
        {
            _created.Add(job);
            return _created.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public bool ChangeState(string jobId, IState state, string expectedState) => true;
}
