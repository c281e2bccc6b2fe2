using System.Text.Json;
using System.Text.Json.Serialization;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Jobs;
using CostPilot.Web.Api;
using CostPilot.Web.Auth;
using CostPilot.Web.Components;
using CostPilot.Web.Components.Shared;
using CostPilot.Web.Endpoints;
using CostPilot.Web.Http;
using Hangfire;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using MudBlazor.Services;
using Serilog;

namespace CostPilot.Web;

public static class DependencyInjection
{
    public static IHostApplicationBuilder AddWeb(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();

        services.AddOptions<AuthOptions>()
            .Bind(builder.Configuration.GetSection(AuthOptions.Section))
            .Validate(o => o.AbsoluteSessionLifetime > TimeSpan.Zero, "CostPilot:Auth:AbsoluteSessionLifetime must be positive.")
            .ValidateOnStart();
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();
        services.AddScoped<CurrentCaller>();
        services.AddScoped<ClientAddress>();
        services.AddScoped<BrowserTimeZone>();
        services.AddScoped<SignInLanding>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();
        services.AddAuthentication().AddApiAuthentication(builder).AddPersonalAccessTokens();
        services.AddApi();
        services.ConfigureHttpJsonOptions(json =>
            json.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower)));
        services.ConfigureApplicationCookie(cookie =>
        {
            cookie.LoginPath = AuthPolicies.LoginPath;
            cookie.AccessDeniedPath = AuthPolicies.AccessDeniedPath;
            cookie.Cookie.Name = "costpilot.auth";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
            // Secure whenever the request is HTTPS, as seen through a known proxy (CostPilot:Http).
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.Events.OnSigningIn = SessionValidation.RecordStartAsync;
            cookie.Events.OnValidatePrincipal = SessionValidation.ValidatePrincipalAsync;
            // Machine endpoints (the job dashboard, the API) answer 401/403; pages redirect to a friendly page.
            cookie.Events.OnRedirectToAccessDenied = context =>
            {
                if (IsMachinePath(context.Request.Path))
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    return Task.CompletedTask;
                }
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
            cookie.Events.OnRedirectToLogin = context =>
            {
                if (context.Request.Path.StartsWithSegments("/api"))
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return Task.CompletedTask;
                }
                context.Response.Redirect(context.RedirectUri);
                return Task.CompletedTask;
            };
        });
        services.AddHttpRateLimits();
        services.AddAntiforgery(antiforgery => antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest);
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Admin, policy => policy.RequireRole(Roles.Admin, Roles.SuperAdmin));
        return builder;
    }

    public static WebApplication UseWeb(this WebApplication app)
    {
        // First: everything after sees the client's address and scheme as the known proxy forwarded them.
        app.UseForwardedHeaders(HttpSecurity.ForwardingFrom(app.Configuration));
        app.UseSecurityHeaders();
        if (app.Configuration.GetValue<bool>(HttpSecurity.HstsKey))
        {
            app.UseHsts();
        }
        if (!app.Environment.IsDevelopment())
        {
            app.UseExceptionHandler("/error", createScopeForErrors: true);
        }
        // People get the friendly not-found page; the API answers problem details for a status without a body. (Not a UseWhen
        // branch: re-execution needs the app's own pipeline, whose endpoint routing a branch does not carry.)
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseApiStatusProblems();
        app.UseSerilogRequestLogging(options => options.GetLevel = (http, _, ex) =>
            ex is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
            : http.Request.Path.StartsWithSegments("/api/health") || http.Request.Path.StartsWithSegments("/_blazor") ? Serilog.Events.LogEventLevel.Verbose
            : Serilog.Events.LogEventLevel.Debug);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAccountEndpoints();
        app.MapHealthEndpoints();
        app.MapCloudFormationEndpoints();
        app.MapExportEndpoints();
        app.MapApi();
        app.MapHangfireDashboard("/hangfire", new DashboardOptions
        {
            // Authorization is the endpoint policy below; Hangfire's own filter list stays empty on purpose.
            Authorization = [],
            DashboardTitle = "CostPilot jobs",
            AppPath = "/admin",
            DisplayStorageConnectionString = false,
        })
            .RequireAuthorization(AuthPolicies.Admin);

        RecurringJobs.Register(app.Services.GetRequiredService<IRecurringJobManager>());
        return app;
    }

    private static bool IsMachinePath(PathString path) =>
        path.StartsWithSegments("/hangfire") || path.StartsWithSegments("/api");
}
