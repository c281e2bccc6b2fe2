using System.Text;
using System.Text.RegularExpressions;
using CostPilot.Domain.Pricing;
using CostPilot.Infrastructure.Pricing.PriceList;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Infrastructure.Pricing;

/// <summary>The whole refresh through a real HttpClient against a local server holding the sample Price List files.</summary>
public sealed class PriceListClientTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 9, 12, 8, 30, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private readonly HttpClient _http = new();
    private PriceListServer _server = null!;

    public async Task InitializeAsync() => _server = (await PriceListServer.StartAsync()).ServeSample();

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task FetchAsync_SampleFiles_KeepsExactlyTheSevenComputePrices()
    {
        var result = await Client().FetchAsync();

        var catalog = result.Catalog;
        Assert.Equal(0.096m, catalog.InstanceHourly("us-east-1", "m5.large", InstanceOs.Linux, Tenancy.Shared));
        Assert.Equal(0.0104m, catalog.InstanceHourly("us-east-1", "t3.micro", InstanceOs.Linux, Tenancy.Shared));
        Assert.Equal(0.17m, catalog.InstanceHourly("us-east-1", "c5.xlarge", InstanceOs.Linux, Tenancy.Shared));
        Assert.Equal(0.077m, catalog.InstanceHourly("us-east-1", "m6g.large", InstanceOs.Linux, Tenancy.Shared));
        Assert.Equal(0.188m, catalog.InstanceHourly("us-east-1", "m5.large", InstanceOs.Windows, Tenancy.Shared));
        Assert.Equal(0.0196m, catalog.InstanceHourly("us-east-1", "t3.micro", InstanceOs.Windows, Tenancy.Shared));
        Assert.Equal(0.354m, catalog.InstanceHourly("us-east-1", "c5.xlarge", InstanceOs.Windows, Tenancy.Shared));
        Assert.Equal(7, catalog.ComputePriceCount);
        // Stored without the file's trailing zeros ("0.0960000000").
        Assert.Equal("0.096", catalog.ComputePrices.Single(p => p is { Type: "m5.large", Os: InstanceOs.Linux }).Hourly.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task FetchAsync_SampleFiles_SkippedRowsAreAbsent()
    {
        var result = await Client().FetchAsync();

        var catalog = result.Catalog;
        // Dedicated m5.xlarge (DedicatedUsage:): no price for it at all, shared or not.
        Assert.Null(catalog.InstanceHourly("us-east-1", "m5.xlarge", InstanceOs.Linux, Tenancy.Shared));
        Assert.DoesNotContain(catalog.ComputePrices, p => p.Type == "m5.xlarge" || p.Hourly == 0.204m);
        // The "License Included - Infrastructure" m5.large (RunInstances:0002:box, $0.096) did not replace the licence-included price.
        Assert.Equal(0.188m, catalog.InstanceHourly("us-east-1", "m5.large", InstanceOs.Windows, Tenancy.Shared));
        // The reserved-capacity c5.xlarge ($0.00, AllocatedCapacityReservation) did not replace the Used price.
        Assert.Equal(0.17m, catalog.InstanceHourly("us-east-1", "c5.xlarge", InstanceOs.Linux, Tenancy.Shared));
        Assert.DoesNotContain(catalog.ComputePrices, p => p.Hourly <= 0);
        var file = result.Files.Single(f => f.Offer == "AmazonEC2");
        Assert.Equal((12, 7, 0, 0), (file.Products, file.ComputePrices, file.Unpriced, file.Conflicts));
    }

    [Fact]
    public async Task FetchAsync_SampleFiles_ReadsGp3StoragePerGbMonth()
    {
        var catalog = (await Client().FetchAsync()).Catalog;

        Assert.Equal(new EbsRate(0.08m), catalog.Ebs("us-east-1", "gp3"));
        Assert.Single(catalog.EbsRates);
        Assert.Null(catalog.Ebs("us-east-1", "gp2"));
    }

    [Fact]
    public async Task FetchAsync_VpcOfferHasTheRegion_TakesPublicIpv4FromIt()
    {
        // The fixture's price changed, to tell a read price from the fallback.
        _server.Serve(PriceListServer.VpcPath, OfferFiles.SampleText("AmazonVPC-offer.json")
            .Replace("\"USD\" : \"0.0050000000\"", "\"USD\" : \"0.0075000000\"", StringComparison.Ordinal));

        var result = await Client().FetchAsync();

        Assert.Equal(0.0075m, result.Catalog.PublicIpv4Hourly("us-east-1"));
        Assert.Equal(0, result.PublicIpv4Fallbacks);
        Assert.Empty(result.PublicIpv4FallbackRegions);
        // Only regions with compute prices get an IPv4 price: us-west-2 is in the VPC offer, but not fetched.
        Assert.Null(result.Catalog.PublicIpv4Hourly("us-west-2"));
        Assert.Equal(2, result.Files.Single(f => f.Offer == "AmazonVPC").PublicIpv4Rates);
    }

    [Fact]
    public async Task FetchAsync_SampleVpcOffer_PublicIpv4IsTheInUseRate()
    {
        var result = await Client().FetchAsync();

        Assert.Equal(0.005m, result.Catalog.PublicIpv4Hourly("us-east-1"));
        Assert.Equal(0, result.PublicIpv4Fallbacks);
    }

    [Fact]
    public async Task FetchAsync_VpcOfferLacksTheRegion_FallsBackToAwsPublishedRateAndSaysSo()
    {
        _server.Serve(PriceListServer.VpcPath, OfferFiles.SampleText("AmazonVPC-offer.json")
            .Replace("\"regionCode\" : \"us-east-1\"", "\"regionCode\" : \"ap-south-2\"", StringComparison.Ordinal)
            .Replace("\"USD\" : \"0.0050000000\"", "\"USD\" : \"0.0075000000\"", StringComparison.Ordinal));

        var result = await Client().FetchAsync();

        Assert.Equal(0.005m, result.Catalog.PublicIpv4Hourly("us-east-1"));
        Assert.Equal(1, result.PublicIpv4Fallbacks);
        Assert.Equal(["us-east-1"], result.PublicIpv4FallbackRegions);
    }

    [Fact]
    public async Task FetchAsync_SampleFiles_InfoHasSourceNewestPublicationDateAndRetrievalTime()
    {
        var info = (await Client().FetchAsync()).Catalog.Info;

        // The EC2 file (2026-09-10) is newer than the VPC fixture (2026-09-08).
        Assert.Equal(new PriceCatalogInfo("aws-price-list", new DateTimeOffset(2026, 9, 10, 19, 55, 14, TimeSpan.Zero), Now), info);
    }

    [Fact]
    public async Task FetchAsync_VpcOfferIsNewer_PublishedAtIsTheVpcOffers()
    {
        _server.Serve(PriceListServer.VpcPath, OfferFiles.SampleText("AmazonVPC-offer.json")
            .Replace("2026-09-08T17:40:12Z", "2026-09-11T06:00:00Z", StringComparison.Ordinal));

        var info = (await Client().FetchAsync()).Catalog.Info;

        Assert.Equal(new DateTimeOffset(2026, 9, 11, 6, 0, 0, TimeSpan.Zero), info.PublishedAt);
    }

    [Fact]
    public async Task FetchAsync_SampleFiles_ReportsEachFile()
    {
        var result = await Client().FetchAsync();

        Assert.Collection(result.Files,
            ec2 =>
            {
                Assert.Equal(("AmazonEC2", "us-east-1", new Uri(_server.Url + PriceListServer.UsEast1Path)), (ec2.Offer, ec2.Region, ec2.Url));
                Assert.Equal((7, 1, 29_214L), (ec2.ComputePrices, ec2.EbsRates, ec2.Bytes));
            },
            vpc => Assert.Equal(("AmazonVPC", (string?)null, 4), (vpc.Offer, vpc.Region, vpc.Products)));
        // Only the configured region's file was asked for.
        Assert.DoesNotContain(PriceListServer.UsWest2Path, _server.Requests);
    }

    [Fact]
    public async Task FetchAsync_TermsBeforeProducts_KeepsTheSamePrices()
    {
        _server.Serve(PriceListServer.UsEast1Path, OfferFiles.TermsFirst(OfferFiles.SampleText("AmazonEC2-us-east-1-offer.json")));

        var catalog = (await Client().FetchAsync()).Catalog;

        Assert.Equal(7, catalog.ComputePriceCount);
        Assert.Equal(0.354m, catalog.InstanceHourly("us-east-1", "c5.xlarge", InstanceOs.Windows, Tenancy.Shared));
        Assert.Equal(0.17m, catalog.InstanceHourly("us-east-1", "c5.xlarge", InstanceOs.Linux, Tenancy.Shared));
        Assert.Equal(new EbsRate(0.08m), catalog.Ebs("us-east-1", "gp3"));
    }

    [Fact]
    public async Task FetchAsync_FileArrivesInTinyWrites_KeepsTheSamePrices()
    {
        var bytes = OfferFiles.SampleBytes("AmazonEC2-us-east-1-offer.json");
        _server.Serve(PriceListServer.UsEast1Path, async context =>
        {
            context.Response.ContentLength = bytes.Length;
            var random = new Random(7);
            for (var at = 0; at < bytes.Length;)
            {
                var size = Math.Min(random.Next(1, 8), bytes.Length - at);
                await context.Response.Body.WriteAsync(bytes.AsMemory(at, size));
                await context.Response.Body.FlushAsync();
                at += size;
            }
        });

        var catalog = (await Client().FetchAsync()).Catalog;

        Assert.Equal(7, catalog.ComputePriceCount);
        Assert.Equal(0.0196m, catalog.InstanceHourly("us-east-1", "t3.micro", InstanceOs.Windows, Tenancy.Shared));
    }

    [Fact]
    public async Task FetchAsync_TruncatedRegionFile_ThrowsNamingTheFile()
    {
        var bytes = OfferFiles.SampleBytes("AmazonEC2-us-east-1-offer.json");
        _server.Serve(PriceListServer.UsEast1Path, bytes[..(bytes.Length / 2)]);

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.Equal($"The AmazonEC2 offer for us-east-1 ({_server.Url}{PriceListServer.UsEast1Path}) is truncated: " +
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"The file ended after {bytes.Length / 2:N0} bytes, in the middle of its JSON document."), e.Message);
    }

    [Fact]
    public async Task FetchAsync_DownloadBreaksOff_ThrowsNamingTheFile()
    {
        var bytes = OfferFiles.SampleBytes("AmazonEC2-us-east-1-offer.json");
        _server.Serve(PriceListServer.UsEast1Path, async context =>
        {
            context.Response.ContentLength = bytes.Length;
            await context.Response.Body.WriteAsync(bytes.AsMemory(0, 10_000));
            await context.Response.Body.FlushAsync();
            await Task.Delay(100);
            context.Abort();
        });

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        // Depending on when the reset arrives: while the body streams (IOException) or inside HttpClient (HttpRequestException).
        Assert.Matches($@"^The AmazonEC2 offer for us-east-1 \({Regex.Escape(_server.Url + PriceListServer.UsEast1Path)}\) " +
            "(broke off while downloading|could not be downloaded): .*(reset|ended prematurely)", e.Message);
    }

    [Fact]
    public async Task FetchAsync_MalformedRegionFile_ThrowsWithTheFileAndPosition()
    {
        var text = OfferFiles.SampleText("AmazonEC2-us-east-1-offer.json");
        var at = text.IndexOf("\"capacitystatus\" : \"Used\"", text.IndexOf("SAMPLEM6GLARGLNX", StringComparison.Ordinal), StringComparison.Ordinal);
        _server.Serve(PriceListServer.UsEast1Path, text[..at] + "\"capacitystatus\" ; \"Used\"" + text[(at + 25)..]);
        var line = text[..at].Count(c => c == '\n');

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.StartsWith($"The AmazonEC2 offer for us-east-1 ({_server.Url}{PriceListServer.UsEast1Path}) is not valid JSON: ", e.Message);
        Assert.Contains($"LineNumber: {line} ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FetchAsync_RegionFileAnswers500_ThrowsNamingTheFileAndStatus()
    {
        _server.Fail(PriceListServer.UsEast1Path, StatusCodes.Status500InternalServerError);

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.Equal($"The AmazonEC2 offer for us-east-1 ({_server.Url}{PriceListServer.UsEast1Path}) could not be downloaded: HTTP 500 Internal Server Error.", e.Message);
    }

    [Fact]
    public async Task FetchAsync_AllRegionsButOneFileMissing_ThrowsNamingTheMissingFile()
    {
        // All regions of the index: us-west-2 and eu-west-1 are not served.
        _server.Serve(PriceListServer.EuWest1Path, OfferFiles.SampleText("AmazonEC2-us-east-1-offer.json"));

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client(o => o.Regions = null).FetchAsync());

        Assert.Equal($"The AmazonEC2 offer for us-west-2 ({_server.Url}{PriceListServer.UsWest2Path}) does not exist (HTTP 404 Not Found).", e.Message);
    }

    [Fact]
    public async Task FetchAsync_AllRegionsServed_BuildsEveryRegion()
    {
        // The us-east-1 file stands in for the other two regions (the file's region is only a fallback for products without a regionCode).
        var text = OfferFiles.SampleText("AmazonEC2-us-east-1-offer.json");
        _server.Serve(PriceListServer.UsWest2Path, text.Replace("\"us-east-1\"", "\"us-west-2\"", StringComparison.Ordinal));
        _server.Serve(PriceListServer.EuWest1Path, text.Replace("\"regionCode\" : \"us-east-1\",", "", StringComparison.Ordinal));

        var result = await Client(o => o.Regions = null).FetchAsync();

        Assert.Equal(["us-west-2", "eu-west-1", "us-east-1", null], result.Files.Select(f => f.Region));
        Assert.Equal(21, result.Catalog.ComputePriceCount);
        Assert.Equal(0.096m, result.Catalog.InstanceHourly("eu-west-1", "m5.large", InstanceOs.Linux, Tenancy.Shared));
        Assert.Equal(0.096m, result.Catalog.InstanceHourly("us-west-2", "m5.large", InstanceOs.Linux, Tenancy.Shared));
        // us-west-2 and us-east-1 from the VPC offer, eu-west-1 is not in it.
        Assert.Equal(["eu-west-1"], result.PublicIpv4FallbackRegions);
    }

    [Fact]
    public async Task FetchAsync_RegionFileWithoutComputePrices_Throws()
    {
        var text = OfferFiles.SampleText("AmazonEC2-us-east-1-offer.json");
        _server.Serve(PriceListServer.UsEast1Path, text.Replace("\"capacitystatus\" : \"Used\"", "\"capacitystatus\" : \"UnusedCapacityReservation\"", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.Equal($"The AmazonEC2 offer for us-east-1 ({_server.Url}{PriceListServer.UsEast1Path}) has no on-demand Linux or Windows " +
            "price CostPilot could use (12 products read): the file format may have changed.", e.Message);
    }

    [Fact]
    public async Task FetchAsync_OneOfSeveralRegionsWithoutComputePrices_KeepsTheOthers()
    {
        var text = OfferFiles.SampleText("AmazonEC2-us-east-1-offer.json");
        _server.Serve(PriceListServer.UsWest2Path, text.Replace("\"us-east-1\"", "\"us-west-2\"", StringComparison.Ordinal));
        _server.Serve(PriceListServer.EuWest1Path, text.Replace("\"regionCode\" : \"us-east-1\",", "", StringComparison.Ordinal)
            .Replace("\"capacitystatus\" : \"Used\"", "\"capacitystatus\" : \"UnusedCapacityReservation\"", StringComparison.Ordinal));

        var result = await Client(o => o.Regions = null).FetchAsync();

        Assert.Equal(0.096m, result.Catalog.InstanceHourly("us-west-2", "m5.large", InstanceOs.Linux, Tenancy.Shared));
        Assert.Null(result.Catalog.InstanceHourly("eu-west-1", "m5.large", InstanceOs.Linux, Tenancy.Shared));
        Assert.Equal(0, Assert.Single(result.Files, f => f.Region == "eu-west-1").ComputePrices);
    }

    [Fact]
    public async Task FetchAsync_RegionUrlIsAnotherOffer_Throws()
    {
        _server.Serve(PriceListServer.UsEast1Path, OfferFiles.SampleBytes("AmazonVPC-offer.json"));

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.EndsWith("is the offer \"AmazonVPC\", not AmazonEC2.", e.Message);
    }

    [Fact]
    public async Task FetchAsync_VpcOfferAnswers500_Throws()
    {
        _server.Fail(PriceListServer.VpcPath, StatusCodes.Status503ServiceUnavailable);

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.Equal($"The AmazonVPC offer ({_server.Url}{PriceListServer.VpcPath}) could not be downloaded: HTTP 503 Service Unavailable.", e.Message);
    }

    [Fact]
    public async Task FetchAsync_OfferIndexMissing_Throws()
    {
        _server.Fail(PriceListServer.OfferIndexPath, StatusCodes.Status404NotFound);

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.Equal($"The offer index ({_server.Url}{PriceListServer.OfferIndexPath}) does not exist (HTTP 404 Not Found).", e.Message);
    }

    [Fact]
    public async Task FetchAsync_IndexPointsAtAnotherHost_RefusesToFollow()
    {
        _server.Serve(PriceListServer.OfferIndexPath, OfferFiles.SampleText("index.json")
            .Replace("\"/offers/v1.0/aws/AmazonEC2/current/region_index.json\"", "\"https://pricing.example.net/offers/v1.0/aws/AmazonEC2/current/region_index.json\"", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.Equal($"The offer index's AmazonEC2 currentRegionIndexUrl points at https://pricing.example.net, not {_server.Url}: not followed.", e.Message);
        Assert.DoesNotContain(PriceListServer.RegionIndexPath, _server.Requests);
    }

    [Fact]
    public async Task FetchAsync_RegionIndexPointsAtAnotherHost_RefusesToFollow()
    {
        _server.Serve(PriceListServer.RegionIndexPath, OfferFiles.SampleText("AmazonEC2-region_index.json")
            .Replace("\"/offers/v1.0/aws/AmazonEC2/20260910195514/us-east-1/index.json\"", "\"//169.254.169.254/latest/meta-data/\"", StringComparison.Ordinal));

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync());

        Assert.Equal($"The EC2 region index's currentVersionUrl for us-east-1 points at http://169.254.169.254, not {_server.Url}: not followed.", e.Message);
    }

    [Fact]
    public async Task FetchAsync_UnknownConfiguredRegion_Throws()
    {
        var e = await Assert.ThrowsAsync<PriceListException>(() => Client(o => o.Regions = ["us-east-1", "mars-north-1"]).FetchAsync());

        Assert.Equal($"The region \"mars-north-1\" (CostPilot:Pricing:Regions) is not in AWS's EC2 region index ({_server.Url}{PriceListServer.RegionIndexPath}).", e.Message);
    }

    [Fact]
    public async Task FetchAsync_CancelledWhileDownloading_ThrowsPriceListException()
    {
        using var started = new CountdownEvent(2);
        RequestDelegate hang = async context =>
        {
            started.Signal();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        _server.Serve(PriceListServer.UsEast1Path, hang);
        _server.Serve(PriceListServer.VpcPath, hang);
        using var cancel = new CancellationTokenSource();

        var fetch = Client().FetchAsync(cancel.Token);
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        await cancel.CancelAsync();
        var e = await Assert.ThrowsAsync<PriceListException>(() => fetch);

        Assert.Equal($"The price refresh was cancelled while reading the AmazonEC2 offer for us-east-1 ({_server.Url}{PriceListServer.UsEast1Path}) " +
            $"and the AmazonVPC offer ({_server.Url}{PriceListServer.VpcPath}).", e.Message);
        Assert.IsAssignableFrom<OperationCanceledException>(e.InnerException);
    }

    [Fact]
    public async Task FetchAsync_CancelledBeforeStart_ThrowsPriceListException()
    {
        using var cancel = new CancellationTokenSource();
        await cancel.CancelAsync();

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client().FetchAsync(cancel.Token));

        Assert.Equal($"The price refresh was cancelled while reading the offer index ({_server.Url}{PriceListServer.OfferIndexPath}).", e.Message);
    }

    [Fact]
    public async Task FetchAsync_FileStalls_ThrowsAfterTheTimeout()
    {
        _server.Serve(PriceListServer.UsEast1Path, async context =>
        {
            context.Response.ContentLength = 100_000;
            await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes("{ \"products\" : {"));
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client(o => o.Timeout = TimeSpan.FromMilliseconds(300)).FetchAsync());

        Assert.Equal($"The AmazonEC2 offer for us-east-1 ({_server.Url}{PriceListServer.UsEast1Path}) took longer than 00:00:00.3000000 to download (CostPilot:Pricing:Timeout).", e.Message);
    }

    [Fact]
    public async Task FetchAsync_OneFileFails_ReportsThatFileNotTheOnesStoppedBecauseOfIt()
    {
        // us-west-2 hangs until it is stopped; us-east-1 fails a moment later.
        _server.Serve(PriceListServer.UsWest2Path, context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        _server.Serve(PriceListServer.UsEast1Path, async context =>
        {
            await Task.Delay(200, context.RequestAborted);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
        });

        var e = await Assert.ThrowsAsync<PriceListException>(() => Client(o => o.Regions = ["us-west-2", "us-east-1"]).FetchAsync());

        Assert.Equal($"The AmazonEC2 offer for us-east-1 ({_server.Url}{PriceListServer.UsEast1Path}) could not be downloaded: HTTP 502 Bad Gateway.", e.Message);
    }

    [Theory]
    [InlineData("/offers/x.json", "http://127.0.0.1:5/offers/x.json")]
    [InlineData("offers/x.json", "http://127.0.0.1:5/offers/v1.0/aws/offers/x.json")]
    [InlineData("http://127.0.0.1:5/offers/x.json", "http://127.0.0.1:5/offers/x.json")]
    [InlineData("http://127.0.0.1:6/offers/x.json", null)]
    [InlineData("https://127.0.0.1:5/offers/x.json", null)]
    [InlineData("http://evil.example/offers/x.json", null)]
    [InlineData("//evil.example/offers/x.json", null)]
    [InlineData("http://user@127.0.0.1:5/offers/x.json", null)]
    [InlineData("file:///etc/passwd", null)]
    [InlineData("", null)]
    public void Follow_UrlFromAnIndex_OnlyRelativeOrSameHost(string value, string? expected)
    {
        var baseUrl = new Uri("http://127.0.0.1:5");
        var from = new Uri("http://127.0.0.1:5/offers/v1.0/aws/index.json");

        if (expected is null)
        {
            Assert.Throws<PriceListException>(() => PriceListClient.Follow(baseUrl, from, value, "url"));
        }
        else
        {
            Assert.Equal(new Uri(expected), PriceListClient.Follow(baseUrl, from, value, "url"));
        }
    }

    private PriceListClient Client(Action<PricingOptions>? configure = null)
    {
        var options = new PricingOptions { PriceListBaseUrl = _server.Url, Regions = ["us-east-1"] };
        configure?.Invoke(options);
        return new PriceListClient(_http, Options.Create(options), _clock, NullLogger<PriceListClient>.Instance);
    }
}
