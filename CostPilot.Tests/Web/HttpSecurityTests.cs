using System.Net;
using CostPilot.Web.Http;
using Microsoft.Extensions.Configuration;

namespace CostPilot.Tests.Web;

/// <summary>How CostPilot:Http:KnownProxies and KnownNetworks are read.</summary>
public sealed class HttpSecurityTests
{
    [Fact]
    public void ForwardingFrom_NothingSet_LoopbackOnly()
    {
        var options = HttpSecurity.ForwardingFrom(Config([]));

        Assert.Empty(options.KnownProxies);
        Assert.Equal(["127.0.0.0/8", "::1/128"], options.KnownIPNetworks.Select(n => n.ToString()));
    }

    [Fact]
    public void ForwardingFrom_CommaSeparatedValues_ReplaceLoopback()
    {
        var options = HttpSecurity.ForwardingFrom(Config(new()
        {
            ["CostPilot:Http:KnownProxies"] = "10.0.0.5, 10.0.0.6",
            ["CostPilot:Http:KnownNetworks"] = "172.16.0.0/12",
        }));

        Assert.Equal([IPAddress.Parse("10.0.0.5"), IPAddress.Parse("10.0.0.6")], options.KnownProxies);
        Assert.Equal(["172.16.0.0/12"], options.KnownIPNetworks.Select(n => n.ToString()));
        Assert.Null(options.ForwardLimit);
    }

    [Fact]
    public void ForwardingFrom_ArrayOfNetworks_ReadsEach()
    {
        var options = HttpSecurity.ForwardingFrom(Config(new()
        {
            ["CostPilot:Http:KnownNetworks:0"] = "10.0.0.0/8",
            ["CostPilot:Http:KnownNetworks:1"] = "fd00::/8",
        }));

        Assert.Empty(options.KnownProxies);
        Assert.Equal(["10.0.0.0/8", "fd00::/8"], options.KnownIPNetworks.Select(n => n.ToString()));
    }

    [Theory]
    [InlineData("CostPilot:Http:KnownProxies", "proxy.internal", "is not an IP address")]
    [InlineData("CostPilot:Http:KnownNetworks", "10.0.0.0", "is not a network in CIDR form")]
    public void ForwardingFrom_Malformed_RefusesToStartSayingWhich(string key, string value, string expected)
    {
        var error = Assert.Throws<InvalidOperationException>(() => HttpSecurity.ForwardingFrom(Config(new() { [key] = value })));

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Config(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
