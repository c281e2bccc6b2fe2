using CostPilot.Domain.Users;
using CostPilot.Infrastructure.Identity;

namespace CostPilot.Tests.Support;

/// <summary>Hand-built <see cref="Caller"/>s for calling services directly.</summary>
public static class Callers
{
    public static Caller For(string userId, params string[] roles) => new(userId, roles.ToHashSet(StringComparer.Ordinal));

    public static Caller Client(string userId = "client-id") => For(userId, Roles.Client);

    public static Caller Admin(string userId = "admin-id") => For(userId, Roles.Admin);

    public static Caller SuperAdmin(string userId = "super-admin-id") => For(userId, Roles.SuperAdmin);
}
