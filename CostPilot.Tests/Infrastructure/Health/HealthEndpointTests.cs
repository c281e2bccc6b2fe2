using System.Net;
using System.Text.Json;
using CostPilot.Tests.Support;

namespace CostPilot.Tests.Infrastructure.Health;

public sealed class HealthEndpointTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public HealthEndpointTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task GetHealth_AllComponentsUp_Returns200WithEachComponent()
    {
        using var client = _app.CreateClient();

        using var response = await client.GetAsync("/api/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var components = json.RootElement.GetProperty("components").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal(["database", "jobs", "storage", "prices"], components.Keys);
        Assert.All(["database", "jobs", "storage"], name => Assert.Equal("healthy", components[name]));
        // The shipped snapshot is months old by now: old prices are still prices, so "degraded" (the app still answers 200).
        Assert.Equal("degraded", components["prices"]);
        Assert.Equal("degraded", json.RootElement.GetProperty("status").GetString());
    }
}
