using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using CostPilot.Domain.Pricing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Pricing.PriceList;

/// <summary>
/// Builds a price catalog from AWS's public Price List bulk files (no credentials): the offer index, the EC2 region
/// index, each region's EC2 offer file and the AmazonVPC offer (public IPv4). Every offer file is streamed, never held
/// whole. All or nothing: any failure throws a <see cref="PriceListException"/> naming the file, so the caller keeps the
/// catalog it had.
/// </summary>
public sealed partial class PriceListClient(
    HttpClient http,
    IOptions<PricingOptions> options,
    TimeProvider clock,
    ILogger<PriceListClient> logger)
{
    public const string Source = "aws-price-list";
    public const string OfferIndexPath = "/offers/v1.0/aws/index.json";

    /// <summary>AWS's published price of a public IPv4 address (since February 2024), used where the VPC offer has none.</summary>
    public const decimal PublicIpv4FallbackHourly = 0.005m;

    /// <summary>The offer and region indexes are small (the real offer index is about 100 KB); a bigger answer is not one.</summary>
    private const int MaxIndexBytes = 16 << 20;

    private const string Ec2 = "AmazonEC2";
    private const string Vpc = "AmazonVPC";

    public async Task<PriceListResult> FetchAsync(CancellationToken ct = default)
    {
        var settings = options.Value;
        var baseUrl = BaseUrl(settings.PriceListBaseUrl);
        var timeout = settings.Timeout > TimeSpan.Zero ? settings.Timeout : Timeout.InfiniteTimeSpan;

        var indexUrl = new Uri(baseUrl, OfferIndexPath);
        var (ec2RegionIndex, vpcOffer) = await ReadIndexAsync(indexUrl, "The offer index", timeout,
            root => (Url(root, "offers", Ec2, "currentRegionIndexUrl"), Url(root, "offers", Vpc, "currentVersionUrl")), ct);
        var regionIndexUrl = Follow(baseUrl, indexUrl, ec2RegionIndex, $"The offer index's {Ec2} currentRegionIndexUrl");
        var vpcUrl = Follow(baseUrl, indexUrl, vpcOffer, $"The offer index's {Vpc} currentVersionUrl");

        var (regionUrls, indexPublished) = await ReadIndexAsync(regionIndexUrl, "The EC2 region index", timeout, ReadRegions, ct);
        var files = SelectRegions(regionUrls, settings.Regions, regionIndexUrl)
            .Select(r => new OfferFile(Ec2, r.Region, Follow(baseUrl, regionIndexUrl, r.Url, $"The EC2 region index's currentVersionUrl for {r.Region}")))
            .Append(new OfferFile(Vpc, null, vpcUrl))
            .ToList();

        var contents = new OfferContents[files.Count];
        var elapsed = new TimeSpan[files.Count];
        PriceListException? firstFailure = null;
        var cancelled = new ConcurrentBag<int>();
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, settings.MaxConcurrentDownloads), CancellationToken = ct };
            await Parallel.ForEachAsync(Enumerable.Range(0, files.Count), parallel, async (i, token) =>
            {
                var started = clock.GetTimestamp();
                try
                {
                    contents[i] = await ReadOfferAsync(files[i], timeout, token, ct);
                    elapsed[i] = clock.GetElapsedTime(started);
                    LogFileRead(files[i].Offer, files[i].Region ?? "all regions", contents[i].Bytes, contents[i].Compute.Count,
                        elapsed[i].TotalSeconds);
                }
                catch (PriceListException e)
                {
                    if (ct.IsCancellationRequested)
                    {
                        cancelled.Add(i);
                    }
                    else
                    {
                        Interlocked.CompareExchange(ref firstFailure, e, null);
                    }
                    throw;
                }
            });
        }
        catch (Exception e)
        {
            if (ct.IsCancellationRequested)
            {
                throw new PriceListException(cancelled.IsEmpty
                    ? "The price refresh was cancelled before the offer files were read."
                    : $"The price refresh was cancelled while reading {string.Join(" and ", cancelled.Order().Select(i => Lower(Describe(files[i]))))}.", e);
            }
            // The first file that failed says why; the others were only stopped because of it.
            if (firstFailure is not null)
            {
                ExceptionDispatchInfo.Throw(firstFailure);
            }
            throw;
        }

        return Build(files, contents, elapsed, indexPublished);
    }

    private PriceListResult Build(List<OfferFile> files, OfferContents[] contents, TimeSpan[] elapsed, DateTimeOffset? indexPublished)
    {
        var builder = new PriceCatalogBuilder();
        var summaries = new List<PriceListFile>(files.Count);
        OfferContents? vpc = null;
        for (var i = 0; i < files.Count; i++)
        {
            var c = contents[i];
            if (files[i].Offer == Vpc)
            {
                vpc = c;
            }
            else
            {
                foreach (var ((region, type, os), hourly) in c.Compute)
                {
                    builder.AddCompute(region, type, os, hourly);
                }
                foreach (var (region, volumeType, rate) in c.EbsRates())
                {
                    builder.AddEbs(region, volumeType, rate);
                }
            }
            summaries.Add(new PriceListFile(files[i].Offer, files[i].Region, files[i].Url, c.PublishedAt, c.Bytes, c.Products,
                c.Compute.Count, c.EbsRates().Count(), c.Ipv4Rates().Count(), c.Unpriced, c.Conflicts, elapsed[i]));
        }

        var computeRegions = files.Zip(contents)
            .Where(f => f.First.Offer == Ec2)
            .SelectMany(f => f.Second.Compute.Keys.Select(k => k.Region))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        // A region may legitimately sell nothing CostPilot prices (a new Local Zone); every region at once means the format changed.
        var empty = files.Zip(contents).Where(f => f.First.Offer == Ec2 && f.Second.Compute.Count == 0).ToList();
        if (computeRegions.Count == 0 && empty.Count > 0)
        {
            throw new PriceListException(string.Create(CultureInfo.InvariantCulture, $"{Describe(empty[0].First)} has no on-demand Linux or Windows price " +
                $"CostPilot could use ({empty[0].Second.Products:N0} products read): the file format may have changed."));
        }
        if (empty.Count > 0)
        {
            LogNoComputePrices(empty.Count, string.Join(", ", empty.Take(10).Select(f => f.First.Region)));
        }
        var ipv4 = vpc!.Ipv4Rates().ToDictionary(r => r.Region, r => r.Hourly, StringComparer.Ordinal);
        var fallbacks = new List<string>();
        foreach (var region in computeRegions)
        {
            if (ipv4.TryGetValue(region, out var hourly))
            {
                builder.AddPublicIpv4(region, hourly);
            }
            else
            {
                builder.AddPublicIpv4(region, PublicIpv4FallbackHourly);
                fallbacks.Add(region);
            }
        }
        if (fallbacks.Count > 0)
        {
            LogIpv4Fallback(fallbacks.Count, PublicIpv4FallbackHourly, string.Join(", ", fallbacks.Take(10)));
        }

        var published = contents.Select(c => c.PublishedAt).Append(indexPublished).Max()
            ?? throw new PriceListException("No Price List file gave a publicationDate, so the prices cannot be dated.");
        var catalog = builder.Build(new PriceCatalogInfo(Source, published, clock.GetUtcNow()));
        return new PriceListResult(catalog, summaries, fallbacks);
    }

    private async Task<OfferContents> ReadOfferAsync(OfferFile file, TimeSpan timeout, CancellationToken token, CancellationToken caller)
    {
        var what = Describe(file);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(token);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(file.Url, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            EnsureSuccess(response, what);
            await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
            var contents = await OfferParser.ParseAsync(body, file.Region, limit.Token);
            if (!string.Equals(contents.OfferCode, file.Offer, StringComparison.Ordinal))
            {
                throw new PriceListException($"{what} is the offer \"{contents.OfferCode}\", not {file.Offer}.");
            }
            return contents;
        }
        catch (Exception e) when (e is not PriceListException)
        {
            throw Explain(e, what, timeout, limit.IsCancellationRequested && !token.IsCancellationRequested, caller);
        }
    }

    private async Task<T> ReadIndexAsync<T>(Uri url, string what, TimeSpan timeout, Func<JsonElement, T> parse, CancellationToken ct)
    {
        what = $"{what} ({url})";
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            using var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            EnsureSuccess(response, what);
            if (response.Content.Headers.ContentLength > MaxIndexBytes)
            {
                throw new PriceListException(string.Create(CultureInfo.InvariantCulture,
                    $"{what} is {response.Content.Headers.ContentLength:N0} bytes; an index is never that big."));
            }
            await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
            using var buffered = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await body.ReadAsync(chunk, limit.Token)) > 0)
            {
                if (buffered.Length + read > MaxIndexBytes)
                {
                    throw new PriceListException($"{what} is over {MaxIndexBytes / (1 << 20)} MiB; an index is never that big.");
                }
                buffered.Write(chunk, 0, read);
            }
            buffered.Position = 0;
            using var document = await JsonDocument.ParseAsync(buffered, cancellationToken: limit.Token);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException("It is not a JSON object.");
            }
            return parse(document.RootElement);
        }
        catch (Exception e) when (e is not PriceListException)
        {
            throw Explain(e, what, timeout, limit.IsCancellationRequested && !ct.IsCancellationRequested, ct);
        }
    }

    private static PriceListException Explain(Exception e, string what, TimeSpan timeout, bool timedOut, CancellationToken caller) => e switch
    {
        OperationCanceledException when caller.IsCancellationRequested =>
            new PriceListException($"The price refresh was cancelled while reading {Lower(what)}.", e),
        OperationCanceledException when timedOut =>
            new PriceListException($"{what} took longer than {timeout} to download (CostPilot:Pricing:Timeout).", e),
        OperationCanceledException { InnerException: TimeoutException } =>
            new PriceListException($"{what} did not answer in time (the HttpClient's timeout).", e),
        // This file was stopped because another one failed.
        OperationCanceledException => new PriceListException($"Reading {Lower(what)} was stopped before it finished.", e),
        TruncatedJsonException => new PriceListException($"{what} is truncated: {e.Message}", e),
        JsonException => new PriceListException($"{what} is not valid JSON: {e.Message}", e),
        InvalidDataException => new PriceListException($"{what} is not a Price List file CostPilot can read: {e.Message}", e),
        HttpRequestException => new PriceListException($"{what} could not be downloaded: {Reason(e)}", e),
        IOException => new PriceListException($"{what} broke off while downloading: {Reason(e)}", e),
        _ => new PriceListException($"{what} could not be read ({e.GetType().Name}: {Reason(e)}).", e),
    };

    /// <summary>The message and what its inner exceptions add ("An error occurred while sending the request" says little alone).</summary>
    private static string Reason(Exception e)
    {
        var text = e.Message.TrimEnd('.');
        for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            var more = inner.Message.TrimEnd('.');
            if (!text.Contains(more, StringComparison.Ordinal))
            {
                text += ": " + more;
            }
        }
        return text + ".";
    }

    private static string Describe(OfferFile file) =>
        file.Region is null ? $"The {file.Offer} offer ({file.Url})" : $"The {file.Offer} offer for {file.Region} ({file.Url})";

    private static string Lower(string what) => what.StartsWith("The ", StringComparison.Ordinal) ? "the " + what[4..] : what;

    private static void EnsureSuccess(HttpResponseMessage response, string what)
    {
        if (!response.IsSuccessStatusCode)
        {
            var reason = string.IsNullOrWhiteSpace(response.ReasonPhrase) ? "" : $" {response.ReasonPhrase}";
            throw new PriceListException(response.StatusCode == HttpStatusCode.NotFound
                ? $"{what} does not exist (HTTP 404{reason})."
                : $"{what} could not be downloaded: HTTP {(int)response.StatusCode}{reason}.");
        }
    }

    private static Uri BaseUrl(string? configured) =>
        Uri.TryCreate(configured, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttps || url.Scheme == Uri.UriSchemeHttp)
            ? url
            : throw new PriceListException($"CostPilot:Pricing:PriceListBaseUrl \"{configured}\" is not an absolute http(s) URL.");

    /// <summary>A URL taken from an index: relative, or absolute on the base URL's host; never anywhere else.</summary>
    internal static Uri Follow(Uri baseUrl, Uri from, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new PriceListException($"{what} is missing.");
        }
        if (!Uri.TryCreate(from, value, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            throw new PriceListException($"{what} \"{value}\" is not an http(s) URL.");
        }
        if (url.Scheme != baseUrl.Scheme || !string.Equals(url.Host, baseUrl.Host, StringComparison.OrdinalIgnoreCase)
            || url.Port != baseUrl.Port || url.UserInfo.Length > 0)
        {
            throw new PriceListException($"{what} points at {url.GetLeftPart(UriPartial.Authority)}, not {baseUrl.GetLeftPart(UriPartial.Authority)}: not followed.");
        }
        return url;
    }

    private static string? Url(JsonElement root, string offers, string offer, string field) =>
        root.TryGetProperty(offers, out var all) && all.ValueKind == JsonValueKind.Object
        && all.TryGetProperty(offer, out var one) && one.ValueKind == JsonValueKind.Object
        && one.TryGetProperty(field, out var url) && url.ValueKind == JsonValueKind.String
            ? url.GetString()
            : null;

    private static (List<(string Region, string? Url)> Regions, DateTimeOffset? Published) ReadRegions(JsonElement root)
    {
        if (!root.TryGetProperty("regions", out var regions) || regions.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("It has no \"regions\".");
        }
        var list = new List<(string, string?)>();
        foreach (var region in regions.EnumerateObject())
        {
            var code = region.Value.ValueKind == JsonValueKind.Object && region.Value.TryGetProperty("regionCode", out var c)
                && c.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(c.GetString()) ? c.GetString()! : region.Name;
            var url = region.Value.ValueKind == JsonValueKind.Object && region.Value.TryGetProperty("currentVersionUrl", out var u)
                && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
            list.Add((code, url));
        }
        DateTimeOffset? published = root.TryGetProperty("publicationDate", out var p) && p.ValueKind == JsonValueKind.String
            && p.TryGetDateTimeOffset(out var at) ? at : null;
        return (list, published);
    }

    private static List<(string Region, string? Url)> SelectRegions(List<(string Region, string? Url)> all, IList<string>? wanted, Uri indexUrl)
    {
        if (all.Count == 0)
        {
            throw new PriceListException($"The EC2 region index ({indexUrl}) lists no region.");
        }
        if (wanted is null || wanted.Count == 0)
        {
            return all;
        }
        var byCode = all.ToDictionary(r => r.Region, StringComparer.Ordinal);
        return [.. wanted.Select(w => w.Trim()).Distinct(StringComparer.Ordinal).Select(w => byCode.TryGetValue(w, out var r)
            ? r
            : throw new PriceListException($"The region \"{w}\" (CostPilot:Pricing:Regions) is not in AWS's EC2 region index ({indexUrl})."))];
    }

    private sealed record OfferFile(string Offer, string? Region, Uri Url);

    [LoggerMessage(Level = LogLevel.Information, Message = "Price List: read the {Offer} offer for {Region}, {Bytes} bytes, {ComputePrices} compute prices, in {Seconds:F1} s")]
    private partial void LogFileRead(string offer, string region, long bytes, int computePrices, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Price List: the AmazonVPC offer has no public IPv4 price for {Count} regions; using AWS's published {Hourly} USD/h there ({Regions})")]
    private partial void LogIpv4Fallback(int count, decimal hourly, string regions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} EC2 region files had no on-demand Linux or Windows price CostPilot could use: {Regions}")]
    private partial void LogNoComputePrices(int count, string regions);
}

/// <summary>A refreshed catalog, with what each file gave.</summary>
/// <param name="Catalog">Source "aws-price-list"; PublishedAt the newest publicationDate; RetrievedAt when the refresh ended.</param>
/// <param name="Files">One per EC2 region file, then the AmazonVPC offer.</param>
/// <param name="PublicIpv4FallbackRegions">Regions with compute prices but no public IPv4 price in the VPC offer: priced at <see cref="PriceListClient.PublicIpv4FallbackHourly"/>.</param>
public sealed record PriceListResult(PriceCatalogData Catalog, IReadOnlyList<PriceListFile> Files, IReadOnlyList<string> PublicIpv4FallbackRegions)
{
    public int PublicIpv4Fallbacks => PublicIpv4FallbackRegions.Count;
}

/// <summary>What one offer file gave.</summary>
/// <param name="Offer">AmazonEC2 or AmazonVPC.</param>
/// <param name="Region">The EC2 file's region (its region index key); null for the AmazonVPC offer, which covers all regions.</param>
/// <param name="Products">Products in the file, of every kind.</param>
/// <param name="ComputePrices">On-demand Linux and Windows prices kept (by the products' regionCode, which can include Local Zones).</param>
/// <param name="EbsRates">Volume types with a storage price.</param>
/// <param name="PublicIpv4Rates">Regions with a public IPv4 price.</param>
/// <param name="Unpriced">Products that matched but had no usable price ($0.00, several tiers, another unit or currency).</param>
/// <param name="Conflicts">Products that priced the same key differently (the first price was kept).</param>
public sealed record PriceListFile(string Offer, string? Region, Uri Url, DateTimeOffset? PublishedAt, long Bytes, int Products,
    int ComputePrices, int EbsRates, int PublicIpv4Rates, int Unpriced, int Conflicts, TimeSpan Elapsed);
