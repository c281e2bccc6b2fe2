using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CostPilot.Tests.Fakes;

/// <summary>
/// EC2 over the EC2 Query protocol (form POST with Version=2016-11-15, XML answer in
/// http://ec2.amazonaws.com/doc/2016-11-15/, errors as &lt;Response&gt;&lt;Errors&gt;&lt;Error&gt;). Reads: DescribeRegions,
/// DescribeInstances, DescribeInstanceStatus, DescribeVolumes, DescribeAddresses, DescribeSpotPriceHistory. Changes (see
/// <see cref="FakeInstance"/>): StopInstances, StartInstances, ModifyInstanceAttribute (instanceType only), CreateTags and
/// DeleteTags (on instances only). Every action is checked in this order: the account's <see cref="FakeAwsAccount.Deny"/>
/// (403 UnauthorizedOperation), the instances named (400 InvalidInstanceID.NotFound), DryRun (412 DryRunOperation), then the
/// instances' states.
/// </summary>
internal sealed class FakeEc2Api(FakeEc2Settings settings) : IFakeAwsApi
{
    public const string Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

    private const int MaxTagsPerResource = 50;

    private static readonly string[] ZoneLetters = ["a", "b", "c"];

    private static readonly HashSet<string> ReadActions =
        ["DescribeRegions", "DescribeInstances", "DescribeInstanceStatus", "DescribeVolumes", "DescribeAddresses", "DescribeSpotPriceHistory"];

    private static readonly HashSet<string> WriteActions =
        ["StopInstances", "StartInstances", "ModifyInstanceAttribute", "CreateTags", "DeleteTags"];

    // ModifyInstanceAttribute's parameters that are not attributes.
    private static readonly HashSet<string> ModifyNonAttributes = ["Action", "Version", "InstanceId", "DryRun", "Attribute", "Value"];

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
        var region = call.Caller.Account.FindRegion(call.Region);
        if (WriteActions.Contains(call.Action))
        {
            return call.Action switch
            {
                "StopInstances" => StopInstances(call, region),
                "StartInstances" => StartInstances(call, region),
                "ModifyInstanceAttribute" => ModifyInstanceAttribute(call, region),
                "CreateTags" => CreateTags(call, region),
                _ => DeleteTags(call, region),
            };
        }

        if (!ReadActions.Contains(call.Action))
        {
            throw new AwsErrorException(new AwsError(400, "InvalidAction", $"The action {call.Action} is not valid for this web service."));
        }

        Authorize(call, resourceId: null);
        DryRun(call);
        return call.Action switch
        {
            "DescribeRegions" => DescribeRegions(call),
            "DescribeInstances" => DescribeInstances(call, region?.Instances() ?? []),
            "DescribeInstanceStatus" => DescribeInstanceStatus(call, region?.Instances() ?? []),
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

    private AwsReply DescribeInstances(AwsCall call, FakeInstance[] instances)
    {
        var ids = call.Parameters.List("InstanceId");
        if (ids.Count > 0 && call.Parameters["MaxResults"] is not null)
        {
            throw new AwsErrorException(new AwsError(400, "InvalidParameterCombination",
                "The parameter instancesSet cannot be used with the parameter maxResults"));
        }

        var now = settings.Now;
        var selected = SelectByIds(instances, ids, i => i.InstanceId, "InvalidInstanceID.NotFound", "instance ID");
        var matching = selected.Select(i => i.View(now)).Where(view => Matches(call.Parameters, name => name switch
        {
            "instance-id" => [view.Instance.InstanceId],
            "instance-state-name" => [view.State],
            "instance-state-code" => [StateCodes[view.State].ToString(CultureInfo.InvariantCulture)],
            "instance-type" => [view.InstanceType],
            "availability-zone" => [Zone(view.Instance.AvailabilityZone, call.Region)],
            "architecture" => [view.Instance.Architecture],
            "platform" => view.Instance.Platform is { } platform ? [platform] : [],
            "platform-details" => view.Instance.PlatformDetails is { } details ? [details] : [],
            "tenancy" => view.Instance.Tenancy is { } tenancy ? [tenancy] : [],
            "instance-lifecycle" => view.Instance.Lifecycle is { } lifecycle ? [lifecycle] : [],
            _ => TagFilter(view.Tags, name),
        })).ToArray();
        var (page, nextToken) = Paginate(matching, call, maxLimit: 1000);

        using var xml = Response("DescribeInstancesResponse", call);
        xml.Start("reservationSet");
        foreach (var view in page)
        {
            var instance = view.Instance;
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
                .Leaf("code", StateCodes[view.State])
                .Leaf("name", view.State)
                .End()
                .Leaf("instanceType", view.InstanceType)
                .Leaf("launchTime", instance.LaunchTime)
                .Leaf("reason", view.StateTransitionReason ?? "");
            if (view.UserInitiatedShutdown)
            {
                xml.Start("stateReason")
                    .Leaf("code", "Client.UserInitiatedShutdown")
                    .Leaf("message", "Client.UserInitiatedShutdown: User initiated shutdown")
                    .End();
            }

            xml.Start("placement")
                .Leaf("availabilityZone", Zone(instance.AvailabilityZone, call.Region))
                .Leaf("tenancy", instance.Tenancy)
                .End()
                .Leaf("platform", instance.Platform)
                .Start("monitoring").Leaf("state", "disabled").End()
                .Leaf("architecture", instance.Architecture)
                .Leaf("rootDeviceType", "ebs")
                .Leaf("instanceLifecycle", instance.Lifecycle)
                .Leaf("virtualizationType", "hvm");
            Tags(xml, view.Tags);
            xml.Leaf("platformDetails", instance.PlatformDetails)
                .End()
                .End()
                .End();
        }

        xml.End().Leaf("nextToken", nextToken);
        return new AwsReply(200, xml.ToArray());
    }

    /// <summary>
    /// The status checks of the running instances, or with IncludeAllInstances=true of every instance (not-applicable unless
    /// running). InstanceId.N names instances (not with MaxResults); pages like DescribeInstances.
    /// </summary>
    private AwsReply DescribeInstanceStatus(AwsCall call, FakeInstance[] instances)
    {
        var ids = call.Parameters.List("InstanceId");
        if (ids.Count > 0 && call.Parameters["MaxResults"] is not null)
        {
            throw new AwsErrorException(new AwsError(400, "InvalidParameterCombination",
                "The parameter instancesSet cannot be used with the parameter maxResults"));
        }

        var all = call.Parameters.Bool("IncludeAllInstances");
        var now = settings.Now;
        var selected = SelectByIds(instances, ids, i => i.InstanceId, "InvalidInstanceID.NotFound", "instance ID");
        var matching = selected.Select(i => i.View(now))
            .Where(view => all || view.State == "running")
            .Where(view => Matches(call.Parameters, name => name switch
            {
                "availability-zone" => [Zone(view.Instance.AvailabilityZone, call.Region)],
                "instance-state-name" => [view.State],
                "instance-state-code" => [StateCodes[view.State].ToString(CultureInfo.InvariantCulture)],
                "instance-status.status" => [view.InstanceStatus.Status],
                "instance-status.reachability" => view.InstanceStatus.Reachability is { } reachability ? [reachability] : [],
                "system-status.status" => [view.SystemStatus.Status],
                "system-status.reachability" => view.SystemStatus.Reachability is { } reachability ? [reachability] : [],
                _ => null,
            }))
            .ToArray();
        var (page, nextToken) = Paginate(matching, call, maxLimit: 1000);

        using var xml = Response("DescribeInstanceStatusResponse", call);
        xml.Start("instanceStatusSet");
        foreach (var view in page)
        {
            xml.Start("item")
                .Leaf("instanceId", view.Instance.InstanceId)
                .Leaf("availabilityZone", Zone(view.Instance.AvailabilityZone, call.Region));
            State(xml, "instanceState", view.State);
            StatusSummary(xml, "systemStatus", view.SystemStatus);
            StatusSummary(xml, "instanceStatus", view.InstanceStatus);
            xml.End();
        }

        xml.End().Leaf("nextToken", nextToken);
        return new AwsReply(200, xml.ToArray());
    }

    /// <summary>Stops running instances (stopping, then stopped after the stop delay); stopping and stopped ones are left as they are.</summary>
    private AwsReply StopInstances(AwsCall call, FakeRegion? region)
    {
        var (target, instances) = Prepare(call, region, call.Parameters.List("InstanceId"), "InstanceId");
        if (call.Parameters.Bool("Hibernate"))
        {
            throw Unsupported("The fake EC2 does not hibernate instances.");
        }

        var force = call.Parameters.Bool("Force");
        var changes = new List<(string InstanceId, string Previous, string Current)>();
        lock (target.ActionGate)
        {
            var now = settings.Now;
            foreach (var instance in instances)
            {
                if (instance.CannotStop(now) is { } reason)
                {
                    throw IncorrectInstanceState(reason);
                }
            }

            var delay = settings.StopDelay;
            foreach (var instance in instances)
            {
                var (previous, current) = instance.Stop(now, delay, force);
                changes.Add((instance.InstanceId, previous, current));
            }
        }

        return StateChanges("StopInstancesResponse", call, changes);
    }

    /// <summary>
    /// Starts stopped instances (pending, then running after the start delay, then status checks after theirs); pending and
    /// running ones are left as they are. A capacity fault of the region (<see cref="FakeRegion.FailNextStart"/>,
    /// <see cref="FakeRegion.RemoveCapacity"/>) answers 500 InsufficientInstanceCapacity and starts none.
    /// </summary>
    private AwsReply StartInstances(AwsCall call, FakeRegion? region)
    {
        var (target, instances) = Prepare(call, region, call.Parameters.List("InstanceId"), "InstanceId");
        var changes = new List<(string InstanceId, string Previous, string Current)>();
        lock (target.ActionGate)
        {
            var now = settings.Now;
            foreach (var instance in instances)
            {
                if (instance.CannotStart(now) is { } reason)
                {
                    throw IncorrectInstanceState(reason);
                }
            }

            foreach (var instance in instances)
            {
                var type = instance.InstanceType;
                if (instance.IsStopped(now) && target.TakeCapacityFault(instance, type))
                {
                    throw InsufficientCapacity(type, Zone(instance.AvailabilityZone, call.Region), call.Region);
                }
            }

            var (delay, checksDelay) = (settings.StartDelay, settings.StatusCheckDelay);
            foreach (var instance in instances)
            {
                var (previous, current) = instance.Start(now, delay, checksDelay);
                changes.Add((instance.InstanceId, previous, current));
            }
        }

        return StateChanges("StartInstancesResponse", call, changes);
    }

    /// <summary>
    /// Changes the type of a stopped instance: InstanceType.Value=TYPE (what SDK v4 sends for
    /// <c>ModifyInstanceAttributeRequest.InstanceType</c>) or Attribute=instanceType with Value=TYPE. One attribute a call, as
    /// EC2 wants; the fake changes no other attribute (400 UnsupportedOperation).
    /// </summary>
    private AwsReply ModifyInstanceAttribute(AwsCall call, FakeRegion? region)
    {
        var parameters = call.Parameters;
        var attributes = parameters.Names
            .Where(name => !ModifyNonAttributes.Contains(name))
            .Select(name => name.Split('.')[0])
            .Distinct(StringComparer.Ordinal)
            .ToList();
        if (parameters["Attribute"] is { } named)
        {
            attributes.Add(named);
        }

        if (attributes.Count == 0)
        {
            throw new AwsErrorException(new AwsError(400, "InvalidParameterCombination", "No attributes specified."));
        }

        if (attributes.Count > 1)
        {
            throw new AwsErrorException(new AwsError(400, "InvalidParameterCombination",
                $"Only one attribute can be modified at a time; the request names {string.Join(", ", attributes)}."));
        }

        if (attributes[0] is not ("InstanceType" or "instanceType"))
        {
            throw Unsupported($"The fake EC2 modifies the instanceType attribute only, not {attributes[0]}.");
        }

        var instanceType = parameters["InstanceType.Value"] ?? parameters["Value"] ?? throw MissingParameter("value");
        var instanceId = parameters["InstanceId"] is { } id ? [id] : Array.Empty<string>();
        var (target, instances) = Prepare(call, region, instanceId, "instanceId");
        if (!settings.IsInstanceType(instanceType))
        {
            throw new AwsErrorException(new AwsError(400, "InvalidInstanceAttributeValue",
                $"Value ({instanceType}) for parameter instanceType is invalid. Unknown instance type."));
        }

        lock (target.ActionGate)
        {
            var instance = instances[0];
            if (!instance.TryChangeType(settings.Now, instanceType))
            {
                throw IncorrectInstanceState($"The instance '{instance.InstanceId}' is not in the 'stopped' state.");
            }
        }

        return Return("ModifyInstanceAttributeResponse", call);
    }

    /// <summary>Adds or overwrites tags of instances (Tag.N.Key, Tag.N.Value; no value means an empty one), at most 50 an instance.</summary>
    private static AwsReply CreateTags(AwsCall call, FakeRegion? region)
    {
        var tags = new List<(string Key, string Value)>();
        foreach (var (key, value) in TagParameters(call.Parameters))
        {
            if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw AwsErrorException.InvalidParameterValue($"Tag keys starting with 'aws:' are reserved for internal use: {key}");
            }

            if (key.Length is 0 or > 128 || value?.Length > 256)
            {
                throw AwsErrorException.InvalidParameterValue($"Tag {key}: keys have 1 to 128 characters, values up to 256.");
            }

            tags.Add((key, value ?? ""));
        }

        if (tags.Count == 0)
        {
            throw MissingParameter("Tag");
        }

        var (target, instances) = Prepare(call, region, TaggedInstanceIds(call), "ResourceId");
        lock (target.ActionGate)
        {
            var keys = tags.Select(t => t.Key).ToList();
            if (instances.FirstOrDefault(i => i.TagCountWith(keys) > MaxTagsPerResource) is { } full)
            {
                throw new AwsErrorException(new AwsError(400, "TagLimitExceeded",
                    $"The maximum number of tags ({MaxTagsPerResource}) for resource {full.InstanceId} has been reached."));
            }

            foreach (var instance in instances)
            {
                instance.SetTags(tags);
            }
        }

        return Return("CreateTagsResponse", call);
    }

    /// <summary>
    /// Deletes tags of instances: Tag.N.Key alone deletes the key, with Tag.N.Value only when the value matches (empty included);
    /// no Tag.N at all deletes every tag but the aws: ones.
    /// </summary>
    private static AwsReply DeleteTags(AwsCall call, FakeRegion? region)
    {
        var tags = TagParameters(call.Parameters);
        var (target, instances) = Prepare(call, region, TaggedInstanceIds(call), "ResourceId");
        lock (target.ActionGate)
        {
            foreach (var instance in instances)
            {
                instance.DeleteTags(tags.Count == 0 ? null : tags);
            }
        }

        return Return("DeleteTagsResponse", call);
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

    /// <summary>
    /// The instances a mutating action names, after the checks every such action makes first: the account may call it (403
    /// UnauthorizedOperation), each instance exists (400 InvalidInstanceID.NotFound), DryRun (412 DryRunOperation).
    /// </summary>
    private static (FakeRegion Region, FakeInstance[] Instances) Prepare(AwsCall call, FakeRegion? region, IReadOnlyList<string> ids, string parameter)
    {
        if (ids.Count == 0)
        {
            throw MissingParameter(parameter);
        }

        Authorize(call, ids[0]);
        var instances = SelectByIds(region?.Instances() ?? [], [.. ids.Distinct(StringComparer.Ordinal)], i => i.InstanceId,
            "InvalidInstanceID.NotFound", "instance ID");
        DryRun(call);
        var ordered = ids.Distinct(StringComparer.Ordinal).Select(id => Array.Find(instances, i => i.InstanceId == id)!).ToArray();
        return (region!, ordered);
    }

    /// <summary>
    /// 403 UnauthorizedOperation when the caller's account denies the action (<see cref="FakeAwsAccount.Deny"/>), worded as EC2
    /// words a missing grant. The encoded authorization message is the fake's own (base64url JSON), not one STS can decode.
    /// </summary>
    private static void Authorize(AwsCall call, string? resourceId)
    {
        if (!call.Caller.Account.Denies(call.Action))
        {
            return;
        }

        var action = "ec2:" + call.Action;
        var resource = resourceId is null ? null : $"arn:aws:ec2:{call.Region}:{call.Caller.Account.AccountId}:instance/{resourceId}";
        var onResource = resource is null ? "" : $" on resource: {resource}";
        var encoded = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            allowed = false,
            explicitDeny = false,
            context = new { principal = new { arn = call.Caller.Arn }, action, resource = resource ?? "*" },
        })));
        throw new AwsErrorException(new AwsError(403, "UnauthorizedOperation",
            $"You are not authorized to perform this operation. User: {call.Caller.Arn} is not authorized to perform: {action}{onResource} " +
            $"because no identity-based policy allows the {action} action. Encoded authorization failure message: {encoded}"));
    }

    private static void DryRun(AwsCall call)
    {
        if (call.Parameters.Bool("DryRun"))
        {
            throw new AwsErrorException(new AwsError(412, "DryRunOperation", "Request would have succeeded, but DryRun flag is set."));
        }
    }

    /// <summary>ResourceId.N of CreateTags/DeleteTags: the fake tags instances only.</summary>
    private static IReadOnlyList<string> TaggedInstanceIds(AwsCall call)
    {
        var ids = call.Parameters.List("ResourceId");
        if (ids.FirstOrDefault(id => !id.StartsWith("i-", StringComparison.Ordinal)) is { } other)
        {
            throw Unsupported($"The fake EC2 tags instances only, not {other}.");
        }

        return ids;
    }

    /// <summary>Tag.N.Key with Tag.N.Value (null when the request has no Tag.N.Value).</summary>
    private static List<(string Key, string? Value)> TagParameters(AwsParameters parameters)
    {
        var tags = new List<(string, string?)>();
        for (var i = 1; parameters[$"Tag.{i}.Key"] is { } key; i++)
        {
            tags.Add((key, parameters[$"Tag.{i}.Value"]));
        }

        return tags;
    }

    private static AwsReply StateChanges(string root, AwsCall call, List<(string InstanceId, string Previous, string Current)> changes)
    {
        using var xml = Response(root, call);
        xml.Start("instancesSet");
        foreach (var (instanceId, previous, current) in changes)
        {
            xml.Start("item").Leaf("instanceId", instanceId);
            State(xml, "currentState", current);
            State(xml, "previousState", previous);
            xml.End();
        }

        xml.End();
        return new AwsReply(200, xml.ToArray());
    }

    private static void State(AwsXml xml, string element, string state) =>
        xml.Start(element).Leaf("code", StateCodes[state]).Leaf("name", state).End();

    private static void StatusSummary(AwsXml xml, string element, FakeCheckView check)
    {
        xml.Start(element).Leaf("status", check.Status);
        if (check.Reachability is { } reachability)
        {
            xml.Start("details").Start("item").Leaf("name", "reachability").Leaf("status", reachability);
            if (check.ImpairedSince is { } since)
            {
                xml.Leaf("impairedSince", since);
            }

            xml.End().End();
        }

        xml.End();
    }

    /// <summary>&lt;ROOT&gt;&lt;requestId/&gt;&lt;return&gt;true&lt;/return&gt;&lt;/ROOT&gt;, EC2's answer to actions that return nothing else.</summary>
    private static AwsReply Return(string root, AwsCall call)
    {
        using var xml = Response(root, call);
        xml.Leaf("return", true);
        return new AwsReply(200, xml.ToArray());
    }

    private static AwsErrorException IncorrectInstanceState(string message) => new(new AwsError(400, "IncorrectInstanceState", message));

    private static AwsErrorException Unsupported(string message) => new(new AwsError(400, "UnsupportedOperation", message));

    private static AwsErrorException MissingParameter(string name) =>
        new(new AwsError(400, "MissingParameter", $"The request must contain the parameter {name}"));

    /// <summary>EC2's capacity error: a server error (500), which SDKs retry.</summary>
    private static AwsErrorException InsufficientCapacity(string instanceType, string zone, string region)
    {
        var others = string.Join(", ", ZoneLetters.Select(letter => region + letter).Where(z => z != zone));
        return new(new AwsError(500, "InsufficientInstanceCapacity",
            $"We currently do not have sufficient {instanceType} capacity in the Availability Zone you requested ({zone}). " +
            "Our system will be working on provisioning additional capacity. You can currently get " +
            $"{instanceType} capacity by not specifying an Availability Zone in your request or choosing {others}.", Sender: false));
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
