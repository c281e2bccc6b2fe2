namespace CostPilot.Domain.Users;

/// <summary>The three roles a CostPilot user can hold.</summary>
public static class Roles
{
    public const string Client = "client";
    public const string Admin = "admin";
    public const string SuperAdmin = "super_admin";

    /// <summary>Comma-separated, for <c>[Authorize(Roles = ...)]</c>.</summary>
    public const string AdminOrSuperAdmin = Admin + "," + SuperAdmin;

    public static IReadOnlyList<string> All { get; } = [Client, Admin, SuperAdmin];
}
