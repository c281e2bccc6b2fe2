using System.Net;
using System.Net.Http.Json;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;
using CostPilot.Tests.Support;
using CostPilot.Web.Api;
using CostPilot.Web.Auth;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace CostPilot.Tests.Web.Api;

/// <summary><c>/api/auth</c>: signing in for a token, asking whose it is, and every way a token stops being accepted.</summary>
public sealed class AuthApiTests : IClassFixture<CostPilotAppFactory>
{
    private readonly CostPilotAppFactory _app;

    public AuthApiTests(CostPilotAppFactory app) => _app = app;

    [Fact]
    public async Task Login_RightPassword_ReturnsA24HourBearerTokenThatMeAccepts()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.Client);
        using var anonymous = ApiClients.Anonymous(_app);

        using var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });

        var body = await ApiClients.JsonAsync(response);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(86400, body.GetProperty("expires_in").GetInt32());
        Assert.Equal("client", body.GetProperty("role").GetString());
        using var client = ApiClients.WithToken(_app, body.GetProperty("access_token").GetString()!);
        var me = await ApiClients.JsonAsync(await client.GetAsync("/api/auth/me"));
        Assert.Equal(user.Id, me.GetProperty("id").GetString());
        Assert.Equal(user.Email, me.GetProperty("email").GetString());
        Assert.Equal("client", me.GetProperty("role").GetString());
        Assert.Equal("sign-in", me.GetProperty("via").GetString());
        Assert.NotNull((await TestUsers.FindAsync(_app.Services, user.Email)).LastSignInAt);
    }

    [Fact]
    public async Task Login_SuperAdmin_RoleIsSuperAdmin()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.SuperAdmin, Roles.Admin);
        using var anonymous = ApiClients.Anonymous(_app);

        using var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });

        Assert.Equal("super_admin", (await ApiClients.JsonAsync(response)).GetProperty("role").GetString());
    }

    [Fact]
    public async Task Login_WrongPasswordOrUnknownEmail_401WithTheSignInPagesMessage()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.Client);
        using var anonymous = ApiClients.Anonymous(_app);

        using var wrong = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "not-the-password" });
        using var unknown = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = TestUsers.NewEmail(), password = "whatever-1234" });

        Assert.Equal(SignInLanding.FailureMessage, (await ApiClients.ProblemAsync(wrong, HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
        Assert.Equal(SignInLanding.FailureMessage, (await ApiClients.ProblemAsync(unknown, HttpStatusCode.Unauthorized)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Login_FiveWrongPasswords_LocksTheAccountLikeTheSignInPage()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.Client);
        using var anonymous = ApiClients.Anonymous(_app);
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = "not-the-password" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using var right = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });

        await ApiClients.ProblemAsync(right, HttpStatusCode.Unauthorized);
        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        Assert.True(await users.IsLockedOutAsync((await users.FindByIdAsync(user.Id))!));
    }

    [Fact]
    public async Task Login_DisabledUserWithRightPassword_SaysDisabled()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.Client);
        await ChangeUserAsync(user, (users, u) => { u.DisabledAt = DateTimeOffset.UtcNow; return users.UpdateAsync(u); });
        using var anonymous = ApiClients.Anonymous(_app);

        using var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { email = user.Email, password = user.Password });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(CostPilotSignInManager.DisabledMessage, problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{}", "Email", "Enter your e-mail.")]
    [InlineData("""{"email":"not-an-address","password":"x"}""", "Email", "Enter a valid e-mail address.")]
    [InlineData("""{"email":"someone@example.com"}""", "Password", "Enter your password.")]
    public async Task Login_BadInput_400WithTheFormsFieldMessage(string json, string field, string message)
    {
        using var anonymous = ApiClients.Anonymous(_app);

        using var response = await anonymous.PostAsync("/api/auth/login", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = problem.GetProperty("errors");
        Assert.Contains(message, errors.EnumerateObject().Where(e => e.Name.Equals(field, StringComparison.OrdinalIgnoreCase))
            .SelectMany(e => e.Value.EnumerateArray()).Select(e => e.GetString()));
    }

    [Fact]
    public async Task Login_NotJson_400ProblemDetails()
    {
        using var anonymous = ApiClients.Anonymous(_app);

        using var response = await anonymous.PostAsync("/api/auth/login", new StringContent("email=a&password=b", System.Text.Encoding.UTF8, "text/plain"));

        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, response.StatusCode.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Me_NoToken_401ProblemDetailsWithBearerChallenge()
    {
        using var anonymous = ApiClients.Anonymous(_app);

        using var response = await anonymous.GetAsync("/api/auth/me");

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Me_TamperedToken_401()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.Client);
        var token = await ApiClients.TokenAsync(_app, user);
        // Flip one character of the payload (the claims), keeping the signature: the signature no longer matches.
        var parts = token.Split('.');
        var payload = parts[1].ToCharArray();
        payload[10] = payload[10] == 'A' ? 'B' : 'A';
        using var client = ApiClients.WithToken(_app, $"{parts[0]}.{new string(payload)}.{parts[2]}");

        using var response = await client.GetAsync("/api/auth/me");

        await ApiClients.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Me_TokenSignedWithAnotherKey_401()
    {
        var user = await TestUsers.FindAsync(_app.Services, (await TestUsers.CreateAsync(_app.Services, Roles.Client)).Email);
        var other = new ApiTokenIssuer(new ApiSigningKey(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(new byte[32])), TimeProvider.System);
        using var client = ApiClients.WithToken(_app, other.Issue(user, [Roles.Client]).Token);

        using var response = await client.GetAsync("/api/auth/me");

        await ApiClients.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Me_TokenIssued25HoursAgo_401Expired()
    {
        var user = await TestUsers.FindAsync(_app.Services, (await TestUsers.CreateAsync(_app.Services, Roles.Client)).Email);
        var yesterday = new FakeTimeProvider(DateTimeOffset.UtcNow - TimeSpan.FromHours(25));
        var issuer = new ApiTokenIssuer(_app.Services.GetRequiredService<ApiSigningKey>(), yesterday);
        var stale = issuer.Issue(user, [Roles.Client]);
        using var client = ApiClients.WithToken(_app, stale.Token);

        using var response = await client.GetAsync("/api/auth/me");

        Assert.True(stale.ExpiresAt < DateTimeOffset.UtcNow);
        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("expired", problem.GetProperty("detail").GetString());
    }

    public static TheoryData<string> WaysToEndAToken => ["demote", "lock", "disable", "sign-out-everywhere", "delete"];

    [Theory]
    [MemberData(nameof(WaysToEndAToken))]
    public async Task Me_AfterTheUserIsChanged_TokenRefusedAtOnce(string change)
    {
        var admin = await TestUsers.CreateAsync(_app.Services, Roles.Admin);
        var superAdmin = new Caller((await TestUsers.CreateAsync(_app.Services, Roles.SuperAdmin)).Id, new HashSet<string> { Roles.SuperAdmin });
        using var client = await ApiClients.ForAsync(_app, admin);
        using (var before = await client.GetAsync("/api/admin/system"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        await using (var scope = _app.Services.CreateAsyncScope())
        {
            var service = scope.ServiceProvider.GetRequiredService<UserAdminService>();
            var result = change switch
            {
                "demote" => await service.SetAdminAsync(superAdmin, admin.Id, admin: false),
                "lock" => await service.LockAsync(superAdmin, admin.Id),
                "disable" => await service.DisableAsync(superAdmin, admin.Id),
                "sign-out-everywhere" => await service.SignOutAsync(superAdmin, admin.Id),
                _ => await service.DeleteAsync(superAdmin, admin.Id),
            };
            Assert.True(result.Succeeded, result.Error?.Message);
        }

        using var after = await client.GetAsync("/api/admin/system");
        await ApiClients.ProblemAsync(after, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ClientApi_SignedInWithACookieOnly_401()
    {
        var user = await TestUsers.CreateAsync(_app.Services, Roles.Client);
        using var browser = SessionCookies.ClientWith(_app, await SessionCookies.SignInAsync(_app, user.Email, user.Password));

        using var response = await browser.GetAsync("/api/client/accounts");

        await ApiClients.ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public void SigningKey_MissingOutsideDevelopment_RefusesToStart()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions
        {
            EnvironmentName = "Production",
        });
        builder.Configuration[ApiAuth.SecretKeyVariable] = "";

        var error = Assert.Throws<InvalidOperationException>(() => ApiAuth.SigningKey(builder));

        Assert.Contains("JWT_SECRET_KEY is not set", error.Message);
    }

    [Theory]
    [InlineData("too-short")]
    [InlineData("MTIzNDU2Nzg5MDEyMzQ1Ng==")]
    public void SigningKey_ShorterThan32Bytes_RefusesToStart(string key)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions
        {
            EnvironmentName = "Production",
        });
        builder.Configuration[ApiAuth.SecretKeyVariable] = key;

        var error = Assert.Throws<InvalidOperationException>(() => ApiAuth.SigningKey(builder));

        Assert.Contains("at least 32 bytes", error.Message);
    }

    [Fact]
    public void SigningKey_Base64Of32Bytes_IsThoseBytes()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(new Microsoft.AspNetCore.Builder.WebApplicationOptions
        {
            EnvironmentName = "Production",
        });
        var bytes = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        builder.Configuration[ApiAuth.SecretKeyVariable] = Convert.ToBase64String(bytes);

        Assert.Equal(bytes, ApiAuth.SigningKey(builder));
    }

    private async Task ChangeUserAsync(TestUser user, Func<UserManager<AppUser>, AppUser, Task<IdentityResult>> change)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AppUser>>();
        var result = await change(users, (await users.FindByIdAsync(user.Id))!);
        Assert.True(result.Succeeded);
    }
}
