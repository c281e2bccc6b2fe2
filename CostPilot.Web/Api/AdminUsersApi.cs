using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Identity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>/api/admin/users</c>: the Users page's list and actions. <see cref="UserAdminService"/> decides who may do what (only a
/// super admin acts on admins or changes roles, nobody acts on themselves, never the last super admin who can sign in) and
/// records each change in the audit trail; its refusals are 403 with the page's message, an unknown user 404.
/// </summary>
public static class AdminUsersApi
{
    public static RouteGroupBuilder MapAdminUsersApi(this RouteGroupBuilder admin)
    {
        var users = admin.MapGroup("/users");

        users.MapGet("", ListAsync)
            .WithSummary("Users, by e-mail, with roles, status (active, locked, disabled), last sign-in and account count")
            .ProducesValidationProblem();

        users.MapPost("/{id}/lock", (string id, HttpContext http, UserAdminService service, CancellationToken ct) =>
                ActAsync(service.LockAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Lock a user out until an admin unlocks them, and end their sessions");
        users.MapPost("/{id}/unlock", (string id, HttpContext http, UserAdminService service, CancellationToken ct) =>
                ActAsync(service.UnlockAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Lift a lockout (an admin's, or one after failed passwords)");
        users.MapPost("/{id}/disable", (string id, HttpContext http, UserAdminService service, CancellationToken ct) =>
                ActAsync(service.DisableAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Disable a user until an admin enables them, and end their sessions");
        users.MapPost("/{id}/enable", (string id, HttpContext http, UserAdminService service, CancellationToken ct) =>
                ActAsync(service.EnableAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Enable a disabled user");
        users.MapPost("/{id}/sign-out", (string id, HttpContext http, UserAdminService service, CancellationToken ct) =>
                ActAsync(service.SignOutAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("End every session of a user; they can sign in again at once");

        users.MapPut("/{id}/role", SetRoleAsync)
            .WithSummary("Make a user a client (no admin role), an admin or a super admin (super admins only)")
            .WithDescription("Ends the user's sessions, so they pick up the new role. A super admin becomes a client in two steps: admin, then client.")
            .ProducesValidationProblem();

        users.MapGet("/{id}/deletion", async Task<Results<Ok<UserDeletion>, ProblemHttpResult>> (string id, HttpContext http,
                UserAdminService service, CancellationToken ct) =>
            ApiProblems.Ok(await service.PreviewDeleteAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("What deleting a user would remove with them: their AWS accounts and how many instances")
            .ProducesProblem(StatusCodes.Status404NotFound);

        users.MapDelete("/{id}", (string id, HttpContext http, UserAdminService service, CancellationToken ct) =>
                ActAsync(service.DeleteAsync(ApiEndpoints.CallerOf(http), id, ct)))
            .WithSummary("Delete a user with their AWS accounts and everything stored under them");
        return admin;
    }

    /// <param name="search">Words in the e-mail or display name.</param>
    /// <param name="skip">Users to skip (0 or more).</param>
    /// <param name="take">Users to return: 1 to 500, 50 by default; a page holds at most 200.</param>
    private static async Task<Results<Ok<ApiPage<UserRow>>, ValidationProblem, ProblemHttpResult>> ListAsync(HttpContext http,
        UserAdminService service, CancellationToken ct, string? search = null, int? skip = null, int? take = null)
    {
        if (!ApiPaging.TryRead(skip, take, out var paging, out var invalid))
        {
            return invalid!;
        }
        var page = await service.ListAsync(ApiEndpoints.CallerOf(http), search, paging.Skip, paging.Take, ct);
        return page.Succeeded
            ? TypedResults.Ok(new ApiPage<UserRow>(page.Value.Rows, page.Value.Total, paging.Skip, Math.Min(paging.Take, UserAdminService.MaxTake)))
            : ApiProblems.From(page.Error);
    }

    /// <summary>
    /// client: no admin role (as "Remove admin"; a super admin is refused: demote them to admin first). admin: a super admin is
    /// demoted to admin, anyone else promoted. super_admin: promoted.
    /// </summary>
    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> SetRoleAsync(string id, RoleRequest request,
        HttpContext http, UserAdminService service, CancellationToken ct)
    {
        if (request.Role is not { } role || !Roles.All.Contains(role, StringComparer.Ordinal))
        {
            return ApiProblems.Invalid("role", $"Role must be one of {string.Join(", ", Roles.All)}.");
        }
        var caller = ApiEndpoints.CallerOf(http);
        var result = role switch
        {
            Roles.SuperAdmin => await service.SetSuperAdminAsync(caller, id, superAdmin: true, ct),
            // Demotes a super admin to admin and changes no one else; then makes anyone else an admin (nothing for the demoted).
            Roles.Admin => await service.SetSuperAdminAsync(caller, id, superAdmin: false, ct) is { Succeeded: false } demote
                ? demote
                : await service.SetAdminAsync(caller, id, admin: true, ct),
            _ => await service.SetAdminAsync(caller, id, admin: false, ct),
        };
        return result.Succeeded ? TypedResults.NoContent() : ApiProblems.From(result.Error);
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> ActAsync(Task<Result> action) => ApiProblems.NoContent(await action);
}

/// <summary>What <c>PUT /api/admin/users/{id}/role</c> reads.</summary>
/// <param name="Role"><c>client</c>, <c>admin</c> or <c>super_admin</c>.</param>
public sealed record RoleRequest(string? Role);
