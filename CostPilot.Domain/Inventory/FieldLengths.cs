namespace CostPilot.Domain.Inventory;

/// <summary>
/// The longest text CostPilot stores for each discovered field: the database columns are this wide, and discovery checks
/// answers against the same numbers (AWS's own values are far shorter).
/// </summary>
public static class FieldLengths
{
    public const int Region = 32;
    public const int InstanceId = 32;
    public const int InstanceType = 32;
    public const int InstanceState = 32;
    public const int AvailabilityZone = 64;
    public const int Platform = 64;
    public const int Architecture = 16;
    public const int Lifecycle = 16;
    public const int Tenancy = 16;

    /// <summary>Names are free text: clipped to this, not refused.</summary>
    public const int Name = 256;

    public const int VolumeId = 32;
    public const int VolumeType = 16;
    public const int VolumeState = 16;
    public const int AllocationId = 64;
    public const int PublicIp = 45;
    public const int AssociationId = 64;
    public const int AddressDomain = 16;
}
