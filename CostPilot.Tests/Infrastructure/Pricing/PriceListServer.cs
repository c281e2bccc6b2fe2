using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CostPilot.Tests.Infrastructure.Pricing;

/// <summary>
/// A local stand-in for <c>https://pricing.us-east-1.amazonaws.com</c>: real Kestrel on 127.0.0.1, answering the Price
/// List's URL paths with whatever a test serves there (404 for anything else).
/// </summary>
public sealed class PriceListServer : IAsyncDisposable
{
    public const string OfferIndexPath = "/offers/v1.0/aws/index.json";
    public const string RegionIndexPath = "/offers/v1.0/aws/AmazonEC2/current/region_index.json";
    public const string UsEast1Path = "/offers/v1.0/aws/AmazonEC2/20260910195514/us-east-1/index.json";
    public const string UsWest2Path = "/offers/v1.0/aws/AmazonEC2/20260910195514/us-west-2/index.json";
    public const string EuWest1Path = "/offers/v1.0/aws/AmazonEC2/20260910195514/eu-west-1/index.json";
    public const string VpcPath = "/offers/v1.0/aws/AmazonVPC/current/index.json";

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, RequestDelegate> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();

    private PriceListServer(WebApplication app)
    {
        _app = app;
        _app.Run(context =>
        {
            _requests.Enqueue(context.Request.Path.Value ?? "");
            if (_routes.TryGetValue(context.Request.Path.Value ?? "", out var handler))
            {
                return handler(context);
            }
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
    }

    /// <summary>"http://127.0.0.1:PORT".</summary>
    public string Url { get; private set; } = "";

    public IReadOnlyCollection<string> Requests => [.. _requests];

    public static async Task<PriceListServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(IPAddress.Loopback, 0);
        });
        var server = new PriceListServer(builder.Build());
        await server._app.StartAsync();
        server.Url = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single().TrimEnd('/');
        return server;
    }

    /// <summary>The three sample files and the hand-made AmazonVPC offer, at their real paths.</summary>
    public PriceListServer ServeSample()
    {
        Serve(OfferIndexPath, OfferFiles.SampleBytes("index.json"));
        Serve(RegionIndexPath, OfferFiles.SampleBytes("AmazonEC2-region_index.json"));
        Serve(UsEast1Path, OfferFiles.SampleBytes("AmazonEC2-us-east-1-offer.json"));
        Serve(VpcPath, OfferFiles.SampleBytes("AmazonVPC-offer.json"));
        return this;
    }

    public void Serve(string path, string body) => Serve(path, Encoding.UTF8.GetBytes(body));

    public void Serve(string path, byte[] body) => _routes[path] = async context =>
    {
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = body.Length;
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    };

    public void Serve(string path, RequestDelegate handler) => _routes[path] = handler;

    public void Fail(string path, int status) => _routes[path] = context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
