using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing;

namespace CostPilot.Tests.Infrastructure.Pricing;

public sealed class InstanceTypeCatalogTests
{
    private const string Header = "instance_type,family,size,vcpu,memory_gib,architecture,current_generation,network_performance,category,"
        + "physical_processor,gpu_count,is_bare_metal,spec_source,arch_source\n";

    private static readonly InstanceTypeCatalog Catalog = InstanceTypeCatalog.Default;

    [Fact]
    public void Find_M5Large_HasItsVCpusAndMemory()
    {
        Assert.Equal(new InstanceTypeFacts("m5.large", "m5", "large", 2, 8m, CpuArchitecture.X64, true), Catalog.Find("m5.large"));
    }

    [Fact]
    public void Find_GravitonType_IsArm64()
    {
        Assert.Equal(new InstanceTypeFacts("m6g.xlarge", "m6g", "xlarge", 4, 16m, CpuArchitecture.Arm64, true), Catalog.Find("m6g.xlarge"));
    }

    [Fact]
    public void Find_FractionalMemory_KeepsTheDecimal()
    {
        Assert.Equal(0.5m, Catalog.Find("t3.nano")?.MemoryGiB);
        Assert.Equal(2, Catalog.Find("t3.nano")?.VCpus);
    }

    [Fact]
    public void Find_PreviousGenerationAndUndeclared_AreFalseAndNull()
    {
        Assert.False(Catalog.Find("m1.small")?.CurrentGeneration);
        Assert.Null(Catalog.Find("m9g.large")?.CurrentGeneration);
        Assert.NotNull(Catalog.Find("m9g.large"));
    }

    [Theory]
    [InlineData("m5.huge")]
    [InlineData("M5.LARGE")]
    [InlineData("")]
    public void Find_UnknownType_IsNull(string type)
    {
        Assert.Null(Catalog.Find(type));
    }

    [Fact]
    public void Count_EqualsTheRowsOfTheFile()
    {
        using var reader = PriceSnapshot.OpenText(PriceSnapshot.InstanceTypes);
        var rows = -1;
        while (reader.ReadLine() is not null)
        {
            rows++;
        }

        Assert.Equal(rows, Catalog.Count);
        Assert.Equal(rows, Catalog.ByType.Count);
    }

    [Fact]
    public void ByType_EveryTypeWithAComputePrice_IsKnown()
    {
        var unknown = SnapshotPriceCatalog.Default.ComputePrices.Select(p => p.Type).Distinct().Where(t => Catalog.Find(t) is null).ToList();

        Assert.Empty(unknown);
    }

    [Fact]
    public void Parse_QuotedFieldWithCommas_ReadsTheRow()
    {
        var catalog = InstanceTypeCatalog.Parse(new StringReader(Header
            + "mac2.metal,mac2,metal,8,16,arm64,true,10 Gigabit,General purpose,\"Apple M1 chip with 8-core CPU, 8-core \"\"GPU\"\"\",0,true,x,y\n"), "types.csv");

        Assert.Equal(new InstanceTypeFacts("mac2.metal", "mac2", "metal", 8, 16m, CpuArchitecture.Arm64, true), catalog.Find("mac2.metal"));
    }

    [Theory]
    [InlineData("m5.large,m5,large,two,8,x86_64,true,,,,0,false,x,y", "vcpu 'two'")]
    [InlineData("m5.large,m5,large,2,8,i386,true,,,,0,false,x,y", "architecture 'i386'")]
    [InlineData("m5.large,m5,large,2,8,x86_64,yes,,,,0,false,x,y", "current_generation 'yes'")]
    [InlineData("m5.large,m5,large,0,8,x86_64,true,,,,0,false,x,y", "both must be positive")]
    [InlineData("m5.large,m5,xlarge,2,8,x86_64,true,,,,0,false,x,y", "not family 'm5' dot size 'xlarge'")]
    [InlineData("m5.large,m5,large,2,8,x86_64,true,,,,0,false,x", "13 fields")]
    [InlineData("m5.large,m5,large,2,8,x86_64,true,,,\"Intel\"x,0,false,x,y", "after a closing quote")]
    public void Parse_MalformedRow_ThrowsWithFileAndLine(string row, string reason)
    {
        var error = Assert.Throws<FormatException>(() => InstanceTypeCatalog.Parse(new StringReader(Header + "t3.micro,t3,micro,2,1,x86_64,true,,,,0,false,x,y\n" + row), "types.csv"));

        Assert.StartsWith("types.csv line 3:", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateType_Throws()
    {
        var row = "t3.micro,t3,micro,2,1,x86_64,true,,,,0,false,x,y\n";

        var error = Assert.Throws<FormatException>(() => InstanceTypeCatalog.Parse(new StringReader(Header + row + row), "types.csv"));

        Assert.Equal("types.csv line 3: a second row for t3.micro.", error.Message);
    }

    [Fact]
    public void Parse_NoRows_Throws()
    {
        Assert.Throws<FormatException>(() => InstanceTypeCatalog.Parse(new StringReader(Header), "types.csv"));
    }
}
