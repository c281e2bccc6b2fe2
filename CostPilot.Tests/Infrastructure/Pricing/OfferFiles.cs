using System.Text.Json;
using System.Text.Json.Nodes;

namespace CostPilot.Tests.Infrastructure.Pricing;

/// <summary>Hand-made offer files in the Price List layout, and reshaped copies of the sample.</summary>
public static class OfferFiles
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>A file of PriceListSample/ (copied to the test output folder).</summary>
    public static string SampleText(string name) => File.ReadAllText(SamplePath(name));

    public static byte[] SampleBytes(string name) => File.ReadAllBytes(SamplePath(name));

    private static string SamplePath(string name) => Path.Combine(AppContext.BaseDirectory, "Infrastructure", "Pricing", "PriceListSample", name);

    /// <summary>The same offer file with <c>terms</c> moved before <c>products</c>.</summary>
    public static string TermsFirst(string offer)
    {
        var source = JsonNode.Parse(offer)!.AsObject();
        var reordered = new JsonObject();
        foreach (var key in new[] { "formatVersion", "disclaimer", "offerCode", "version", "publicationDate", "terms", "products", "attributesList" })
        {
            reordered[key] = source[key]!.DeepClone();
        }
        return reordered.ToJsonString(Indented);
    }

    /// <summary>A Linux m5.large in us-east-1 that the compute rule keeps, with the attribute set of the sample.</summary>
    public static Dictionary<string, string> LinuxM5Large() => new()
    {
        ["servicecode"] = "AmazonEC2",
        ["location"] = "US East (N. Virginia)",
        ["locationType"] = "AWS Region",
        ["instanceType"] = "m5.large",
        ["currentGeneration"] = "Yes",
        ["instanceFamily"] = "General purpose",
        ["vcpu"] = "2",
        ["memory"] = "8 GiB",
        ["tenancy"] = "Shared",
        ["operatingSystem"] = "Linux",
        ["licenseModel"] = "No License required",
        ["usagetype"] = "BoxUsage:m5.large",
        ["operation"] = "RunInstances",
        ["availabilityzone"] = "NA",
        ["capacitystatus"] = "Used",
        ["marketoption"] = "OnDemand",
        ["preInstalledSw"] = "NA",
        ["regionCode"] = "us-east-1",
        ["servicename"] = "Amazon Elastic Compute Cloud",
    };

    /// <summary>One OnDemand price dimension.</summary>
    public sealed record Dimension(string Usd, string Unit = "Hrs", string? BeginRange = "0", string? EndRange = "Inf", string Currency = "USD");

    /// <summary>One product and its OnDemand price dimensions (none: the product has no OnDemand term).</summary>
    public sealed record Product(string Sku, string? Family, Dictionary<string, string> Attributes, params Dimension[] Dimensions);

    /// <summary>An offer file with these products, their OnDemand terms and one Reserved term for the first (which must be ignored).</summary>
    public static string Offer(params Product[] products)
    {
        var productsNode = new JsonObject();
        var onDemand = new JsonObject();
        foreach (var p in products)
        {
            var product = new JsonObject { ["sku"] = p.Sku };
            if (p.Family is not null)
            {
                product["productFamily"] = p.Family;
            }
            product["attributes"] = new JsonObject(p.Attributes.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)JsonValue.Create(a.Value))));
            productsNode[p.Sku] = product;

            if (p.Dimensions.Length == 0)
            {
                continue;
            }
            var dimensions = new JsonObject();
            for (var i = 0; i < p.Dimensions.Length; i++)
            {
                var d = p.Dimensions[i];
                var rateCode = $"{p.Sku}.JRTCKXETXF.{i}YS6EN2CT7";
                var dimension = new JsonObject { ["rateCode"] = rateCode, ["description"] = $"{d.Usd} per {d.Unit}" };
                if (d.BeginRange is not null)
                {
                    dimension["beginRange"] = d.BeginRange;
                }
                if (d.EndRange is not null)
                {
                    dimension["endRange"] = d.EndRange;
                }
                dimension["unit"] = d.Unit;
                dimension["pricePerUnit"] = new JsonObject { [d.Currency] = d.Usd };
                dimension["appliesTo"] = new JsonArray();
                dimensions[rateCode] = dimension;
            }
            onDemand[p.Sku] = new JsonObject
            {
                [$"{p.Sku}.JRTCKXETXF"] = new JsonObject
                {
                    ["offerTermCode"] = "JRTCKXETXF",
                    ["sku"] = p.Sku,
                    ["effectiveDate"] = "2026-09-01T00:00:00Z",
                    ["priceDimensions"] = dimensions,
                    ["termAttributes"] = new JsonObject(),
                },
            };
        }

        var reserved = new JsonObject();
        if (products.Length > 0)
        {
            var sku = products[0].Sku;
            reserved[sku] = new JsonObject
            {
                [$"{sku}.6QCMYABX3D"] = new JsonObject
                {
                    ["offerTermCode"] = "6QCMYABX3D",
                    ["sku"] = sku,
                    ["priceDimensions"] = new JsonObject
                    {
                        [$"{sku}.6QCMYABX3D.2TG2D8R56U"] = new JsonObject
                        {
                            ["description"] = "Upfront Fee",
                            ["unit"] = "Quantity",
                            ["pricePerUnit"] = new JsonObject { ["USD"] = "494" },
                            ["appliesTo"] = new JsonArray(),
                        },
                    },
                    ["termAttributes"] = new JsonObject { ["LeaseContractLength"] = "1yr", ["PurchaseOption"] = "All Upfront" },
                },
            };
        }

        return new JsonObject
        {
            ["formatVersion"] = "v1.0",
            ["disclaimer"] = "This pricing list is for informational purposes only.",
            ["offerCode"] = "AmazonEC2",
            ["version"] = "20260910195514",
            ["publicationDate"] = "2026-09-10T19:55:14Z",
            ["products"] = productsNode,
            ["terms"] = new JsonObject { ["OnDemand"] = onDemand, ["Reserved"] = reserved },
            ["attributesList"] = new JsonObject(),
        }.ToJsonString(Indented);
    }

    /// <summary>Hands out the bytes 1 to 7 at a time (seeded), as a slow network can: every token boundary gets split somewhere.</summary>
    public sealed class TrickleStream(byte[] bytes, int seed) : Stream
    {
        private readonly Random _random = new(seed);
        private int _position;

        public int Reads { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => bytes.Length;

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = Math.Min(Math.Min(_random.Next(1, 8), buffer.Length), bytes.Length - _position);
            bytes.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            Reads++;
            return n;
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Read(buffer.Span));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Task.FromResult(Read(buffer.AsSpan(offset, count)));

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
