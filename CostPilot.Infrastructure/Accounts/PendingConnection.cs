namespace CostPilot.Infrastructure.Accounts;

/// <summary>
/// The External ID shown to a user who is setting up the IAM role, kept until a connection uses it,
/// so a page reload (or a CloudFormation stack that takes a while) does not change it.
/// </summary>
public sealed class PendingConnection
{
    public string OwnerId { get; set; } = "";
    public string ExternalId { get; set; } = "";
    public DateTimeOffset CreatedAt { get; set; }
}
