using CostPilot.Domain.Inventory;

namespace CostPilot.Infrastructure.Discovery;

/// <summary>
/// What an inventory answer must satisfy before it is stored: ids present, and every text within its column. AWS's own
/// values are far shorter; one that is not means the answer is wrong, and the region fails with a message saying which
/// value, rather than the database refusing the whole page with an error nobody can read. Names are clipped instead
/// (they are free text); tags are stored whole.
/// </summary>
public static class InventoryLimits
{
    public static void Check(DiscoveredInstance i, string region)
    {
        Id(i.InstanceId, "an instance", region);
        Text(i.InstanceId, FieldLengths.InstanceId, "instance id", i.InstanceId, region);
        Text(i.InstanceType, FieldLengths.InstanceType, "instance type", i.InstanceId, region);
        Text(i.State, FieldLengths.InstanceState, "state", i.InstanceId, region);
        Text(i.AvailabilityZone, FieldLengths.AvailabilityZone, "availability zone", i.InstanceId, region);
        Text(i.Platform, FieldLengths.Platform, "platform", i.InstanceId, region);
        Text(i.Architecture, FieldLengths.Architecture, "architecture", i.InstanceId, region);
        Text(i.Lifecycle, FieldLengths.Lifecycle, "lifecycle", i.InstanceId, region);
        Text(i.Tenancy, FieldLengths.Tenancy, "tenancy", i.InstanceId, region);
    }

    public static void Check(DiscoveredVolume v, string region)
    {
        Id(v.VolumeId, "a volume", region);
        Text(v.VolumeId, FieldLengths.VolumeId, "volume id", v.VolumeId, region);
        Text(v.VolumeType, FieldLengths.VolumeType, "volume type", v.VolumeId, region);
        Text(v.State, FieldLengths.VolumeState, "state", v.VolumeId, region);
        Text(v.AvailabilityZone, FieldLengths.AvailabilityZone, "availability zone", v.VolumeId, region);
        Text(v.AttachedInstanceId, FieldLengths.InstanceId, "attached instance id", v.VolumeId, region);
    }

    public static void Check(DiscoveredAddress a, string region)
    {
        Id(a.AllocationId, "an elastic IP address", region);
        Text(a.AllocationId, FieldLengths.AllocationId, "allocation id", a.AllocationId, region);
        if (string.IsNullOrWhiteSpace(a.PublicIp))
        {
            throw Invalid($"AWS listed the elastic IP address {Preview(a.AllocationId)} in {region} without its public IP.");
        }
        Text(a.PublicIp, FieldLengths.PublicIp, "public IP", a.AllocationId, region);
        Text(a.InstanceId, FieldLengths.InstanceId, "instance id", a.AllocationId, region);
        Text(a.AssociationId, FieldLengths.AssociationId, "association id", a.AllocationId, region);
        Text(a.Domain, FieldLengths.AddressDomain, "domain", a.AllocationId, region);
    }

    private static void Id(string? id, string what, string region)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw Invalid($"AWS listed {what} in {region} without an id.");
        }
    }

    private static void Text(string? value, int max, string field, string owner, string region)
    {
        if (value is { Length: var length } && length > max)
        {
            throw Invalid($"AWS answered for {Preview(owner)} in {region} with a value CostPilot cannot store: its {field} is {length} characters long (at most {max}).");
        }
    }

    private static string Preview(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static InventoryException Invalid(string message) => new(InventoryFailure.InvalidAnswer, message);
}
