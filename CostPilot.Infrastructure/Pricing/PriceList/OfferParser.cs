using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using CostPilot.Domain.Pricing;

namespace CostPilot.Infrastructure.Pricing.PriceList;

/// <summary>
/// Streams one Price List offer file (an EC2 region file or the AmazonVPC offer) and keeps only the prices CostPilot uses:
/// on-demand Linux and Windows compute, EBS storage / IOPS / throughput, and public IPv4. See <see cref="OfferProducts"/>
/// for which products are kept.
/// </summary>
/// <remarks>
/// A push parser: <see cref="Consume"/> is fed token by token, a buffer at a time, and keeps its place in fields, so the
/// file is never held whole. Everything outside <c>products</c> and <c>terms.OnDemand</c> (Reserved terms,
/// attributesList, and the terms of products not kept) is skipped unread. Products normally come before terms; when
/// terms come first, each usable single-rate OnDemand price waits in a compact table until its product is seen.
/// </remarks>
internal sealed class OfferParser : IJsonTokenSink
{
    private readonly string? _fileRegion;
    private readonly OfferProducts _product = new();
    private readonly Dictionary<string, Kept> _kept = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Kept>.AlternateLookup<ReadOnlySpan<char>> _keptBySpan;
    private readonly Dictionary<string, Rate> _waiting = new(StringComparer.Ordinal);
    private readonly byte[] _sku = new byte[256];
    private int _skuLength;

    private Where _where = Where.Start;
    private Next _next;
    private int _skipDepth = -1;

    // The OnDemand terms of the SKU being read: the price dimensions met so far and the last one.
    private bool _skuKept;
    private Kept _skuTarget;
    private int _dimensions;
    private Rate _rate;
    private Unit _dimUnit;
    private decimal? _dimUsd;
    private bool _dimRangeOk;

    private bool _productsDone;
    private bool _sawProducts;
    private bool _sawTerms;

    public OfferParser(string? fileRegion)
    {
        _fileRegion = string.IsNullOrWhiteSpace(fileRegion) ? null : fileRegion;
        _keptBySpan = _kept.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    private enum Where : byte
    {
        Start, Root, Products, Product, Attributes, Terms, OnDemand, SkuTerms, Term, Dimensions, Dimension, PricePerUnit, Done,
    }

    /// <summary>What the value after the last property name is.</summary>
    private enum Next : byte
    {
        Skip, PublicationDate, OfferCode, Version, Products, Terms, Product, Family, Attributes, Attribute, OnDemand, SkuTerms,
        Term, PriceDimensions, Dimension, Unit, BeginRange, EndRange, PricePerUnit, Usd,
    }

    internal enum Unit : byte { None, Other, Hrs, GbMonth, IopsMonth, GibpsMonth, MibpsMonth }

    internal readonly record struct Rate(Unit Unit, decimal Usd);

    public OfferContents Result { get; } = new();

    /// <summary>Reads one offer file from <paramref name="stream"/>. Throws <see cref="JsonException"/> or <see cref="InvalidDataException"/> when it is not a complete offer file.</summary>
    public static async Task<OfferContents> ParseAsync(Stream stream, string? fileRegion, CancellationToken ct,
        int bufferSize = JsonStreamReader.DefaultBufferSize)
    {
        var parser = new OfferParser(fileRegion);
        var bytes = await JsonStreamReader.ReadAsync(stream, parser, ct, bufferSize);
        return parser.Finish(bytes);
    }

    public void Consume(ref Utf8JsonReader reader)
    {
        while (reader.Read())
        {
            var token = reader.TokenType;
            if (_skipDepth >= 0)
            {
                if ((token is JsonTokenType.EndObject or JsonTokenType.EndArray) && reader.CurrentDepth == _skipDepth)
                {
                    _skipDepth = -1;
                }
                else if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.TrySkip(); // the whole child when it is in this buffer; else its tokens one by one
                }
                continue;
            }

            switch (token)
            {
                case JsonTokenType.PropertyName:
                    _next = Name(ref reader);
                    break;
                case JsonTokenType.EndObject:
                    Leave();
                    break;
                case JsonTokenType.StartObject when _where == Where.Start:
                    _where = Where.Root;
                    break;
                default:
                    if (_where == Where.Start)
                    {
                        throw new InvalidDataException("The file is not a JSON object.");
                    }
                    var next = _next;
                    _next = Next.Skip;
                    Value(ref reader, next);
                    break;
            }
        }
    }

    /// <summary>The results, once the whole file was read.</summary>
    public OfferContents Finish(long bytes)
    {
        if (_where != Where.Done)
        {
            throw new InvalidDataException("The file ended before its JSON document did.");
        }
        if (!_sawProducts)
        {
            throw new InvalidDataException("The file has no \"products\".");
        }
        if (!_sawTerms)
        {
            throw new InvalidDataException("The file has no \"terms\".");
        }
        Result.Bytes = bytes;
        Result.Unpriced += _kept.Count;
        return Result;
    }

    private Next Name(ref Utf8JsonReader reader)
    {
        // Names are compared unescaped ("product\u0046amily" is productFamily); AWS never escapes them, so this rarely copies.
        Span<byte> unescaped = stackalloc byte[64];
        var name = !reader.ValueIsEscaped ? reader.ValueSpan
            : reader.ValueSpan.Length <= unescaped.Length ? unescaped[..reader.CopyString(unescaped)]
            : [];
        switch (_where)
        {
            case Where.Root:
                return name.SequenceEqual("products"u8) ? Next.Products
                    : name.SequenceEqual("terms"u8) ? Next.Terms
                    : name.SequenceEqual("publicationDate"u8) ? Next.PublicationDate
                    : name.SequenceEqual("offerCode"u8) ? Next.OfferCode
                    : name.SequenceEqual("version"u8) ? Next.Version
                    : Next.Skip;
            case Where.Products:
                _product.Begin(ref reader);
                return Next.Product;
            case Where.Product:
                return name.SequenceEqual("attributes"u8) ? Next.Attributes
                    : name.SequenceEqual("productFamily"u8) ? Next.Family
                    : Next.Skip;
            case Where.Attributes:
                return _product.SelectAttribute(name) ? Next.Attribute : Next.Skip;
            case Where.Terms:
                return name.SequenceEqual("OnDemand"u8) ? Next.OnDemand : Next.Skip;
            case Where.OnDemand:
                return BeginSkuTerms(ref reader) ? Next.SkuTerms : Next.Skip;
            case Where.SkuTerms:
                return Next.Term;
            case Where.Term:
                return name.SequenceEqual("priceDimensions"u8) ? Next.PriceDimensions : Next.Skip;
            case Where.Dimensions:
                _dimUnit = Unit.None;
                _dimUsd = null;
                _dimRangeOk = true;
                return Next.Dimension;
            case Where.Dimension:
                return name.SequenceEqual("unit"u8) ? Next.Unit
                    : name.SequenceEqual("pricePerUnit"u8) ? Next.PricePerUnit
                    : name.SequenceEqual("beginRange"u8) ? Next.BeginRange
                    : name.SequenceEqual("endRange"u8) ? Next.EndRange
                    : Next.Skip;
            case Where.PricePerUnit:
                return name.SequenceEqual("USD"u8) ? Next.Usd : Next.Skip;
            default:
                return Next.Skip;
        }
    }

    private void Value(ref Utf8JsonReader reader, Next next)
    {
        var token = reader.TokenType;
        if (token == JsonTokenType.StartObject)
        {
            var into = next switch
            {
                Next.Products => Where.Products,
                Next.Terms => Where.Terms,
                Next.Product => Where.Product,
                Next.Attributes => Where.Attributes,
                Next.OnDemand => Where.OnDemand,
                Next.SkuTerms => Where.SkuTerms,
                Next.Term => Where.Term,
                Next.PriceDimensions => Where.Dimensions,
                Next.Dimension => Where.Dimension,
                Next.PricePerUnit => Where.PricePerUnit,
                _ => Where.Start,
            };
            if (into == Where.Start)
            {
                if (!reader.TrySkip())
                {
                    _skipDepth = reader.CurrentDepth;
                }
                return;
            }
            _sawProducts |= into == Where.Products;
            _sawTerms |= into == Where.Terms;
            _where = into;
            return;
        }
        if (token == JsonTokenType.StartArray)
        {
            if (!reader.TrySkip())
            {
                _skipDepth = reader.CurrentDepth;
            }
            return;
        }
        if (token != JsonTokenType.String)
        {
            return;
        }

        switch (next)
        {
            case Next.Attribute:
            case Next.Family:
                _product.Capture(ref reader, next == Next.Family);
                break;
            case Next.Unit:
                _dimUnit = UnitOf(ref reader);
                break;
            case Next.Usd:
                _dimUsd = ParseUsd(ref reader);
                break;
            case Next.BeginRange:
                _dimRangeOk &= reader.ValueTextEquals("0"u8);
                break;
            case Next.EndRange:
                _dimRangeOk &= reader.ValueTextEquals("Inf"u8);
                break;
            case Next.PublicationDate:
                var text = reader.GetString();
                Result.PublishedAt = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
                    ? at
                    : throw new InvalidDataException($"Its publicationDate \"{text}\" is not a date.");
                break;
            case Next.OfferCode:
                Result.OfferCode = reader.GetString();
                break;
            case Next.Version:
                Result.Version = reader.GetString();
                break;
            default:
                break;
        }
    }

    private void Leave()
    {
        switch (_where)
        {
            case Where.Root:
                _where = Where.Done;
                break;
            case Where.Products:
                _productsDone = true;
                _where = Where.Root;
                break;
            case Where.Product:
                EndProduct();
                _where = Where.Products;
                break;
            case Where.Attributes:
                _where = Where.Product;
                break;
            case Where.Terms:
                _where = Where.Root;
                break;
            case Where.OnDemand:
                _where = Where.Terms;
                break;
            case Where.SkuTerms:
                EndSkuTerms();
                _where = Where.OnDemand;
                break;
            case Where.Term:
                _where = Where.SkuTerms;
                break;
            case Where.Dimensions:
                _where = Where.Term;
                break;
            case Where.Dimension:
                _dimensions++;
                _rate = _dimUsd is { } usd && _dimRangeOk ? new Rate(_dimUnit, usd) : default;
                _where = Where.Dimensions;
                break;
            case Where.PricePerUnit:
                _where = Where.Dimension;
                break;
            default:
                throw new InvalidDataException("The file has an unexpected end of object.");
        }
    }

    private void EndProduct()
    {
        Result.Products++;
        if (_product.Classify(_fileRegion) is not { } kept)
        {
            return;
        }
        var sku = _product.Sku();
        if (_waiting.Remove(sku, out var rate))
        {
            Apply(kept, rate);
        }
        else
        {
            _kept[sku] = kept;
        }
    }

    /// <summary>Starts the OnDemand terms of one SKU; false when they are not needed (skipped unread).</summary>
    private bool BeginSkuTerms(ref Utf8JsonReader reader)
    {
        _dimensions = 0;
        _rate = default;
        _skuKept = false;
        if (reader.ValueSpan.Length > _sku.Length)
        {
            return false; // not a SKU
        }
        _skuLength = reader.CopyString(_sku);
        Span<char> chars = stackalloc char[_sku.Length];
        var length = Encoding.UTF8.GetChars(_sku.AsSpan(0, _skuLength), chars);
        if (_keptBySpan.TryGetValue(chars[..length], out _skuTarget))
        {
            _skuKept = true;
            return true;
        }
        return !_productsDone;
    }

    private void EndSkuTerms()
    {
        // One price dimension, a positive USD price over the whole range: anything else (a $0.00 row, tiers) is not a price.
        var rate = _dimensions == 1 && _rate.Usd > 0 ? _rate : default;
        if (_skuKept)
        {
            var sku = Encoding.UTF8.GetString(_sku.AsSpan(0, _skuLength));
            if (rate.Unit != Unit.None)
            {
                _kept.Remove(sku);
                Apply(_skuTarget, rate);
            }
            return;
        }
        if (rate.Unit is Unit.Hrs or Unit.GbMonth or Unit.IopsMonth or Unit.GibpsMonth or Unit.MibpsMonth)
        {
            _waiting[Encoding.UTF8.GetString(_sku.AsSpan(0, _skuLength))] = rate;
        }
    }

    private void Apply(Kept kept, Rate rate)
    {
        var usd = Normalize(rate.Usd);
        var r = Result;
        switch (kept.Kind)
        {
            case KeptKind.Compute when rate.Unit == Unit.Hrs:
                if (!r.Compute.TryAdd((kept.Region, kept.Key, kept.Os), usd) && r.Compute[(kept.Region, kept.Key, kept.Os)] != usd)
                {
                    r.Conflicts++; // the first price stays
                }
                return;
            case KeptKind.Storage when rate.Unit == Unit.GbMonth:
                r.Ebs(kept.Region, kept.Key).PerGbMonth ??= usd;
                return;
            case KeptKind.Iops when rate.Unit == Unit.IopsMonth:
                r.Ebs(kept.Region, kept.Key).PerIopsMonth ??= usd;
                return;
            case KeptKind.IopsTier2 when rate.Unit == Unit.IopsMonth:
                r.Ebs(kept.Region, kept.Key).PerIopsMonthTier2 ??= usd;
                return;
            case KeptKind.IopsTier3 when rate.Unit == Unit.IopsMonth:
                r.Ebs(kept.Region, kept.Key).PerIopsMonthTier3 ??= usd;
                return;
            case KeptKind.Throughput when rate.Unit == Unit.GibpsMonth:
                // AWS prices gp3 throughput per GiB/s-month; volumes provision MiB/s.
                r.Ebs(kept.Region, kept.Key).PerMiBpsMonth ??= Normalize(usd / 1024m);
                return;
            case KeptKind.Throughput when rate.Unit == Unit.MibpsMonth:
                r.Ebs(kept.Region, kept.Key).PerMiBpsMonth ??= usd;
                return;
            case KeptKind.Ipv4InUse when rate.Unit == Unit.Hrs:
                r.Ipv4(kept.Region).InUse ??= usd;
                return;
            case KeptKind.Ipv4Idle when rate.Unit == Unit.Hrs:
                r.Ipv4(kept.Region).Idle ??= usd;
                return;
            default:
                r.Unpriced++; // kept, but priced in a unit CostPilot does not expect
                return;
        }
    }

    /// <summary>0.0960000000 → 0.096 (same value, no trailing zeros).</summary>
    private static decimal Normalize(decimal value) => value / 1.000000000000000000000000000000000m;

    private static decimal? ParseUsd(ref Utf8JsonReader reader)
    {
        Span<byte> copy = stackalloc byte[64];
        if (reader.ValueSpan.Length > copy.Length)
        {
            return null;
        }
        var text = copy[..reader.CopyString(copy)];
        return Utf8Parser.TryParse(text, out decimal value, out var used) && used == text.Length && value >= 0 ? value : null;
    }

    private static Unit UnitOf(ref Utf8JsonReader reader)
    {
        Span<byte> copy = stackalloc byte[32];
        if (reader.ValueSpan.Length > copy.Length)
        {
            return Unit.Other;
        }
        var unit = copy[..reader.CopyString(copy)];
        return Ascii.EqualsIgnoreCase(unit, "Hrs"u8) ? Unit.Hrs
            : Ascii.EqualsIgnoreCase(unit, "GB-Mo"u8) || Ascii.EqualsIgnoreCase(unit, "GB-month"u8) ? Unit.GbMonth
            : Ascii.EqualsIgnoreCase(unit, "IOPS-Mo"u8) ? Unit.IopsMonth
            : Ascii.EqualsIgnoreCase(unit, "GiBps-mo"u8) ? Unit.GibpsMonth
            : Ascii.EqualsIgnoreCase(unit, "MiBps-mo"u8) ? Unit.MibpsMonth
            : Unit.Other;
    }
}

internal enum KeptKind : byte { Compute, Storage, Iops, IopsTier2, IopsTier3, Throughput, Ipv4InUse, Ipv4Idle }

/// <summary>A product whose OnDemand price CostPilot keeps: what it prices and where.</summary>
internal readonly record struct Kept(KeptKind Kind, string Region, string Key, InstanceOs Os = InstanceOs.Linux);

/// <summary>What one offer file yielded.</summary>
internal sealed class OfferContents
{
    public string? OfferCode { get; set; }
    public string? Version { get; set; }
    public DateTimeOffset? PublishedAt { get; set; }
    public long Bytes { get; set; }

    /// <summary>Products read (all kinds).</summary>
    public int Products { get; set; }

    /// <summary>Kept products without a usable OnDemand price (none, $0.00, several tiers, another unit or currency).</summary>
    public int Unpriced { get; set; }

    /// <summary>Kept products that priced an already-priced key differently (the first price stays).</summary>
    public int Conflicts { get; set; }

    public Dictionary<(string Region, string Type, InstanceOs Os), decimal> Compute { get; } = [];
    public Dictionary<(string Region, string VolumeType), EbsParts> EbsParts { get; } = [];
    public Dictionary<string, Ipv4Parts> Ipv4Parts { get; } = new(StringComparer.Ordinal);

    public EbsParts Ebs(string region, string volumeType)
    {
        if (!EbsParts.TryGetValue((region, volumeType), out var parts))
        {
            EbsParts[(region, volumeType)] = parts = new EbsParts();
        }
        return parts;
    }

    public Ipv4Parts Ipv4(string region)
    {
        if (!Ipv4Parts.TryGetValue(region, out var parts))
        {
            Ipv4Parts[region] = parts = new Ipv4Parts();
        }
        return parts;
    }

    /// <summary>The EBS rates that have a storage price (a volume type with only IOPS or throughput prices is not priced).</summary>
    public IEnumerable<(string Region, string VolumeType, EbsRate Rate)> EbsRates() =>
        EbsParts.Where(p => p.Value.PerGbMonth is not null)
            .Select(p => (p.Key.Region, p.Key.VolumeType, new EbsRate(p.Value.PerGbMonth!.Value, p.Value.PerIopsMonth,
                p.Value.PerIopsMonthTier2, p.Value.PerIopsMonthTier3, p.Value.PerMiBpsMonth)));

    /// <summary>Hourly public IPv4 price per region: the in-use address rate, else the idle one.</summary>
    public IEnumerable<(string Region, decimal Hourly)> Ipv4Rates() =>
        Ipv4Parts.Where(p => (p.Value.InUse ?? p.Value.Idle) is not null).Select(p => (p.Key, (p.Value.InUse ?? p.Value.Idle)!.Value));
}

internal sealed class EbsParts
{
    public decimal? PerGbMonth { get; set; }
    public decimal? PerIopsMonth { get; set; }
    public decimal? PerIopsMonthTier2 { get; set; }
    public decimal? PerIopsMonthTier3 { get; set; }
    public decimal? PerMiBpsMonth { get; set; }
}

internal sealed class Ipv4Parts
{
    public decimal? InUse { get; set; }
    public decimal? Idle { get; set; }
}
