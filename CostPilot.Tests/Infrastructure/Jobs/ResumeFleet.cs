using CostPilot.Domain.Accounts;
using CostPilot.Infrastructure.Discovery;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Infrastructure.Discovery;
using CostPilot.Tests.Support;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Jobs;

/// <summary>
/// A customer whose scan can be caught mid-way, and the rows a clean scan of it leaves. us-east-1 holds 2,500 instances
/// (three pages), two volumes and an address; eu-west-1 seven instances. Holding us-east-1's DescribeVolumes
/// (<see cref="HoldEastVolumes"/>) stops a scan after it stored every instance page of that region but before the region
/// is complete: rows written, nothing marked gone, no region scan recorded.
/// </summary>
internal sealed class ResumeFleet
{
    public const int EastInstances = 2500;
    public const int WestInstances = 7;

    private ResumeFleet(FakeCustomer customer, FakeRegion east, FakeRegion west)
    {
        Customer = customer;
        East = east;
        West = west;
    }

    public FakeCustomer Customer { get; }

    public FakeRegion East { get; }

    public FakeRegion West { get; }

    public static ResumeFleet Create(FakeAwsAppFactory app, string prefix)
    {
        var customer = app.AddCustomer();
        var east = customer.Account.Region("us-east-1")
            .AddInstances(AwsDiscoveryTests.Instances(prefix + "e", EastInstances))
            .AddVolumes([new FakeVolume($"vol-0{prefix}00000000001") { Size = 50 }, new FakeVolume($"vol-0{prefix}00000000002") { Size = 80 }])
            .AddAddresses([new FakeAddress($"eipalloc-0{prefix}000000001", "198.51.100.20")]);
        var west = customer.Account.Region("eu-west-1").AddInstances(AwsDiscoveryTests.Instances(prefix + "w", WestInstances));
        return new ResumeFleet(customer, east, west);
    }

    /// <summary>The next scan waits on us-east-1's volumes for <paramref name="hold"/> (or until its client goes away).</summary>
    public void HoldEastVolumes(FakeAwsServer fake, TimeSpan hold)
    {
        fake.TimeoutDelay = hold;
        fake.FailNext(Customer.AccountId, "us-east-1", "DescribeVolumes", FakeFault.Timeout);
    }

    /// <summary>
    /// Waits until the scan is caught mid-way: it holds the account's lease, has fetched all three us-east-1 instance pages
    /// since request number <paramref name="requestsBefore"/> of the fake, and <paramref name="expectedRows"/> instance rows are
    /// stored; the region waits on its volumes. <paramref name="alive"/> fails the wait early when whatever runs the scan died.
    /// </summary>
    public async Task WaitUntilCaughtMidScanAsync(FakeAwsAppFactory app, Guid accountId, int requestsBefore, int expectedRows, TimeSpan timeout,
        Action? alive = null) =>
        await Eventually.WaitForAsync(
            async () =>
            {
                alive?.Invoke();
                return (Held: await LeaseHeldAsync(app, accountId), Rows: await StoredInstancesAsync(app, accountId),
                    Pages: app.Fake.Requests.Skip(requestsBefore)
                        .Count(r => r.AccountId == Customer.AccountId && r.Action == "DescribeInstances" && r.Region == "us-east-1" && r.StatusCode == 200));
            },
            s => s.Held && s.Rows == expectedRows && s.Pages >= 3,
            timeout,
            "the scan to hold its lease with every instance page stored");

    /// <summary>Exactly the rows a clean scan leaves: every instance AWS lists, live and once; <paramref name="gone"/> marked gone; volumes and addresses as listed.</summary>
    public async Task AssertExactRowsAsync(FakeAwsAppFactory app, Guid accountId, params string[] gone)
    {
        var rows = await app.QueryAsync("SELECT instance_id, region, gone_at IS NOT NULL FROM instances WHERE account_id = @account",
            r => (Id: r.GetString(0), Region: r.GetString(1), Gone: r.GetBoolean(2)), ("account", accountId));
        var expected = East.Instances().Select(i => (i.InstanceId, "us-east-1"))
            .Concat(West.Instances().Select(i => (i.InstanceId, "eu-west-1")))
            .Order().ToList();
        Assert.Equal(expected, rows.Where(r => !r.Gone).Select(r => (r.Id, r.Region)).Order().ToList());
        Assert.Equal(gone.Order(StringComparer.Ordinal), rows.Where(r => r.Gone).Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(expected.Count + gone.Length, rows.Count);
        var volumes = await app.QueryAsync("SELECT volume_id FROM volumes WHERE account_id = @account", r => r.GetString(0), ("account", accountId));
        Assert.Equal(East.Volumes().Select(v => v.VolumeId).Order(StringComparer.Ordinal), volumes.Order(StringComparer.Ordinal));
        var addresses = await app.QueryAsync("SELECT allocation_id FROM addresses WHERE account_id = @account", r => r.GetString(0), ("account", accountId));
        Assert.Equal(East.Addresses().Select(a => a.AllocationId).Order(StringComparer.Ordinal), addresses.Order(StringComparer.Ordinal));
        var scanned = await app.QueryAsync("SELECT region FROM region_scans WHERE account_id = @account", r => r.GetString(0), ("account", accountId));
        Assert.Equal(["eu-west-1", "us-east-1"], scanned.Order(StringComparer.Ordinal));
    }

    public static async Task<AccountStatus> StatusAsync(FakeAwsAppFactory app, Guid accountId) =>
        Enum.Parse<AccountStatus>((await app.QueryAsync("SELECT status FROM accounts WHERE id = @id", r => r.GetString(0), ("id", accountId))).Single());

    public static Task<AccountStatus> WaitForStatusAsync(FakeAwsAppFactory app, Guid accountId, AccountStatus status, TimeSpan timeout) =>
        Eventually.WaitForAsync(() => StatusAsync(app, accountId), s => s == status, timeout, $"the account to be {status}");

    public static async Task<long> StoredInstancesAsync(FakeAwsAppFactory app, Guid accountId) =>
        (await app.QueryAsync("SELECT count(*) FROM instances WHERE account_id = @account", r => r.GetInt64(0), ("account", accountId))).Single();

    public static async Task<bool> LeaseHeldAsync(FakeAwsAppFactory app, Guid accountId)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString);
        return await CostPilot.Infrastructure.Jobs.WorkLease.IsHeldAsync(dataSource, DiscoveryWork.LeaseKey(accountId), CancellationToken.None);
    }

    /// <summary>
    /// The states of the account's discovery jobs, oldest first, once they are <paramref name="expected"/>: the account's
    /// last write comes a moment before the worker records the job's end.
    /// </summary>
    public static async Task<List<(long Id, string? State)>> WaitForJobsAsync(FakeAwsAppFactory app, Guid accountId, params string[] expected) =>
        (await Eventually.WaitForAsync(async () => new JobStates(await DiscoveryJobsAsync(app, accountId)),
            jobs => jobs.Jobs.Select(j => j.State).SequenceEqual(expected),
            TimeSpan.FromSeconds(30), $"the discovery jobs to be {string.Join(", ", expected)}")).Jobs;

    /// <summary>Jobs whose give-up message names each job and its state, not the list's type.</summary>
    private sealed record JobStates(List<(long Id, string? State)> Jobs)
    {
        public override string ToString() => "[" + string.Join(", ", Jobs.Select(j => $"{j.Id}: {j.State ?? "no state"}")) + "]";
    }

    /// <summary>Every discovery job Hangfire holds for the account, oldest first: (id, state).</summary>
    public static Task<List<(long Id, string? State)>> DiscoveryJobsAsync(FakeAwsAppFactory app, Guid accountId) =>
        app.QueryAsync("""
            SELECT id, statename FROM hangfire.job
            WHERE invocationdata::text LIKE '%DiscoveryJob%' AND arguments::text LIKE '%' || @account || '%' ORDER BY id
            """, r => (r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1)), ("account", accountId.ToString()));
}
