using System.Text.Json;
using CostPilot.Tests.Support;

namespace CostPilot.Tests.Web.Api;

/// <summary>The OpenAPI document lists every client and onboarding endpoint with its success response and that response's schema.</summary>
public sealed class ClientApiDocumentTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public ClientApiDocumentTests(CostPilotAppFactory app) => _app = app;

    public static TheoryData<string, string, string, string?> Endpoints => new()
    {
        { "get", "/api/client/summary", "200", "application/json" },
        { "get", "/api/client/accounts", "200", "application/json" },
        { "get", "/api/client/accounts/{id}", "200", "application/json" },
        { "post", "/api/client/accounts/{id}/rescan", "202", null },
        { "delete", "/api/client/accounts/{id}", "204", null },
        { "get", "/api/client/accounts/{id}/costs", "200", "application/json" },
        { "get", "/api/client/accounts/{id}/instances", "200", "application/json" },
        { "get", "/api/client/accounts/{id}/volumes", "200", "application/json" },
        { "get", "/api/client/accounts/{id}/addresses", "200", "application/json" },
        { "get", "/api/client/accounts/{id}/recommendations", "200", "application/json" },
        { "get", "/api/client/accounts/{id}/export/instances.csv", "200", "text/csv" },
        { "get", "/api/client/accounts/{id}/export/volumes.csv", "200", "text/csv" },
        { "get", "/api/client/accounts/{id}/export/addresses.csv", "200", "text/csv" },
        { "get", "/api/client/accounts/{id}/export/recommendations.csv", "200", "text/csv" },
        { "get", "/api/client/experiments/export.csv", "200", "text/csv" },
        { "post", "/api/client/experiments", "202", "application/json" },
        { "get", "/api/client/experiments/{id}", "200", "application/json" },
        { "get", "/api/client/experiments", "200", "application/json" },
        { "get", "/api/onboarding/external-id", "200", "application/json" },
        { "get", "/api/onboarding/cloudformation-template", "200", "application/x-yaml" },
        { "post", "/api/onboarding/role", "201", "application/json" },
        { "post", "/api/onboarding/access-keys", "201", "application/json" },
        { "post", "/api/onboarding/sample", "201", "application/json" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Document_ListsTheEndpoint_WithItsSuccessResponseAndSchema(string method, string path, string status, string? contentType)
    {
        using var client = ApiClients.Anonymous(_app);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/openapi/v1.json"));

        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty(path, out var item), $"{path} is not in the document");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is not in the document");
        Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()));
        Assert.True(operation.GetProperty("responses").TryGetProperty(status, out var response), $"{method} {path} has no {status}");
        Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _), $"{method} {path} does not document 401");
        if (contentType is not null)
        {
            Assert.True(response.GetProperty("content").GetProperty(contentType).TryGetProperty("schema", out _), $"{method} {path}: no schema");
        }
    }

    [Fact]
    public async Task Document_ListParametersAreTheCsvLinksOnes()
    {
        using var client = ApiClients.Anonymous(_app);
        using var document = JsonDocument.Parse(await client.GetStringAsync("/api/openapi/v1.json"));

        var parameters = document.RootElement.GetProperty("paths").GetProperty("/api/client/accounts/{id}/instances").GetProperty("get")
            .GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToHashSet();

        Assert.Superset(new HashSet<string?> { "id", "skip", "take", "state", "region", "type", "text", "gone", "sort", "desc" }, parameters);
    }
}
