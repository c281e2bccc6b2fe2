using System.Collections.Frozen;
using CostPilot.Domain.Pricing;

namespace CostPilot.Infrastructure.Pricing;

/// <summary>
/// The facts of every EC2 instance type in the shipped snapshot (<see cref="PriceSnapshot.InstanceTypes"/>): vCPUs, memory,
/// architecture, generation. Read-only; loaded once, on first use.
/// </summary>
public sealed class InstanceTypeCatalog : IInstanceTypeCatalog
{
    private static readonly Lazy<InstanceTypeCatalog> Snapshot = new(Load);

    private InstanceTypeCatalog(FrozenDictionary<string, InstanceTypeFacts> byType) => ByType = byType;

    /// <summary>The shipped catalog, parsed on first use (thread-safe) and shared afterwards.</summary>
    public static InstanceTypeCatalog Default => Snapshot.Value;

    /// <summary>Every type by its name ("m5.large"), case-sensitive as EC2 reports it.</summary>
    public IReadOnlyDictionary<string, InstanceTypeFacts> ByType { get; }

    public int Count => ByType.Count;

    /// <summary>The facts of one type; null for a type the snapshot does not know.</summary>
    public InstanceTypeFacts? Find(string instanceType) => ByType.GetValueOrDefault(instanceType);

    public IEnumerable<InstanceTypeFacts> All => ByType.Values;

    /// <summary>Parses the embedded snapshot again (a new catalog each call; <see cref="Default"/> is the shared one).</summary>
    public static InstanceTypeCatalog Load()
    {
        using var reader = PriceSnapshot.OpenText(PriceSnapshot.InstanceTypes);
        return Parse(reader, PriceSnapshot.InstanceTypes);
    }

    /// <summary>Parses ec2-instance-types.csv; anything malformed throws a <see cref="FormatException"/> naming the file and line.</summary>
    internal static InstanceTypeCatalog Parse(TextReader reader, string file)
    {
        var csv = SnapshotCsv.Open(reader, file, "instance_type", "family", "size", "vcpu", "memory_gib", "architecture", "current_generation");
        int type = csv.Column("instance_type"), family = csv.Column("family"), size = csv.Column("size"), vcpu = csv.Column("vcpu"),
            memory = csv.Column("memory_gib"), architecture = csv.Column("architecture"), current = csv.Column("current_generation");
        var facts = new Dictionary<string, InstanceTypeFacts>(StringComparer.Ordinal);
        while (csv.Read())
        {
            var name = csv.RequiredText(type);
            var row = new InstanceTypeFacts(name, csv.RequiredText(family), csv.RequiredText(size), csv.RequiredInt(vcpu), csv.RequiredDecimal(memory),
                InstanceTypeFacts.ArchitectureOf(csv.Text(architecture)) ?? throw csv.Error($"architecture '{csv.Text(architecture)}' is neither x86_64 nor arm64"),
                csv.OptionalBool(current));
            if (row.VCpus <= 0 || row.MemoryGiB <= 0m)
            {
                throw csv.Error($"{name} has {row.VCpus} vCPUs and {row.MemoryGiB} GiB: both must be positive");
            }
            if (name != $"{row.Family}.{row.Size}")
            {
                throw csv.Error($"{name} is not family '{row.Family}' dot size '{row.Size}'");
            }
            if (!facts.TryAdd(name, row))
            {
                throw csv.Error($"a second row for {name}");
            }
        }
        if (facts.Count == 0)
        {
            throw new FormatException($"{file}: no instance type at all.");
        }
        return new InstanceTypeCatalog(facts.ToFrozenDictionary(StringComparer.Ordinal));
    }
}
