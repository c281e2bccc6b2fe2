using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using CostPilot.Web.Api;
using CostPilot.Web.Auth;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Web;

/// <summary>
/// The ApiPat scheme in the real app: a probe endpoint (test only) authenticates each request with it alone, so most checks
/// below are the handler and the token service against the app's own database; the /api tests go through the API's own
/// scheme (which forwards cpat_ tokens here) and policies. Token time runs on a fake clock.
/// </summary>
public sealed class PersonalAccessTokenAuthTests(PersonalAccessTokenAuthTests.App app) : IClassFixture<PersonalAccessTokenAuthTests.App>
{
    [Fact]
    public async Task Get_ValidToken_AuthenticatesAsItsUser()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Client);

        using var response = await GetAsync("/test/pat/me", token.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = (await response.Content.ReadFromJsonAsync<Me>())!;
        Assert.Equal(user.Id, me.Id);
        Assert.Equal(user.Email, me.Email);
        Assert.Equal(user.Email, me.Name);
        Assert.Equal([Roles.Client], me.Roles);
        Assert.Equal(token.Id.ToString(), me.TokenId);
    }

    [Fact]
    public async Task Get_NoTokenOrAnotherKindOfBearer_Unauthorized()
    {
        using var none = await GetAsync("/test/pat/me", null);
        using var jwt = await GetAsync("/test/pat/me", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, jwt.StatusCode);
    }

    [Fact]
    public async Task Get_RevokedToken_Unauthorized()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Client);
        using (var before = await GetAsync("/test/pat/me", token.Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var revoked = await TokensAsync(s => s.RevokeAsync(Callers.Client(user.Id), token.Id));
        using var after = await GetAsync("/test/pat/me", token.Token);

        Assert.True(revoked.Succeeded);
        AssertRefused(after);
    }

    [Fact]
    public async Task Get_ExpiredToken_Unauthorized()
    {
        var (_, token) = await UserWithTokenAsync(Roles.Client, expiresInDays: 1);
        using (var before = await GetAsync("/test/pat/me", token.Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromDays(1));
        using var after = await GetAsync("/test/pat/me", token.Token);

        AssertRefused(after);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(30)]
    [InlineData(47)]
    public async Task Get_TokenWithOneCharacterChanged_Unauthorized(int index)
    {
        var (_, token) = await UserWithTokenAsync(Roles.Client);
        var plain = token.Token;
        var tampered = plain[..index] + (plain[index] == 'Q' ? 'R' : 'Q') + plain[(index + 1)..];

        using var response = await GetAsync("/test/pat/me", tampered);
        using var original = await GetAsync("/test/pat/me", plain);

        AssertRefused(response);
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
    }

    [Theory]
    [InlineData("lock")]
    [InlineData("disable")]
    public async Task Get_UserLockedOrDisabled_Unauthorized(string action)
    {
        var (user, token) = await UserWithTokenAsync(Roles.Client);
        using (var before = await GetAsync("/test/pat/me", token.Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var done = await UserAdminAsync(s => action == "lock" ? s.LockAsync(Callers.SuperAdmin(), user.Id) : s.DisableAsync(Callers.SuperAdmin(), user.Id));
        using var after = await GetAsync("/test/pat/me", token.Token);

        Assert.True(done.Succeeded, done.Error?.Message);
        AssertRefused(after);
    }

    [Fact]
    public async Task Get_AdminDemoted_NextRequestIsNoLongerAdmin()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Admin);
        using (var before = await GetAsync("/test/pat/admin", token.Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var demoted = await UserAdminAsync(s => s.SetAdminAsync(Callers.SuperAdmin(), user.Id, admin: false));
        using var admin = await GetAsync("/test/pat/admin", token.Token);
        using var me = await GetAsync("/test/pat/me", token.Token);

        Assert.True(demoted.Succeeded, demoted.Error?.Message);
        Assert.Equal(HttpStatusCode.Forbidden, admin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.DoesNotContain(Roles.Admin, (await me.Content.ReadFromJsonAsync<Me>())!.Roles);
    }

    [Fact]
    public async Task Get_UserDeleted_Unauthorized()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Client);
        using (var before = await GetAsync("/test/pat/me", token.Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var deleted = await UserAdminAsync(s => s.DeleteAsync(Callers.SuperAdmin(), user.Id));
        using var after = await GetAsync("/test/pat/me", token.Token);

        Assert.True(deleted.Succeeded, deleted.Error?.Message);
        AssertRefused(after);
    }

    [Fact]
    public async Task Create_ThePlainTokenIsStoredNowhere_OnlyItsHash()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Client);
        var secret = token.Token["cpat_".Length..];
        using (var used = await GetAsync("/test/pat/me", token.Token))
        {
            Assert.Equal(HttpStatusCode.OK, used.StatusCode);
        }

        await using var db = await app.CreateDbContextAsync();
        var stored = await db.PersonalAccessTokens.SingleAsync(t => t.UserId == user.Id);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.ASCII.GetBytes(secret)), stored.TokenHash);
        Assert.NotNull(stored.LastUsedAt);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        foreach (var table in (string[])["personal_access_tokens", "audit_events", "system_logs"])
        {
            await using var command = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, '|'), '') FROM {table} t", connection);
            Assert.DoesNotContain(secret, (string)(await command.ExecuteScalarAsync())!, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetApiMe_ValidToken_AnswersAsTheUserViaTheToken()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Client);

        using var response = await GetAsync("/api/auth/me", token.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = (await response.Content.ReadFromJsonAsync<ApiMe>())!;
        Assert.Equal(user.Id, me.Id);
        Assert.Equal([Roles.Client], me.Roles);
        Assert.Equal("personal-access-token", me.Via);
    }

    [Fact]
    public async Task GetApiMe_RevokedToken_ProblemDetails401()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Client);
        await TokensAsync(s => s.RevokeAsync(Callers.Client(user.Id), token.Id));

        using var response = await GetAsync("/api/auth/me", token.Token);

        AssertRefused(response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetApiAdmin_AdminDemoted_NextRequestForbidden()
    {
        var (user, token) = await UserWithTokenAsync(Roles.Admin);
        using (var before = await GetAsync("/api/admin/system", token.Token))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var demoted = await UserAdminAsync(s => s.SetAdminAsync(Callers.SuperAdmin(), user.Id, admin: false));
        using var after = await GetAsync("/api/admin/system", token.Token);

        Assert.True(demoted.Succeeded, demoted.Error?.Message);
        Assert.Equal(HttpStatusCode.Forbidden, after.StatusCode);
    }

    private static void AssertRefused(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? token)
    {
        using var client = app.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        return await client.SendAsync(request);
    }

    private async Task<(TestUser User, CreatedToken Token)> UserWithTokenAsync(string role, int? expiresInDays = null)
    {
        var user = await TestUsers.CreateAsync(app.Services, role);
        var created = await TokensAsync(s => s.CreateAsync(new Caller(user.Id, new HashSet<string> { role }, user.Email), "test", expiresInDays));
        Assert.True(created.Succeeded, created.Error?.Message);
        return (user, created.Value);
    }

    private Task<T> TokensAsync<T>(Func<PersonalAccessTokenService, Task<T>> action) =>
        TestUsers.WithScopeAsync(app.Services, action);

    private Task<Result> UserAdminAsync(Func<UserAdminService, Task<Result>> action) =>
        TestUsers.WithScopeAsync(app.Services, action);

    private sealed record ApiMe(string Id, string[] Roles, string Via);

    private sealed record Me(string Id, string? Email, string? Name, string[] Roles, string? TokenId);

    /// <summary>The app with token time on <see cref="Clock"/> and two probe endpoints authenticated by the ApiPat scheme alone.</summary>
    public sealed class App : CostPilotAppFactory
    {
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton(sp => new PersonalAccessTokenService(
                    sp.GetRequiredService<IDbContextFactory<CostPilotDbContext>>(), sp.GetRequiredService<AuditTrail>(), Clock));
                services.AddSingleton<IStartupFilter, Probe>();
            });
        }
    }

    /// <summary>/test/pat/me: who the token speaks for; /test/pat/admin: 200 when the admin policy allows them, else 403.</summary>
    private sealed class Probe : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Map("/test/pat", probe => probe.Run(async context =>
            {
                var result = await context.AuthenticateAsync(PersonalAccessTokenHandler.SchemeName);
                if (!result.Succeeded)
                {
                    await context.ChallengeAsync(PersonalAccessTokenHandler.SchemeName);
                    return;
                }
                var user = result.Principal;
                if (context.Request.Path == "/admin")
                {
                    var authorization = context.RequestServices.GetRequiredService<IAuthorizationService>();
                    context.Response.StatusCode = (await authorization.AuthorizeAsync(user, AuthPolicies.Admin)).Succeeded
                        ? StatusCodes.Status200OK
                        : StatusCodes.Status403Forbidden;
                    return;
                }
                await context.Response.WriteAsJsonAsync(new Me(
                    user.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)!.Value,
                    user.FindFirst(System.Security.Claims.ClaimTypes.Email)?.Value,
                    user.Identity?.Name,
                    [.. user.FindAll(System.Security.Claims.ClaimTypes.Role).Select(c => c.Value)],
                    user.FindFirst(PersonalAccessTokenHandler.TokenIdClaim)?.Value));
            }));
            next(app);
        };
    }
}
