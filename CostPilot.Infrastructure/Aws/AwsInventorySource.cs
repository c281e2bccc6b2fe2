using System.Globalization;
using System.Runtime.CompilerServices;
using Amazon.EC2;
using Amazon.EC2.Model;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;

namespace CostPilot.Infrastructure.Aws;

/// <summary>Reads one AWS account's EC2 inventory through the real AWS SDK.</summary>
public sealed class AwsInventorySource(AwsClientFactory clients, AWSCredentials credentials, TimeProvider clock) : IInventorySource
{
    public const int MaxResults = 1000;

    /// <summary>Instance types per DescribeSpotPriceHistory request (its filter lists are meant to be short; a region rarely has more).</summary>
    public const int SpotTypesPerRequest = 100;

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

    /// <summary>
    /// DescribeSpotPriceHistory with StartTime = now: AWS then answers, per availability zone, type and product, the price in
    /// effect now (its last change at or before the start time), plus any change since. The newest per key is kept.
    /// </summary>
    public async Task<IReadOnlyList<DiscoveredSpotPrice>> ListSpotPricesAsync(string region, IReadOnlyCollection<string> instanceTypes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(instanceTypes);
        var types = instanceTypes.Where(t => !string.IsNullOrWhiteSpace(t)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        if (types.Count == 0)
        {
            return [];
        }

        using var ec2 = clients.CreateEc2(credentials, region);
        var now = clock.GetUtcNow().UtcDateTime;
        var latest = new Dictionary<(string Zone, string Type, string Product), DiscoveredSpotPrice>();
        foreach (var chunk in types.Chunk(SpotTypesPerRequest))
        {
            string? token = null;
            do
            {
                var request = new DescribeSpotPriceHistoryRequest
                {
                    InstanceTypes = [.. chunk],
                    ProductDescriptions = [.. DiscoveredSpotPrice.Products],
                    StartTime = now,
                    MaxResults = MaxResults,
                    NextToken = token,
                };
                var response = await CallAsync(() => ec2.DescribeSpotPriceHistoryAsync(request, ct), $"ec2:DescribeSpotPriceHistory in {region}");
                foreach (var price in (response.SpotPriceHistory ?? []).Select(MapSpotPrice).OfType<DiscoveredSpotPrice>())
                {
                    var key = (price.AvailabilityZone, price.InstanceType, price.ProductDescription);
                    if (!latest.TryGetValue(key, out var known) || price.Timestamp > known.Timestamp)
                    {
                        latest[key] = price;
                    }
                }
                token = string.IsNullOrEmpty(response.NextToken) ? null : response.NextToken;
            }
            while (token is not null);
        }
        return [.. latest.Values
            .OrderBy(p => p.AvailabilityZone, StringComparer.Ordinal)
            .ThenBy(p => p.InstanceType, StringComparer.Ordinal)
            .ThenBy(p => p.ProductDescription, StringComparer.Ordinal)];
    }

    /// <summary>A spot price as AWS sends it ("0.031200" as text); null when a field is missing or the price is not a positive number.</summary>
    internal static DiscoveredSpotPrice? MapSpotPrice(SpotPrice p) =>
        p is { AvailabilityZone: { Length: > 0 } zone, InstanceType.Value: { Length: > 0 } type, ProductDescription.Value: { Length: > 0 } product, Timestamp: { } at }
        && decimal.TryParse(p.Price, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var hourly) && hourly > 0m
            ? new DiscoveredSpotPrice(zone, type, product, hourly, new DateTimeOffset(at.Kind == DateTimeKind.Local ? at.ToUniversalTime() : DateTime.SpecifyKind(at, DateTimeKind.Utc)))
            : null;

    internal static DiscoveredInstance Map(Amazon.EC2.Model.Instance i) => new(
        i.InstanceId,
        i.InstanceType?.Value ?? "unknown",
        i.State?.Name?.Value ?? "unknown",
        i.Placement?.AvailabilityZone,
        DiscoveredInstance.PlatformOf(i.PlatformDetails, i.Platform?.Value),
        i.Architecture?.Value ?? "x86_64",
        i.LaunchTime is { } launched ? new DateTimeOffset(DateTime.SpecifyKind(launched, DateTimeKind.Utc)) : null,
        i.InstanceLifecycle?.Value ?? "on-demand",
        TagsOf(i.Tags),
        i.Placement?.Tenancy?.Value is { Length: > 0 } tenancy ? tenancy : DiscoveredInstance.DefaultTenancy,
        DiscoveredInstance.StateChangedAtOf(i.StateTransitionReason));

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
