using System.Runtime.CompilerServices;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;

namespace CostPilot.Infrastructure.Aws;

/// <summary>Reads one AWS account's EC2 inventory through the real AWS SDK.</summary>
public sealed class AwsInventorySource(AwsClientFactory clients, AWSCredentials credentials) : IInventorySource
{
    public const int MaxResults = 1000;

    public async Task<IReadOnlyList<string>> ListRegionsAsync(CancellationToken ct)
    {
        using var ec2 = clients.CreateEc2(credentials, clients.Options.DefaultRegion);
        var response = await CallAsync(() => ec2.DescribeRegionsAsync(new DescribeRegionsRequest { AllRegions = false }, ct), "ec2:DescribeRegions");
        return [.. (response.Regions ?? []).Select(r => r.RegionName).Where(n => !string.IsNullOrEmpty(n)).Order(StringComparer.Ordinal)];
    }

    public async IAsyncEnumerable<IReadOnlyList<DiscoveredInstance>> ListInstancesAsync(string region, [EnumeratorCancellation] CancellationToken ct)
    {
        using var ec2 = clients.CreateEc2(credentials, region);
        string? token = null;
        do
        {
            var request = new DescribeInstancesRequest { MaxResults = MaxResults, NextToken = token };
            var response = await CallAsync(() => ec2.DescribeInstancesAsync(request, ct), $"ec2:DescribeInstances in {region}");
            yield return [.. (response.Reservations ?? []).SelectMany(r => r.Instances ?? []).Select(Map)];
            token = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
        }
        while (token is not null);
    }

    public async Task<IReadOnlyList<DiscoveredVolume>> ListVolumesAsync(string region, CancellationToken ct)
    {
        using var ec2 = clients.CreateEc2(credentials, region);
        var volumes = new List<DiscoveredVolume>();
        string? token = null;
        do
        {
            var request = new DescribeVolumesRequest { MaxResults = MaxResults, NextToken = token };
            var response = await CallAsync(() => ec2.DescribeVolumesAsync(request, ct), $"ec2:DescribeVolumes in {region}");
            volumes.AddRange((response.Volumes ?? []).Select(v => new DiscoveredVolume(
                v.VolumeId, v.Size ?? 0, v.VolumeType?.Value ?? "unknown", v.Iops, v.Throughput, v.State?.Value ?? "unknown",
                v.AvailabilityZone, v.Attachments?.FirstOrDefault()?.InstanceId, TagsOf(v.Tags))));
            token = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
        }
        while (token is not null);
        return volumes;
    }

    public async Task<IReadOnlyList<DiscoveredAddress>> ListAddressesAsync(string region, CancellationToken ct)
    {
        using var ec2 = clients.CreateEc2(credentials, region);
        var response = await CallAsync(() => ec2.DescribeAddressesAsync(new DescribeAddressesRequest(), ct), $"ec2:DescribeAddresses in {region}");
        return [.. (response.Addresses ?? []).Select(a => new DiscoveredAddress(
            a.AllocationId ?? a.PublicIp, a.PublicIp, a.InstanceId, a.AssociationId, a.Domain?.Value ?? "vpc", TagsOf(a.Tags)))];
    }

    internal static DiscoveredInstance Map(Amazon.EC2.Model.Instance i) => new(
        i.InstanceId,
        i.InstanceType?.Value ?? "unknown",
        i.State?.Name?.Value ?? "unknown",
        i.Placement?.AvailabilityZone,
        i.Platform?.Value is { Length: > 0 } platform ? platform.ToLowerInvariant() : "linux",
        i.Architecture?.Value ?? "x86_64",
        i.LaunchTime is { } launched ? new DateTimeOffset(DateTime.SpecifyKind(launched, DateTimeKind.Utc)) : null,
        i.InstanceLifecycle?.Value ?? "on-demand",
        TagsOf(i.Tags));

    private static Dictionary<string, string> TagsOf(List<Tag>? tags)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags ?? [])
        {
            if (!string.IsNullOrEmpty(tag.Key))
            {
                result[tag.Key] = tag.Value ?? "";
            }
        }
        return result;
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call, string what)
    {
        try
        {
            return await call();
        }
        catch (Exception e) when (e is not OperationCanceledException || e is TaskCanceledException { CancellationToken.IsCancellationRequested: false })
        {
            throw AwsErrors.Translate(e, what);
        }
    }
}
