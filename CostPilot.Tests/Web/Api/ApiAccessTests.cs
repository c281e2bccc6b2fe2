using System.Net;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Web.Api;

/// <summary>
/// Every endpoint of <c>/api/client</c>, <c>/api/onboarding</c> and <c>/api/admin</c>, read from the app's own routes (so
/// an endpoint added later is checked too): without a token 401, with the wrong role 403, both as problem details.
/// </summary>
public sealed class ApiAccessTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public ApiAccessTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task EveryGuardedEndpoint_NoToken_401()
    {
        using var anonymous = ApiClients.Anonymous(_app);
        var endpoints = GuardedEndpoints();
        Assert.NotEmpty(endpoints);

        foreach (var (method, path) in endpoints)
        {
            using var response = await anonymous.SendAsync(Request(method, path));
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.StatusCode}");
            await ApiClients.ProblemAsync(response, HttpStatusCode.Unauthorized);
        }
    }

    [Fact]
    public async Task EveryGuardedEndpoint_WrongRole_403()
    {
        var (asClient, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        var (asAdmin, _) = await ApiClients.SignedInAsync(_app, Roles.Admin);
        using (asClient)
        using (asAdmin)
        {
            foreach (var (method, path) in GuardedEndpoints())
            {
                var wrong = path.StartsWith("/api/admin", StringComparison.Ordinal) ? asClient : asAdmin;
                using var response = await wrong.SendAsync(Request(method, path));
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {(int)response.StatusCode}");
                await ApiClients.ProblemAsync(response, HttpStatusCode.Forbidden);
            }
        }
    }

    [Fact]
    public async Task GuardedEndpoint_UserWithoutRole_403()
    {
        using var noRole = await ApiClients.ForAsync(_app, await TestUsers.CreateAsync(_app.Services));

        using var response = await noRole.GetAsync("/api/client/accounts");

        await ApiClients.ProblemAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task UnknownApiPath_404ProblemDetailsNotThePage()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using (client)
        {
            using var response = await client.GetAsync("/api/client/no-such-thing");
            await ApiClients.ProblemAsync(response, HttpStatusCode.NotFound);
        }
    }

    /// <summary>Each guarded route with its parameters filled with values that exist nowhere.</summary>
    private List<(string Method, string Path)> GuardedEndpoints()
    {
        var sources = _app.Services.GetRequiredService<IEnumerable<EndpointDataSource>>();
        return sources.SelectMany(s => s.Endpoints).OfType<RouteEndpoint>()
            .Select(e => (Endpoint: e, Path: "/" + e.RoutePattern.RawText!.TrimStart('/')))
            .Where(e => e.Path.StartsWith("/api/client", StringComparison.Ordinal) || e.Path.StartsWith("/api/onboarding", StringComparison.Ordinal)
                || e.Path.StartsWith("/api/admin", StringComparison.Ordinal))
            .SelectMany(e => (e.Endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => (m, Fill(e.Path))))
            .Distinct()
            .ToList();
    }

    private static string Fill(string pattern) =>
        System.Text.RegularExpressions.Regex.Replace(pattern, @"\{([^}:]+)(:[^}]*)?\}", m =>
            m.Groups[2].Value.Contains("guid", StringComparison.Ordinal) ? Guid.NewGuid().ToString()
            : m.Groups[2].Value.Contains("int", StringComparison.Ordinal) || m.Groups[2].Value.Contains("long", StringComparison.Ordinal) ? "1"
            : "x");

    private static HttpRequestMessage Request(string method, string path) =>
        new(new HttpMethod(method), path)
        {
            Content = method is "POST" or "PUT" or "PATCH" ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json") : null,
        };
}
