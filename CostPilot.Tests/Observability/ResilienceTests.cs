using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Aws.CloudWatch;
using CostPilot.Tests.Fakes;
using CostPilot.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using static CostPilot.Tests.Fakes.FakeMetricNames;

namespace CostPilot.Tests.Observability;

/// <summary>
/// The resilience pipeline of the hand-written AWS clients, as the app registers it (the app's own CloudWatchClient, two
/// retries: <c>CostPilot:Aws:MaxErrorRetry</c>=2 in the fake-AWS app), against the fake's CloudWatch throttling with 400 Throttling.
/// </summary>
public sealed class ResilienceTests(FakeAwsAppFactory app) : IClassFixture<FakeAwsAppFactory>
{
    private const string Region = "us-east-1";
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task GetMetricData_ThrottledTwice_RetriedByThePipelineThenComplete()
    {
        var customer = app.AddCustomer();
        customer.Account.Metrics(Region).AddGenerated(["i-0r"]);
        app.Fake.FailNext(customer.AccountId, Region, "GetMetricData", FakeFault.Throttle, times: 2);

        var result = Assert.Single(await CloudWatch().GetMetricDataAsync(Credentials(customer), Region, [Query("q0", "i-0r")], Start, Start.AddHours(6), default));

        Assert.Equal(MetricDataStatus.Complete, result.Status);
        Assert.NotEmpty(result.Values);
        Assert.Equal([(400, "Throttling"), (400, "Throttling"), (200, null)],
            app.Fake.Requests.Where(r => r.Action == "GetMetricData" && r.AccountId == customer.AccountId).Select(r => (r.StatusCode, r.ErrorCode)));
    }

    [Fact]
    public async Task GetMetricData_ThrottledEveryTime_GivesUpAfterThreeAttemptsWithAClearError()
    {
        var customer = app.AddCustomer();
        app.Fake.FailNext(customer.AccountId, Region, "GetMetricData", FakeFault.Throttle, times: 10);

        var error = await Assert.ThrowsAsync<InventoryException>(() =>
            CloudWatch().GetMetricDataAsync(Credentials(customer), Region, [Query("q0", "i-0s")], Start, Start.AddHours(6), default));

        Assert.Equal(InventoryFailure.Throttled, error.Failure);
        Assert.Equal("CloudWatch kept throttling cloudwatch:GetMetricData in us-east-1 after 3 attempts; try again later.", error.Message);
        Assert.Equal(3, app.Fake.Requests.Count(r => r.Action == "GetMetricData" && r.AccountId == customer.AccountId));
    }

    private CloudWatchClient CloudWatch() => app.Services.GetRequiredService<CloudWatchClient>();

    private static BasicAWSCredentials Credentials(FakeCustomer customer) => new(customer.AccessKeyId, customer.Secret);

    private static MetricQuery Query(string id, string instanceId) =>
        new(id, Ec2Namespace, CpuUtilization, [new MetricDimension(InstanceIdDimension, instanceId)], 3600, Average);
}
