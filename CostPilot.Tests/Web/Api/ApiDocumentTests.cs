using System.Net;
using System.Text.Json;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Web.Api;

/// <summary>The OpenAPI document (generated from the endpoints) and the interactive reference page.</summary>
public sealed class ApiDocumentTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public ApiDocumentTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task OpenApiDocument_ListsEveryApiEndpointWithItsResponses()
    {
        using var anonymous = ApiClients.Anonymous(_app);

        var document = await ApiClients.JsonAsync(await anonymous.GetAsync("/api/openapi/v1.json"));

        var paths = document.GetProperty("paths");
        var routes = _app.Services.GetRequiredService<IEnumerable<EndpointDataSource>>().SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Path: "/" + e.RoutePattern.RawText!.TrimStart('/'), Methods: e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Path.StartsWith("/api/", StringComparison.Ordinal) && !e.Path.StartsWith("/api/openapi", StringComparison.Ordinal)
                && !e.Path.StartsWith("/api/docs", StringComparison.Ordinal) && !e.Path.StartsWith("/api/cloudformation", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(routes, r => r.Path == "/api/auth/login");
        foreach (var (path, methods) in routes)
        {
            var documented = System.Text.RegularExpressions.Regex.Replace(path, @"\{([^}:]+)(:[^}]*)?\}", "{$1}");
            Assert.True(paths.TryGetProperty(documented, out var item), $"{documented} is not in the OpenAPI document.");
            foreach (var method in methods)
            {
                Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"{method} {documented} is not documented.");
                Assert.True(operation.GetProperty("responses").EnumerateObject().Any(), $"{method} {documented} has no responses.");
            }
        }
    }

    [Fact]
    public async Task OpenApiDocument_LoginTakesAndReturnsSchemas_AndGuardedOperationsNeedTheBearerScheme()
    {
        using var anonymous = ApiClients.Anonymous(_app);

        var document = await ApiClients.JsonAsync(await anonymous.GetAsync("/api/openapi/v1.json"));

        Assert.Equal("http", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer").GetProperty("type").GetString());
        var login = document.GetProperty("paths").GetProperty("/api/auth/login").GetProperty("post");
        Assert.True(login.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(login.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.False(login.TryGetProperty("security", out _));
        var me = document.GetProperty("paths").GetProperty("/api/auth/me").GetProperty("get");
        Assert.Equal(JsonValueKind.Array, me.GetProperty("security").ValueKind);
        Assert.False(document.GetProperty("paths").TryGetProperty("/account/logout", out _));
    }

    [Fact]
    public async Task Reference_IsAPageAnyoneCanOpen_AllowedByTheContentSecurityPolicy()
    {
        using var anonymous = ApiClients.Anonymous(_app);

        using var redirect = await anonymous.GetAsync("/api/docs");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        // Relative to the page, as a browser resolves it.
        using var response = await anonymous.GetAsync(new Uri(new Uri(anonymous.BaseAddress!, "/api/docs"), redirect.Headers.Location!));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{redirect.Headers.Location}: {response.StatusCode}");
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("CostPilot API", html);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        var nonce = System.Text.RegularExpressions.Regex.Match(csp, "'nonce-([^']+)'").Groups[1].Value;
        Assert.NotEmpty(nonce);
        Assert.Contains($"nonce=\"{nonce}\"", html);
    }
}
