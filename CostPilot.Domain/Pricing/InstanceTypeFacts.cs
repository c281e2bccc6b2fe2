namespace CostPilot.Domain.Pricing;

/// <summary>The processor architecture of an instance type, as EC2 spells it ("x86_64", "arm64").</summary>
public enum CpuArchitecture
{
    /// <summary>"x86_64": Intel and AMD.</summary>
    X64,

    /// <summary>"arm64": AWS Graviton, Apple silicon.</summary>
    Arm64,
}

/// <summary>
/// What an EC2 instance type is: the facts rightsizing compares (vCPUs, memory, architecture). <see cref="Size"/> is the part
/// after the dot ("large", "2xlarge", "metal-48xl").
/// </summary>
/// <param name="CurrentGeneration">Whether AWS lists the type as current generation; null when the source does not say.</param>
public sealed record InstanceTypeFacts(string InstanceType, string Family, string Size, int VCpus, decimal MemoryGiB,
    CpuArchitecture Architecture, bool? CurrentGeneration)
{
    /// <summary>"x86_64" or "arm64" (EC2's names); null for anything else.</summary>
    public static CpuArchitecture? ArchitectureOf(string architecture) => architecture switch
    {
        "x86_64" => CpuArchitecture.X64,
        "arm64" => CpuArchitecture.Arm64,
        _ => null,
    };
}
