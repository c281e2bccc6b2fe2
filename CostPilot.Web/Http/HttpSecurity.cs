using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace CostPilot.Web.Http;

/// <summary>
/// Settings under <c>CostPilot:Http</c>: which proxies may tell the app the client's address and scheme, and HSTS.
/// </summary>
public static class HttpSecurity
{
    public const string KnownProxiesKey = "CostPilot:Http:KnownProxies";
    public const string KnownNetworksKey = "CostPilot:Http:KnownNetworks";
    public const string HstsKey = "CostPilot:Http:Hsts";

    /// <summary>
    /// X-Forwarded-For and X-Forwarded-Proto are honoured only from <c>KnownProxies</c> (addresses) and <c>KnownNetworks</c>
    /// (CIDR ranges), each a list or one comma-separated value; with neither set, from loopback only (a proxy on the same
    /// machine). Every hop of a chain of proxies must be listed: the first address from the right that is not a known proxy
    /// is the client's.
    /// </summary>
    public static ForwardedHeadersOptions ForwardingFrom(IConfiguration config)
    {
        var options = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = null,
        };
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        var proxies = Values(config.GetSection(KnownProxiesKey));
        var networks = Values(config.GetSection(KnownNetworksKey));
        foreach (var proxy in proxies)
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy, out var address)
                ? address
                : throw new InvalidOperationException($"{KnownProxiesKey}: \"{proxy}\" is not an IP address."));
        }
        foreach (var network in networks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network, out var range)
                ? range
                : throw new InvalidOperationException($"{KnownNetworksKey}: \"{network}\" is not a network in CIDR form (10.0.0.0/8, fd00::/8)."));
        }
        if (proxies.Count == 0 && networks.Count == 0)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse("127.0.0.0/8"));
            options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse("::1/128"));
        }
        return options;
    }

    /// <summary>A list setting: <c>Key:0</c>, <c>Key:1</c>… (JSON arrays), or one value separated by commas (an environment variable).</summary>
    private static List<string> Values(IConfigurationSection section)
    {
        var children = section.GetChildren().Select(c => c.Value).OfType<string>().ToList();
        var values = children.Count > 0 ? children : [section.Value ?? ""];
        return [.. values.SelectMany(v => v.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
    }
}
