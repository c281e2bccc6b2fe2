using System.Globalization;
using CostPilot.Domain.Pricing;

namespace CostPilot.Domain.Recommendations;

/// <summary>
/// The instance-type catalog arranged for the engine, built once per engine: for every type, the types it could move to —
/// smaller sizes of its family, newer generations of its line, Graviton equivalents — each list already filtered by the
/// facts (vCPUs, memory, architecture, generation) so that evaluating an instance only prices a handful of candidates.
/// </summary>
internal sealed class InstanceTypeIndex
{
    /// <summary>
    /// Letter prefixes of accelerated families (GPU, FPGA, machine-learning chips, video transcoding). CPU utilization says
    /// nothing about their accelerators, a smaller size has fewer of them, and a newer generation has a different one: the
    /// engine never proposes a type change for these. The type facts carry no accelerator count, hence this short list.
    /// </summary>
    private static readonly HashSet<string> AcceleratedPrefixes = new(["g", "gr", "p", "f", "inf", "trn", "dl", "vt"], StringComparer.Ordinal);

    private readonly Dictionary<string, IndexedType> _byType;

    public InstanceTypeIndex(IInstanceTypeCatalog types)
    {
        ArgumentNullException.ThrowIfNull(types);
        var all = types.All.Select(f => (Facts: f, Name: TypeName.Parse(f.Family))).ToList();
        // Sorted once, so every list below comes out in order: a family by vCPUs, then memory, then name…
        var byFamily = all.OrderBy(t => t.Facts.VCpus).ThenBy(t => t.Facts.MemoryGiB).ThenBy(t => t.Facts.InstanceType, StringComparer.Ordinal)
            .ToLookup(t => t.Facts.Family, StringComparer.Ordinal);
        // …and a line (a prefix and an attribute suffix across generations: "m" + "d" is m5d, m6d…), keyed with the size, newest first.
        var byLineAndSize = all.Where(t => t.Name is not null)
            .OrderByDescending(t => t.Name!.Value.Generation).ThenBy(t => t.Facts.InstanceType, StringComparer.Ordinal)
            .ToLookup(t => (t.Name!.Value.Prefix, t.Name.Value.Suffix, t.Facts.Size));

        _byType = new Dictionary<string, IndexedType>(all.Count, StringComparer.Ordinal);
        foreach (var (facts, name) in all)
        {
            var accelerated = name is { } n && AcceleratedPrefixes.Contains(n.Prefix);
            var smaller = accelerated ? [] : byFamily[facts.Family]
                .Select(c => c.Facts)
                .Where(c => c.VCpus < facts.VCpus && c.Architecture == facts.Architecture && !IsBareMetal(c)
                    // memory per vCPU not lower: candidate memory / candidate vCPUs >= current memory / current vCPUs
                    && c.MemoryGiB * facts.VCpus >= facts.MemoryGiB * c.VCpus)
                .ToArray();
            InstanceTypeFacts[] newer = [];
            InstanceTypeFacts[] graviton = [];
            if (name is { } line && !accelerated)
            {
                newer = [.. byLineAndSize[(line.Prefix, line.Suffix, facts.Size)]
                    .Where(c => c.Name!.Value.Generation > line.Generation && c.Facts.Architecture == facts.Architecture && IsEquivalent(c.Facts, facts))
                    .Select(c => c.Facts)];
                if (facts.Architecture == CpuArchitecture.X64)
                {
                    graviton = [.. byLineAndSize[(line.Prefix, GravitonSuffix(line.Suffix), facts.Size)]
                        .Where(c => c.Facts.Architecture == CpuArchitecture.Arm64 && IsEquivalent(c.Facts, facts))
                        .Select(c => c.Facts)];
                }
            }
            _byType[facts.InstanceType] = new IndexedType(facts, name?.Generation ?? 0, name?.Prefix == "t", accelerated, smaller, newer, graviton);
        }
    }

    public int Count => _byType.Count;

    public IndexedType? Find(string instanceType) => _byType.GetValueOrDefault(instanceType);

    /// <summary>
    /// The arm64 attribute suffix that matches an x86 one: the processor letter ("a" AMD, "i" Intel; none means Intel in the
    /// older families) becomes "g" (Graviton) and the other attributes stay ("d" local NVMe, "n" network, "e" memory,
    /// "b" EBS…): "" → "g" (m5 → m7g), "a" → "g" (t3a → t4g), "i" → "g" (m6i → m7g), "d"/"ad"/"id" → "gd" (m5d → m7gd),
    /// "n"/"in" → "gn" (c5n → c7gn), "ie" → "ge" (i7ie → i8ge). No such family (m5zn → "gzn") means no Graviton equivalent.
    /// </summary>
    internal static string GravitonSuffix(string x86Suffix) =>
        "g" + (x86Suffix.Length > 0 && x86Suffix[0] is 'a' or 'i' ? x86Suffix[1..] : x86Suffix);

    /// <summary>A move target: current generation (or too new for the source to say), at least the vCPUs and memory of today's type.</summary>
    private static bool IsEquivalent(InstanceTypeFacts candidate, InstanceTypeFacts current) =>
        candidate.CurrentGeneration != false && candidate.VCpus >= current.VCpus && candidate.MemoryGiB >= current.MemoryGiB;

    private static bool IsBareMetal(InstanceTypeFacts facts) => facts.Size.StartsWith("metal", StringComparison.Ordinal);
}

/// <summary>One type and where it could move; every candidate list is ordered and filtered by the facts alone (no prices).</summary>
/// <param name="Generation">The family's generation number ("c5n" → 5); 0 when the name has none.</param>
/// <param name="Burstable">A t family (t2, t3, t3a, t4g): never rightsized below the burstable vCPU floor.</param>
/// <param name="Smaller">Same family, fewer vCPUs, memory per vCPU not lower, no bare metal; by vCPUs then memory, ascending.</param>
/// <param name="Newer">Same letter prefix, attribute suffix, architecture and size, a later generation, vCPUs and memory not lower; newest first.</param>
/// <param name="Graviton">For x86 types: the arm64 types of the same prefix, matching suffix and size, vCPUs and memory not lower; newest first.</param>
internal sealed record IndexedType(InstanceTypeFacts Facts, int Generation, bool Burstable, bool Accelerated,
    InstanceTypeFacts[] Smaller, InstanceTypeFacts[] Newer, InstanceTypeFacts[] Graviton)
{
    /// <summary>AWS lists the type as previous generation (t1, m1, m3, c3, r3, i2, d2, …).</summary>
    public bool PreviousGeneration => Facts.CurrentGeneration == false;
}

/// <summary>
/// A family name split the way AWS builds it: letter prefix, generation, attribute suffix ("m" 5 "", "c" 6 "gn",
/// "m" 7 "i-flex", "x" 2 "iedn"). Null for names that do not start with letters then digits ("u-6tb1").
/// </summary>
internal readonly record struct TypeName(string Prefix, int Generation, string Suffix)
{
    public static TypeName? Parse(string family)
    {
        var letters = 0;
        while (letters < family.Length && family[letters] is >= 'a' and <= 'z')
        {
            letters++;
        }
        var digits = letters;
        while (digits < family.Length && char.IsAsciiDigit(family[digits]))
        {
            digits++;
        }
        if (letters == 0 || digits == letters || digits - letters > 3)
        {
            return null;
        }
        var generation = int.Parse(family.AsSpan(letters, digits - letters), NumberStyles.None, CultureInfo.InvariantCulture);
        return new TypeName(family[..letters], generation, family[digits..]);
    }
}
