using CostPilot.Domain.Pricing;
using CostPilot.Domain.Recommendations;
using CostPilot.Infrastructure.Pricing;

namespace CostPilot.Tests.Domain.Recommendations;

/// <summary>The family index over the shipped type catalog (1,403 real types): the candidate lists the engine prices.</summary>
public sealed class InstanceTypeIndexTests
{
    private static readonly InstanceTypeIndex Index = new(InstanceTypeCatalog.Default);

    [Theory]
    [InlineData("m5", "m", 5, "")]
    [InlineData("c6gn", "c", 6, "gn")]
    [InlineData("m7i-flex", "m", 7, "i-flex")]
    [InlineData("x2iedn", "x", 2, "iedn")]
    [InlineData("u7i-12tb", "u", 7, "i-12tb")]
    [InlineData("hpc7g", "hpc", 7, "g")]
    public void TypeNameParse_Family_PrefixGenerationSuffix(string family, string prefix, int generation, string suffix)
    {
        Assert.Equal(new TypeName(prefix, generation, suffix), TypeName.Parse(family));
    }

    [Theory]
    [InlineData("u-6tb1")]
    [InlineData("mac")]
    [InlineData("5x")]
    public void TypeNameParse_NotLettersThenDigits_Null(string family)
    {
        Assert.Null(TypeName.Parse(family));
    }

    [Theory]
    [InlineData("", "g")]
    [InlineData("a", "g")]
    [InlineData("i", "g")]
    [InlineData("d", "gd")]
    [InlineData("ad", "gd")]
    [InlineData("id", "gd")]
    [InlineData("n", "gn")]
    [InlineData("in", "gn")]
    [InlineData("ie", "ge")]
    [InlineData("zn", "gzn")]
    public void GravitonSuffix_X86Suffix_ProcessorLetterBecomesG(string x86, string arm)
    {
        Assert.Equal(arm, InstanceTypeIndex.GravitonSuffix(x86));
    }

    [Theory]
    [InlineData("m5.large", "m9g.large m8g.large m7g.large m6g.large")]
    [InlineData("m6i.xlarge", "m9g.xlarge m8g.xlarge m7g.xlarge m6g.xlarge")]
    [InlineData("m5d.large", "m9gd.large m8gd.large m7gd.large m6gd.large")]
    [InlineData("c6in.large", "c8gn.large c7gn.large c6gn.large")]
    [InlineData("c5n.large", "")]                     // 5.25 GiB: the c*gn.large have 4
    [InlineData("t3.micro", "t4g.micro")]
    [InlineData("t2.micro", "t4g.micro")]
    [InlineData("r5b.large", "r8gb.large")]
    [InlineData("i7ie.large", "i8ge.large")]
    [InlineData("m6g.large", "")]                     // arm64 already
    public void Graviton_X86Type_SameSizeArmEquivalentsNewestFirst(string type, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Index.Find(type)!.Graviton.Select(f => f.InstanceType)));
    }

    [Theory]
    [InlineData("t2.micro", "t3.micro")]
    [InlineData("m3.large", "m5.large m4.large")]
    [InlineData("m4.xlarge", "m5.xlarge")]
    [InlineData("c5a.large", "c8a.large c7a.large c6a.large")]
    [InlineData("m5.large", "")]                      // no later m<n>.large without a suffix
    [InlineData("g5.xlarge", "")]                     // accelerated
    public void Newer_Type_SameLineLaterGenerationsNewestFirst(string type, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Index.Find(type)!.Newer.Select(f => f.InstanceType)));
    }

    [Theory]
    [InlineData("m5.2xlarge", "m5.large m5.xlarge")]
    [InlineData("t3.xlarge", "t3.large")]              // t3.small/medium have less memory per vCPU
    [InlineData("t2.medium", "t2.small")]              // the burstable floor is the engine's, not the index's
    [InlineData("m5.large", "")]
    [InlineData("p3.8xlarge", "")]                     // accelerated
    public void Smaller_Type_SameFamilyFewerVCpusByVCpus(string type, string expected)
    {
        Assert.Equal(expected, string.Join(' ', Index.Find(type)!.Smaller.Select(f => f.InstanceType)));
    }

    [Fact]
    public void Smaller_Metal_NeverACandidate()
    {
        // m8i.metal-96xl (384 vCPUs) can shrink to m8i.48xlarge (192), never to m8i.metal-48xl; m5.metal has m5.24xlarge's 96 vCPUs.
        Assert.DoesNotContain(Index.Find("m8i.metal-96xl")!.Smaller, f => f.Size.StartsWith("metal", StringComparison.Ordinal));
        Assert.Equal("m8i.48xlarge", Index.Find("m8i.metal-96xl")!.Smaller[^1].InstanceType);
        Assert.Equal("m5.16xlarge", Index.Find("m5.metal")!.Smaller[^1].InstanceType);
    }

    [Fact]
    public void Index_EveryCatalogType_Indexed()
    {
        Assert.Equal(InstanceTypeCatalog.Default.Count, Index.Count);
        Assert.True(Index.Find("t2.micro")!.Burstable);
        Assert.True(Index.Find("m3.large")!.PreviousGeneration);
        Assert.False(Index.Find("t2.micro")!.PreviousGeneration);
        Assert.Equal(CpuArchitecture.Arm64, Index.Find("t4g.micro")!.Facts.Architecture);
    }
}
