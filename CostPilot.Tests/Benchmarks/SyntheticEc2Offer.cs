using System.Globalization;
using System.Text;
using CostPilot.Domain.Pricing;

namespace CostPilot.Tests.Benchmarks;

/// <summary>
/// Writes a large EC2 region offer file in the Price List layout (pretty-printed, a space before each colon, prices as
/// 10-decimal strings), with the mix of a real one: per instance type 81 compute products (9 OS / licence / software
/// variants x Shared, Dedicated, Host x Used and two kinds of capacity reservation), a Dedicated Host product, an
/// OnDemand term for each and 12 Reserved terms (1yr/3yr, standard/convertible, three payment options) for each Used
/// shared or dedicated product; and once the EBS products. Only 2 of the 82 products per type are kept.
/// </summary>
internal sealed class SyntheticEc2Offer(int types)
{
    public const string Region = "us-east-1";

    private static readonly (string Os, string License, string Operation, string Software)[] Variants =
    [
        ("Linux", "No License required", "RunInstances", "NA"),
        ("Windows", "No License required", "RunInstances:0002", "NA"),
        ("Windows", "License Included - Infrastructure", "RunInstances:0002:box", "NA"),
        ("Windows", "Bring your own license", "RunInstances:0800", "NA"),
        ("RHEL", "No License required", "RunInstances:0010", "NA"),
        ("SUSE", "No License required", "RunInstances:000g", "NA"),
        ("Linux", "No License required", "RunInstances:0004", "SQL Std"),
        ("Windows", "No License required", "RunInstances:0006", "SQL Std"),
        ("Ubuntu Pro", "No License required", "RunInstances:0g00", "NA"),
    ];

    private static readonly (string Tenancy, string Usage)[] Tenancies = [("Shared", "BoxUsage"), ("Dedicated", "DedicatedUsage"), ("Host", "HostUsage")];
    private static readonly string[] Capacities = ["Used", "UnusedCapacityReservation", "AllocatedCapacityReservation"];
    private static readonly string[] Sizes = ["nano", "micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "metal"];

    private static readonly (string Code, string Length, string Class, string Option)[] ReservedTerms =
    [
        ("4NA7Y494T4", "1yr", "standard", "No Upfront"), ("HU7G6KETJZ", "1yr", "standard", "Partial Upfront"), ("6QCMYABX3D", "1yr", "standard", "All Upfront"),
        ("BPH4J8HBKS", "3yr", "standard", "No Upfront"), ("38NPMPTW36", "3yr", "standard", "Partial Upfront"), ("NQ3QZPMQV9", "3yr", "standard", "All Upfront"),
        ("7NE97W5U4E", "1yr", "convertible", "No Upfront"), ("CUZHX8X6JH", "1yr", "convertible", "Partial Upfront"), ("VJWZNREJX2", "1yr", "convertible", "All Upfront"),
        ("Z2E3P23VKM", "3yr", "convertible", "No Upfront"), ("R5XV2EPZQZ", "3yr", "convertible", "Partial Upfront"), ("MZU6U2429S", "3yr", "convertible", "All Upfront"),
    ];

    /// <summary>The EBS products: (sku, family, group, volumeApiName, usagetype, unit, price).</summary>
    private static readonly (string Sku, string Family, string Group, string Volume, string Usage, string Unit, string Usd)[] EbsProducts =
    [
        ("SYNEBSGP2STORAGE", "Storage", "", "gp2", "EBS:VolumeUsage.gp2", "GB-Mo", "0.1000000000"),
        ("SYNEBSGP3STORAGE", "Storage", "", "gp3", "EBS:VolumeUsage.gp3", "GB-Mo", "0.0800000000"),
        ("SYNEBSIO1STORAGE", "Storage", "", "io1", "EBS:VolumeUsage.piops", "GB-Mo", "0.1250000000"),
        ("SYNEBSIO2STORAGE", "Storage", "", "io2", "EBS:VolumeUsage.io2", "GB-month", "0.1250000000"),
        ("SYNEBSST1STORAGE", "Storage", "", "st1", "EBS:VolumeUsage.st1", "GB-Mo", "0.0450000000"),
        ("SYNEBSSC1STORAGE", "Storage", "", "sc1", "EBS:VolumeUsage.sc1", "GB-Mo", "0.0150000000"),
        ("SYNEBSSTDSTORAGE", "Storage", "", "standard", "EBS:VolumeUsage", "GB-Mo", "0.0500000000"),
        ("SYNEBSGP3IOPS000", "System Operation", "EBS IOPS", "gp3", "EBS:VolumeP-IOPS.gp3", "IOPS-Mo", "0.0050000000"),
        ("SYNEBSIO1IOPS000", "System Operation", "EBS IOPS", "io1", "EBS:VolumeP-IOPS.piops", "IOPS-Mo", "0.0650000000"),
        ("SYNEBSIO2IOPS000", "System Operation", "EBS IOPS", "io2", "EBS:VolumeP-IOPS.io2", "IOPS-Mo", "0.0650000000"),
        ("SYNEBSIO2IOPSTR2", "System Operation", "EBS IOPS Tier 2", "io2", "EBS:VolumeP-IOPS.io2.tier2", "IOPS-Mo", "0.0455000000"),
        ("SYNEBSIO2IOPSTR3", "System Operation", "EBS IOPS Tier 3", "io2", "EBS:VolumeP-IOPS.io2.tier3", "IOPS-Mo", "0.0318500000"),
        ("SYNEBSGP3THRUPUT", "Provisioned Throughput", "EBS Throughput", "gp3", "EBS:VolumeP-Throughput.gp3", "GiBps-mo", "40.9600000000"),
        ("SYNEBSSNAPSHOT00", "Storage Snapshot", "", "", "EBS:SnapshotUsage", "GB-Mo", "0.0500000000"),
        ("SYNEBSIOREQUESTS", "System Operation", "EBS I/O Requests", "standard", "EBS:VolumeIOUsage", "IOs", "0.0000000500"),
    ];

    /// <summary>What the parser must find: the EBS rates of the products above.</summary>
    public static IReadOnlyDictionary<string, EbsRate> ExpectedEbs { get; } = new Dictionary<string, EbsRate>
    {
        ["gp2"] = new(0.10m),
        ["gp3"] = new(0.08m, PerIopsMonth: 0.005m, PerMiBpsMonth: 0.04m),
        ["io1"] = new(0.125m, 0.065m),
        ["io2"] = new(0.125m, 0.065m, 0.0455m, 0.03185m),
        ["st1"] = new(0.045m),
        ["sc1"] = new(0.015m),
        ["standard"] = new(0.05m),
    };

    public int Types => types;
    public int Products => types * (Variants.Length * Tenancies.Length * Capacities.Length + 1) + EbsProducts.Length;
    public int KeptCompute => types * 2;

    public static string InstanceType(int t) => $"z{t / Sizes.Length}.{Sizes[t % Sizes.Length]}";

    /// <summary>The on-demand price of type <paramref name="t"/> in variant <paramref name="variant"/> (the kept ones are variants 0 and 1, shared, used).</summary>
    public static decimal Price(int t, int variant, int tenancy = 0) =>
        Math.Round((0.0040m + t * 0.0013m) * (1 + variant * 0.25m) * (1 + tenancy * 0.1m), 6);

    public static decimal Expected(int t, InstanceOs os) => Price(t, os == InstanceOs.Linux ? 0 : 1);

    /// <summary>Bytes of one instance type's products and terms, to size the file.</summary>
    public static long BytesPerType()
    {
        using var memory = new MemoryStream();
        new SyntheticEc2Offer(20).Write(memory, termsFirst: false);
        using var empty = new MemoryStream();
        new SyntheticEc2Offer(0).Write(empty, termsFirst: false);
        return (memory.Length - empty.Length) / 20;
    }

    public void Write(Stream stream, bool termsFirst)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 20, leaveOpen: true);
        w.Write("{\n  \"formatVersion\" : \"v1.0\",\n  \"disclaimer\" : \"This pricing list is for informational purposes only. All prices are subject to the additional terms included in the pricing pages on http://aws.amazon.com. All Free Tier prices are also subject to the terms included at https://aws.amazon.com/free/\",\n  \"offerCode\" : \"AmazonEC2\",\n  \"version\" : \"20260910195514\",\n  \"publicationDate\" : \"2026-09-10T19:55:14Z\",\n");
        if (termsFirst)
        {
            WriteTerms(w);
            w.Write(",\n");
            WriteProducts(w);
        }
        else
        {
            WriteProducts(w);
            w.Write(",\n");
            WriteTerms(w);
        }
        w.Write(",\n  \"attributesList\" : { }\n}\n");
    }

    private static string Sku(int t, int variant, int tenancy, int capacity) =>
        string.Create(CultureInfo.InvariantCulture, $"SYN{t:D6}{variant}{tenancy}{capacity}ABCD");

    private static string HostSku(int t) => string.Create(CultureInfo.InvariantCulture, $"SYNHOST{t:D6}XYZ");

    private static string Money(decimal value) => value.ToString("0.0000000000", CultureInfo.InvariantCulture);

    private void WriteProducts(StreamWriter w)
    {
        w.Write("  \"products\" : {\n");
        var first = true;
        for (var t = 0; t < types; t++)
        {
            var type = InstanceType(t);
            for (var v = 0; v < Variants.Length; v++)
            {
                for (var n = 0; n < Tenancies.Length; n++)
                {
                    for (var c = 0; c < Capacities.Length; c++)
                    {
                        Separator(w, ref first);
                        WriteCompute(w, Sku(t, v, n, c), type, Variants[v], Tenancies[n], Capacities[c], Sku(t, v, n, 0));
                    }
                }
            }
            Separator(w, ref first);
            w.Write(string.Create(CultureInfo.InvariantCulture, $"    \"{HostSku(t)}\" : {{\n      \"sku\" : \"{HostSku(t)}\",\n      \"productFamily\" : \"Dedicated Host\",\n      \"attributes\" : {{\n        \"servicecode\" : \"AmazonEC2\",\n        \"location\" : \"US East (N. Virginia)\",\n        \"locationType\" : \"AWS Region\",\n        \"instanceType\" : \"{type[..type.IndexOf('.', StringComparison.Ordinal)]}\",\n        \"tenancy\" : \"Host\",\n        \"usagetype\" : \"HostUsage:{type}\",\n        \"operation\" : \"RunInstances\",\n        \"capacitystatus\" : \"Used\",\n        \"instanceCapacityLarge\" : \"48\",\n        \"regionCode\" : \"{Region}\",\n        \"servicename\" : \"Amazon Elastic Compute Cloud\"\n      }}\n    }}"));
        }
        foreach (var e in EbsProducts)
        {
            Separator(w, ref first);
            w.Write(string.Create(CultureInfo.InvariantCulture, $"    \"{e.Sku}\" : {{\n      \"sku\" : \"{e.Sku}\",\n      \"productFamily\" : \"{e.Family}\",\n      \"attributes\" : {{\n        \"servicecode\" : \"AmazonEC2\",\n        \"location\" : \"US East (N. Virginia)\",\n        \"locationType\" : \"AWS Region\",\n"));
            if (e.Group.Length > 0)
            {
                w.Write(string.Create(CultureInfo.InvariantCulture, $"        \"group\" : \"{e.Group}\",\n        \"groupDescription\" : \"{e.Group}\",\n"));
            }
            w.Write(string.Create(CultureInfo.InvariantCulture, $"        \"usagetype\" : \"{e.Usage}\",\n        \"operation\" : \"\",\n        \"regionCode\" : \"{Region}\",\n        \"servicename\" : \"Amazon Elastic Compute Cloud\""));
            if (e.Volume.Length > 0)
            {
                w.Write(string.Create(CultureInfo.InvariantCulture, $",\n        \"volumeApiName\" : \"{e.Volume}\""));
            }
            w.Write("\n      }\n    }");
        }
        w.Write("\n  }");
    }

    private static void WriteCompute(StreamWriter w, string sku, string type, (string Os, string License, string Operation, string Software) variant,
        (string Tenancy, string Usage) tenancy, string capacity, string usedSku)
    {
        var usage = capacity switch
        {
            "UnusedCapacityReservation" => tenancy.Tenancy == "Shared" ? "UnusedBox" : "UnusedDed",
            "AllocatedCapacityReservation" => "Reservation",
            _ => tenancy.Usage,
        };
        var c = CultureInfo.InvariantCulture;
        w.Write(string.Create(c, $"    \"{sku}\" : {{\n      \"sku\" : \"{sku}\",\n      \"productFamily\" : \"Compute Instance\",\n      \"attributes\" : {{\n"));
        w.Write(string.Create(c, $"        \"servicecode\" : \"AmazonEC2\",\n        \"location\" : \"US East (N. Virginia)\",\n        \"locationType\" : \"AWS Region\",\n        \"instanceType\" : \"{type}\",\n        \"currentGeneration\" : \"Yes\",\n        \"instanceFamily\" : \"General purpose\",\n        \"vcpu\" : \"2\",\n        \"physicalProcessor\" : \"Intel Xeon Platinum 8175\",\n        \"clockSpeed\" : \"3.1 GHz\",\n        \"memory\" : \"8 GiB\",\n        \"storage\" : \"EBS only\",\n        \"networkPerformance\" : \"Up to 10 Gigabit\",\n        \"processorArchitecture\" : \"64-bit\",\n"));
        w.Write(string.Create(c, $"        \"tenancy\" : \"{tenancy.Tenancy}\",\n        \"operatingSystem\" : \"{variant.Os}\",\n        \"licenseModel\" : \"{variant.License}\",\n        \"usagetype\" : \"{usage}:{type}\",\n        \"operation\" : \"{variant.Operation}\",\n        \"availabilityzone\" : \"NA\",\n        \"capacitystatus\" : \"{capacity}\",\n        \"classicnetworkingsupport\" : \"false\",\n        \"dedicatedEbsThroughput\" : \"Up to 2120 Mbps\",\n        \"ecu\" : \"10\",\n        \"enhancedNetworkingSupported\" : \"Yes\",\n        \"gpuMemory\" : \"NA\",\n"));
        if (capacity == "AllocatedCapacityReservation")
        {
            w.Write(string.Create(c, $"        \"instancesku\" : \"{usedSku}\",\n"));
        }
        w.Write(string.Create(c, $"        \"intelAvxAvailable\" : \"Yes\",\n        \"intelAvx2Available\" : \"Yes\",\n        \"intelTurboAvailable\" : \"Yes\",\n        \"marketoption\" : \"OnDemand\",\n        \"normalizationSizeFactor\" : \"4\",\n        \"preInstalledSw\" : \"{variant.Software}\",\n        \"processorFeatures\" : \"Intel AVX; Intel AVX2; Intel AVX512; Intel Turbo\",\n        \"regionCode\" : \"{Region}\",\n        \"servicename\" : \"Amazon Elastic Compute Cloud\",\n        \"vpcnetworkingsupport\" : \"true\"\n      }}\n    }}"));
    }

    private void WriteTerms(StreamWriter w)
    {
        w.Write("  \"terms\" : {\n    \"OnDemand\" : {\n");
        var first = true;
        for (var t = 0; t < types; t++)
        {
            for (var v = 0; v < Variants.Length; v++)
            {
                for (var n = 0; n < Tenancies.Length; n++)
                {
                    for (var c = 0; c < Capacities.Length; c++)
                    {
                        Separator(w, ref first);
                        var price = c == 2 || n == 2 ? 0m : Price(t, v, n);
                        WriteOnDemand(w, Sku(t, v, n, c), price, "Hrs", $"${Money(price)} per On Demand {Variants[v].Os} {InstanceType(t)} Instance Hour");
                    }
                }
            }
            Separator(w, ref first);
            WriteOnDemand(w, HostSku(t), Price(t, 0) * 48, "Hrs", $"${Money(Price(t, 0) * 48)} per On Demand Linux {InstanceType(t)} Dedicated Host Hour");
        }
        foreach (var e in EbsProducts)
        {
            Separator(w, ref first);
            WriteOnDemand(w, e.Sku, decimal.Parse(e.Usd, CultureInfo.InvariantCulture), e.Unit, $"${e.Usd} per {e.Unit} of {e.Usage}");
        }
        w.Write("\n    },\n    \"Reserved\" : {\n");
        first = true;
        for (var t = 0; t < types; t++)
        {
            for (var v = 0; v < Variants.Length; v++)
            {
                for (var n = 0; n < 2; n++)
                {
                    Separator(w, ref first);
                    WriteReserved(w, Sku(t, v, n, 0), Price(t, v, n));
                }
            }
        }
        w.Write("\n    }\n  }");
    }

    private static void WriteOnDemand(StreamWriter w, string sku, decimal price, string unit, string description)
    {
        var c = CultureInfo.InvariantCulture;
        w.Write(string.Create(c, $"      \"{sku}\" : {{\n        \"{sku}.JRTCKXETXF\" : {{\n          \"offerTermCode\" : \"JRTCKXETXF\",\n          \"sku\" : \"{sku}\",\n          \"effectiveDate\" : \"2026-09-01T00:00:00Z\",\n          \"priceDimensions\" : {{\n"));
        w.Write(string.Create(c, $"            \"{sku}.JRTCKXETXF.6YS6EN2CT7\" : {{\n              \"rateCode\" : \"{sku}.JRTCKXETXF.6YS6EN2CT7\",\n              \"description\" : \"{description}\",\n              \"beginRange\" : \"0\",\n              \"endRange\" : \"Inf\",\n              \"unit\" : \"{unit}\",\n              \"pricePerUnit\" : {{\n                \"USD\" : \"{Money(price)}\"\n              }},\n              \"appliesTo\" : [ ]\n            }}\n          }},\n          \"termAttributes\" : {{ }}\n        }}\n      }}"));
    }

    private static void WriteReserved(StreamWriter w, string sku, decimal onDemand)
    {
        var c = CultureInfo.InvariantCulture;
        w.Write(string.Create(c, $"      \"{sku}\" : {{\n"));
        for (var i = 0; i < ReservedTerms.Length; i++)
        {
            var term = ReservedTerms[i];
            var hours = term.Length == "1yr" ? 8760m : 26280m;
            var discount = (term.Class == "standard" ? 0.6m : 0.7m) * (term.Length == "1yr" ? 1m : 0.75m);
            var hourly = term.Option switch { "No Upfront" => onDemand * discount, "Partial Upfront" => onDemand * discount / 2, _ => 0m };
            var upfront = term.Option switch { "No Upfront" => 0m, "Partial Upfront" => Math.Round(onDemand * discount * hours / 2), _ => Math.Round(onDemand * discount * hours) };
            w.Write(string.Create(c, $"        \"{sku}.{term.Code}\" : {{\n          \"offerTermCode\" : \"{term.Code}\",\n          \"sku\" : \"{sku}\",\n          \"effectiveDate\" : \"2020-04-01T00:00:00Z\",\n          \"priceDimensions\" : {{\n"));
            if (term.Option != "No Upfront")
            {
                w.Write(string.Create(c, $"            \"{sku}.{term.Code}.2TG2D8R56U\" : {{\n              \"rateCode\" : \"{sku}.{term.Code}.2TG2D8R56U\",\n              \"description\" : \"Upfront Fee\",\n              \"unit\" : \"Quantity\",\n              \"pricePerUnit\" : {{\n                \"USD\" : \"{upfront}\"\n              }},\n              \"appliesTo\" : [ ]\n            }},\n"));
            }
            w.Write(string.Create(c, $"            \"{sku}.{term.Code}.6YS6EN2CT7\" : {{\n              \"rateCode\" : \"{sku}.{term.Code}.6YS6EN2CT7\",\n              \"description\" : \"Linux/UNIX (Amazon VPC), reserved instance applied\",\n              \"beginRange\" : \"0\",\n              \"endRange\" : \"Inf\",\n              \"unit\" : \"Hrs\",\n              \"pricePerUnit\" : {{\n                \"USD\" : \"{Money(hourly)}\"\n              }},\n              \"appliesTo\" : [ ]\n            }}\n          }},\n"));
            w.Write(string.Create(c, $"          \"termAttributes\" : {{\n            \"LeaseContractLength\" : \"{term.Length}\",\n            \"OfferingClass\" : \"{term.Class}\",\n            \"PurchaseOption\" : \"{term.Option}\"\n          }}\n        }}{(i < ReservedTerms.Length - 1 ? "," : "")}\n"));
        }
        w.Write("      }");
    }

    private static void Separator(StreamWriter w, ref bool first)
    {
        if (!first)
        {
            w.Write(",\n");
        }
        first = false;
    }
}
