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
        Assert.Equal("healthy", json.RootElement.GetProperty("status").GetString());
        var names = json.RootElement.GetProperty("components").EnumerateArray().Select(c => c.GetProperty("name").GetString()).ToList();
        Assert.Equal(["database", "jobs", "storage"], names);
    }
}
