using System.Globalization;
using System.Text;

namespace CostPilot.Tests.Fakes;

/// <summary>
/// EC2 over the EC2 Query protocol (form POST with Version=2016-11-15, XML answer in
/// http://ec2.amazonaws.com/doc/2016-11-15/, errors as &lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;).
/// </summary>
internal sealed class FakeEc2Api : IFakeAwsApi
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    // Regions that are disabled until an account opts in (DescribeRegions reports "opted-in" once enabled).
    private static readonly HashSet<string> OptInRegions =
    [
        "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
        "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
        "me-central-1", "me-south-1", "mx-central-1",
    ];

    private static readonly Dictionary<string, int> StateCodes = new(StringComparer.Ordinal)
    {
        ["pending"] = 0,
        ["running"] = 16,
        ["shutting-down"] = 32,
        ["terminated"] = 48,
        ["stopping"] = 64,
        ["stopped"] = 80,
    };

    public AwsError AuthError(AuthProblem problem) => problem switch
    {
        AuthProblem.Malformed => new(400, "IncompleteSignature", "The request signature does not conform to AWS standards."),
        AuthProblem.Expired => new(400, "RequestExpired", "Request has expired."),
        _ => new(401, "AuthFailure", "AWS was not able to validate the provided access credentials"),
    };

    public AwsError FaultError(FakeFault fault) => fault switch
    {
        FakeFault.Throttle => new(400, "RequestLimitExceeded", "Request limit exceeded."),
        FakeFault.Unauthorized => new(403, "UnauthorizedOperation", "You are not authorized to perform this operation."),
        FakeFault.AuthFailure => AuthError(AuthProblem.UnknownKey),
        _ => new(500, "InternalError", "An internal error has occurred", Sender: false),
    };

    public AwsReply Handle(AwsCall call)
    {
        if (call.Action is not ("DescribeRegions" or "DescribeInstances" or "DescribeVolumes" or "DescribeAddresses" or "DescribeSpotPriceHistory"))
        {
            throw new AwsErrorException(new AwsError(400, "InvalidAction", $"The action {call.Action} is not valid for this web service."));
        }

        if (call.Parameters.Bool("DryRun"))
        {
            throw new AwsErrorException(new AwsError(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."));
        }

        var region = call.Caller.Account.FindRegion(call.Region);
        return call.Action switch
        {
            "DescribeRegions" => DescribeRegions(call),
            "DescribeInstances" => DescribeInstances(call, region?.Instances() ?? []),
            "DescribeVolumes" => DescribeVolumes(call, region?.Volumes() ?? []),
            "DescribeSpotPriceHistory" => DescribeSpotPriceHistory(call, region?.SpotPrices() ?? []),
            _ => DescribeAddresses(call, region?.Addresses() ?? []),
        };
    }

    public AwsReply Render(AwsError error, string requestId)
    {
        using var xml = new AwsXml("Response", "");
        xml.Start("Errors")
            .Start("Error")
            .Leaf("Code", error.Code)
            .Leaf("Message", error.Message)
            .End()
            .End()
            .Leaf("RequestID", requestId);
        return new AwsReply(error.Status, xml.ToArray(), error.Code);
    }

    private static AwsReply DescribeRegions(AwsCall call)
    {
        var all = call.Parameters.Bool("AllRegions");
        var names = call.Parameters.List("RegionName");
        var regions = call.Caller.Account.Regions.Where(r => all || r.Enabled || names.Contains(r.Name)).ToList();
        var unknown = names.FirstOrDefault(n => regions.TrueForAll(r => r.Name != n));
        if (unknown is not null)
        {
            throw AwsErrorException.InvalidParameterValue($"Invalid region: {unknown}");
        }

        var rows = regions
            .Where(r => names.Count == 0 || names.Contains(r.Name))
            .Select(r => (Region: r, OptInStatus: !r.Enabled ? "not-opted-in" : OptInRegions.Contains(r.Name) ? "opted-in" : "opt-in-not-required"))
            .Where(row => Matches(call.Parameters, name => name switch
            {
                "region-name" => [row.Region.Name],
                "endpoint" => [Endpoint(row.Region.Name)],
                "opt-in-status" => [row.OptInStatus],
                _ => null,
            }))
            .ToList();

        using var xml = Response("DescribeRegionsResponse", call);
        xml.Start("regionInfo");
        foreach (var (region, optInStatus) in rows)
        {
            xml.Start("item")
                .Leaf("regionName", region.Name)
                .Leaf("regionEndpoint", Endpoint(region.Name))
                .Leaf("optInStatus", optInStatus)
                .End();
        }

        xml.End();
        return new AwsReply(200, xml.ToArray());
    }

    private static AwsReply DescribeInstances(AwsCall call, FakeInstance[] instances)
    {
        var ids = call.Parameters.List("InstanceId");
        if (ids.Count > 0 && call.Parameters["MaxResults"] is not null)
        {
            throw new AwsErrorException(new AwsError(400, "InvalidParameterCombination",
                "The parameter instancesSet cannot be used with the parameter maxResults"));
        }

        var selected = SelectByIds(instances, ids, i => i.InstanceId, "InvalidInstanceID.NotFound", "instance ID");
        var matching = selected.Where(i => Matches(call.Parameters, name => name switch
        {
            "instance-id" => [i.InstanceId],
            "instance-state-name" => [i.State],
            "instance-state-code" => [StateCodes[i.State].ToString(CultureInfo.InvariantCulture)],
            "instance-type" => [i.InstanceType],
            "availability-zone" => [Zone(i.AvailabilityZone, call.Region)],
            "architecture" => [i.Architecture],
            "platform" => i.Platform is null ? [] : [i.Platform],
            "platform-details" => i.PlatformDetails is null ? [] : [i.PlatformDetails],
            "tenancy" => i.Tenancy is null ? [] : [i.Tenancy],
            "instance-lifecycle" => i.Lifecycle is null ? [] : [i.Lifecycle],
            _ => TagFilter(i.Tags, name),
        })).ToArray();
        var (page, nextToken) = Paginate(matching, call, maxLimit: 1000);

        using var xml = Response("DescribeInstancesResponse", call);
        xml.Start("reservationSet");
        foreach (var instance in page)
        {
            // One reservation per instance: real reservations group instances launched together.
            xml.Start("item")
                .Leaf("reservationId", "r-" + Suffix(instance.InstanceId))
                .Leaf("ownerId", call.Caller.Account.AccountId)
                .Start("groupSet").End()
                .Start("instancesSet")
                .Start("item")
                .Leaf("instanceId", instance.InstanceId)
                .Leaf("imageId", "ami-0123456789abcdef0")
                .Start("instanceState")
                .Leaf("code", StateCodes[instance.State])
                .Leaf("name", instance.State)
                .End()
                .Leaf("instanceType", instance.InstanceType)
                .Leaf("launchTime", instance.LaunchTime)
                .Leaf("reason", instance.StateTransitionReason ?? "")
                .Start("placement")
                .Leaf("availabilityZone", Zone(instance.AvailabilityZone, call.Region))
                .Leaf("tenancy", instance.Tenancy)
                .End()
                .Leaf("platform", instance.Platform)
                .Start("monitoring").Leaf("state", "disabled").End()
                .Leaf("architecture", instance.Architecture)
                .Leaf("rootDeviceType", "ebs")
                .Leaf("instanceLifecycle", instance.Lifecycle)
                .Leaf("virtualizationType", "hvm");
            Tags(xml, instance.Tags);
            xml.Leaf("platformDetails", instance.PlatformDetails)
                .End()
                .End()
                .End();
        }

        xml.End().Leaf("nextToken", nextToken);
        return new AwsReply(200, xml.ToArray());
    }

    private static AwsReply DescribeVolumes(AwsCall call, FakeVolume[] volumes)
    {
        var ids = call.Parameters.List("VolumeId");
        var selected = SelectByIds(volumes, ids, v => v.VolumeId, "InvalidVolume.NotFound", "volume");
        var matching = selected.Where(v => Matches(call.Parameters, name => name switch
        {
            "volume-id" => [v.VolumeId],
            "status" => [VolumeState(v)],
            "volume-type" => [v.VolumeType],
            "size" => [v.Size.ToString(CultureInfo.InvariantCulture)],
            "availability-zone" => [Zone(v.AvailabilityZone, call.Region)],
            "attachment.instance-id" => v.AttachedInstanceId is null ? [] : [v.AttachedInstanceId],
            _ => TagFilter(v.Tags, name),
        })).ToArray();
        var (page, nextToken) = Paginate(matching, call, maxLimit: 1000);

        using var xml = Response("DescribeVolumesResponse", call);
        xml.Start("volumeSet");
        foreach (var volume in page)
        {
            xml.Start("item")
                .Leaf("volumeId", volume.VolumeId)
                .Leaf("size", volume.Size)
                .Leaf("snapshotId", "")
                .Leaf("availabilityZone", Zone(volume.AvailabilityZone, call.Region))
                .Leaf("status", VolumeState(volume))
                .Leaf("createTime", volume.CreateTime)
                .Start("attachmentSet");
            if (volume.AttachedInstanceId is not null)
            {
                xml.Start("item")
                    .Leaf("volumeId", volume.VolumeId)
                    .Leaf("instanceId", volume.AttachedInstanceId)
                    .Leaf("device", "/dev/xvda")
                    .Leaf("status", "attached")
                    .Leaf("attachTime", volume.CreateTime)
                    .Leaf("deleteOnTermination", true)
                    .End();
            }

            xml.End();
            Tags(xml, volume.Tags);
            xml.Leaf("volumeType", volume.VolumeType)
                .Leaf("iops", volume.Iops)
                .Leaf("encrypted", false)
                .Leaf("multiAttachEnabled", false)
                .Leaf("throughput", volume.Throughput)
                .End();
        }

        xml.End().Leaf("nextToken", nextToken);
        return new AwsReply(200, xml.ToArray());
    }

    private static AwsReply DescribeAddresses(AwsCall call, FakeAddress[] addresses)
    {
        var byAllocation = SelectByIds(addresses, call.Parameters.List("AllocationId"), a => a.AllocationId, "InvalidAllocationID.NotFound", "allocation ID");
        var selected = SelectByIds(byAllocation, call.Parameters.List("PublicIp"), a => a.PublicIp, "InvalidAddress.NotFound", "address");
        var matching = selected.Where(a => Matches(call.Parameters, name => name switch
        {
            "allocation-id" => [a.AllocationId],
            "public-ip" => [a.PublicIp],
            "domain" => [a.Domain],
            "instance-id" => a.InstanceId is null ? [] : [a.InstanceId],
            "association-id" => a.AssociationId is null ? [] : [a.AssociationId],
            _ => TagFilter(a.Tags, name),
        }));

        using var xml = Response("DescribeAddressesResponse", call);
        xml.Start("addressesSet");
        foreach (var address in matching)
        {
            xml.Start("item")
                .Leaf("publicIp", address.PublicIp)
                .Leaf("allocationId", address.AllocationId)
                .Leaf("domain", address.Domain)
                .Leaf("instanceId", address.InstanceId)
                .Leaf("associationId", address.AssociationId);
            Tags(xml, address.Tags);
            xml.Leaf("publicIpv4Pool", "amazon")
                .Leaf("networkBorderGroup", call.Region)
                .End();
        }

        xml.End();
        return new AwsReply(200, xml.ToArray());
    }

    /// <summary>
    /// The price history, newest first. With StartTime, each availability zone, type and product's price in effect then (its
    /// last change at or before StartTime) and the changes after it; without, every change. EndTime (default: now) bounds both.
    /// </summary>
    private static AwsReply DescribeSpotPriceHistory(AwsCall call, FakeSpotPrice[] history)
    {
        var types = call.Parameters.List("InstanceType");
        var products = call.Parameters.List("ProductDescription");
        var zone = call.Parameters["AvailabilityZone"];
        var start = Time(call.Parameters, "StartTime");
        var end = Time(call.Parameters, "EndTime") ?? DateTimeOffset.UtcNow;
        if (start > end)
        {
            throw AwsErrorException.InvalidParameterValue("The start time must be before the end time.");
        }

        var matching = history.Where(p => (types.Count == 0 || types.Contains(p.InstanceType))
            && (products.Count == 0 || products.Contains(p.ProductDescription))
            && (zone is null || p.AvailabilityZone == zone)
            && p.Timestamp <= end
            && Matches(call.Parameters, name => name switch
            {
                "availability-zone" => [p.AvailabilityZone],
                "instance-type" => [p.InstanceType],
                "product-description" => [p.ProductDescription],
                _ => null,
            }));
        if (start is { } from)
        {
            matching = matching
                .GroupBy(p => (p.AvailabilityZone, p.InstanceType, p.ProductDescription))
                .SelectMany(changes => changes.Where(p => p.Timestamp > from)
                    .Concat(changes.Where(p => p.Timestamp <= from).OrderByDescending(p => p.Timestamp).Take(1)));
        }

        var (page, nextToken) = Paginate([.. matching.OrderByDescending(p => p.Timestamp)], call, maxLimit: 1000);

        using var xml = Response("DescribeSpotPriceHistoryResponse", call);
        xml.Start("spotPriceHistorySet");
        foreach (var price in page)
        {
            xml.Start("item")
                .Leaf("instanceType", price.InstanceType)
                .Leaf("productDescription", price.ProductDescription)
                .Leaf("spotPrice", price.Price)
                .Leaf("timestamp", price.Timestamp)
                .Leaf("availabilityZone", price.AvailabilityZone)
                .End();
        }

        xml.End().Leaf("nextToken", nextToken);
        return new AwsReply(200, xml.ToArray());
    }

    private static DateTimeOffset? Time(AwsParameters parameters, string name)
    {
        if (parameters[name] is not { } text)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw AwsErrorException.InvalidParameterValue($"Value ({text}) for parameter {char.ToLowerInvariant(name[0])}{name[1..]} is invalid.");
    }

    private static AwsXml Response(string root, AwsCall call)
    {
        var xml = new AwsXml(root, Namespace);
        xml.Leaf("requestId", call.RequestId);
        return xml;
    }

    /// <summary>EC2 omits an empty tagSet, so SDK v4 clients see Tags == null.</summary>
    private static void Tags(AwsXml xml, IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count == 0)
        {
            return;
        }

        xml.Start("tagSet");
        foreach (var (key, value) in tags)
        {
            xml.Start("item").Leaf("key", key).Leaf("value", value).End();
        }

        xml.End();
    }

    private static T[] SelectByIds<T>(T[] items, IReadOnlyList<string> ids, Func<T, string> id, string notFoundCode, string noun)
    {
        if (ids.Count == 0)
        {
            return items;
        }

        var missing = ids.Where(wanted => !Array.Exists(items, item => id(item) == wanted)).ToList();
        if (missing.Count > 0)
        {
            var quoted = string.Join(", ", missing.Select(m => $"'{m}'"));
            throw new AwsErrorException(new AwsError(400, notFoundCode,
                missing.Count == 1 ? $"The {noun} {quoted} does not exist" : $"The {noun}s {quoted} do not exist"));
        }

        return [.. items.Where(item => ids.Contains(id(item)))];
    }

    /// <summary>
    /// True when the item passes every Filter.N (any of its values equals any filter value; no wildcards).
    /// <paramref name="values"/> returns null for a filter name the action does not know.
    /// </summary>
    private static bool Matches(AwsParameters parameters, Func<string, IEnumerable<string>?> values)
    {
        foreach (var (name, wanted) in parameters.Filters())
        {
            var actual = values(name) ?? throw AwsErrorException.InvalidParameterValue($"The filter '{name}' is invalid");
            if (!actual.Any(wanted.Contains))
            {
                return false;
            }
        }

        return true;
    }

    private static IEnumerable<string>? TagFilter(IReadOnlyDictionary<string, string> tags, string name)
    {
        if (name == "tag-key")
        {
            return tags.Keys;
        }

        if (name.StartsWith("tag:", StringComparison.Ordinal))
        {
            return tags.TryGetValue(name[4..], out var value) ? [value] : [];
        }

        return name == "tag-value" ? tags.Values : null;
    }

    /// <summary>
    /// MaxResults must be 5..<paramref name="maxLimit"/> (400 InvalidParameterValue otherwise, as AWS does);
    /// without it the page holds everything. The token is opaque to clients: base64 of action and offset.
    /// </summary>
    private static (T[] Page, string? NextToken) Paginate<T>(T[] items, AwsCall call, int maxLimit)
    {
        var maxResults = call.Parameters.Int("MaxResults");
        if (maxResults < 5)
        {
            throw AwsErrorException.InvalidParameterValue($"Value ( {maxResults} ) for parameter maxResults is invalid. Expecting a value greater than 5.");
        }

        if (maxResults > maxLimit)
        {
            throw AwsErrorException.InvalidParameterValue($"Value ( {maxResults} ) for parameter maxResults is invalid. Expecting a value less than {maxLimit}.");
        }

        var offset = 0;
        if (call.Parameters["NextToken"] is { Length: > 0 } token)
        {
            offset = DecodeToken(token, call.Action)
                ?? throw AwsErrorException.InvalidParameterValue($"Invalid value '{token}' for parameter nextToken.");
        }

        var size = maxResults ?? items.Length;
        var page = items.Skip(offset).Take(size).ToArray();
        return (page, offset + size < items.Length ? EncodeToken(call.Action, offset + size) : null);
    }

    private static string EncodeToken(string action, int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"fake-ec2|{action}|{offset.ToString(CultureInfo.InvariantCulture)}"));

    private static int? DecodeToken(string token, string action)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|');
            return parts is ["fake-ec2", var tokenAction, var offset] && tokenAction == action
                && int.TryParse(offset, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                ? value
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string Endpoint(string region) => $"ec2.{region}.amazonaws.com";

    private static string Zone(string? zone, string region) => zone ?? region + "a";

    private static string VolumeState(FakeVolume volume) => volume.State ?? (volume.AttachedInstanceId is null ? "available" : "in-use");

    private static string Suffix(string id) => id.Contains('-', StringComparison.Ordinal) ? id[(id.IndexOf('-', StringComparison.Ordinal) + 1)..] : id;
}
