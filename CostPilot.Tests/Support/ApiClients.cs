using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace CostPilot.Tests.Support;

/// <summary>HTTP clients for the REST API: anonymous, or holding a bearer token from <c>POST /api/auth/login</c>.</summary>
public static class ApiClients
{
    /// <summary>A client without cookies or redirects: what a script with curl is.</summary>
    public static HttpClient Anonymous(WebApplicationFactory<Program> app) =>
        app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false, BaseAddress = app.ClientOptions.BaseAddress });

    /// <summary>A new user with <paramref name="role"/>, signed in through the API.</summary>
    public static async Task<(HttpClient Client, TestUser User)> SignedInAsync(WebApplicationFactory<Program> app, string role)
    {
        var user = await TestUsers.CreateAsync(app.Services, role);
        return (await ForAsync(app, user), user);
    }

    /// <summary>A client holding a fresh sign-in token of <paramref name="user"/>.</summary>
    public static async Task<HttpClient> ForAsync(WebApplicationFactory<Program> app, TestUser user) =>
        WithToken(app, await TokenAsync(app, user));

    public static HttpClient WithToken(WebApplicationFactory<Program> app, string token)
    {
        var client = Anonymous(app);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<string> TokenAsync(WebApplicationFactory<Program> app, TestUser user)
    {
        using var client = Anonymous(app);
        using var response = await client.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>The response's problem details (asserting it is one), as a JSON element.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, body.RootElement.GetProperty("status").GetInt32());
        return body.RootElement.Clone();
    }

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {status}, got {(int)response.StatusCode}: {text}");
        using var body = JsonDocument.Parse(text);
        return body.RootElement.Clone();
    }
}
