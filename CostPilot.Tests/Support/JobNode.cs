using System.Security.Cryptography;
using CostPilot.Infrastructure.Notifications;
using Microsoft.Extensions.DependencyInjection;

namespace CostPilot.Tests.Support;

/// <summary>
/// Another CostPilot node on a <see cref="FakeAwsAppFactory"/>'s database and fake AWS, with a job server of its own: the
/// server that comes up after another stopped (the restarted process, or a second node). It shares the first node's
/// encryption key, so it opens the access keys the first one sealed.
/// </summary>
public sealed class JobNode : CostPilotAppFactory
{
    private static readonly string[] Shared =
    [
        "CostPilot:Aws:ServiceUrl", "CostPilot:Aws:AccessKeyId", "CostPilot:Aws:SecretAccessKey", "CostPilot:Aws:MaxErrorRetry", "ENCRYPTION_KEY",
    ];

    public JobNode(FakeAwsAppFactory first, params (string Key, string Value)[] settings)
    {
        ArgumentNullException.ThrowIfNull(first);
        SharedDatabase = first.DatabaseName;
        foreach (var key in Shared)
        {
            Settings[key] = first.Settings.TryGetValue(key, out var value)
                ? value
                : throw new InvalidOperationException($"The first node has no {key}: create it with {nameof(SharedKeySettings)}.");
        }
        Settings["CostPilot:Jobs:Server"] = "true";
        foreach (var (key, value) in settings)
        {
            Settings[key] = value;
        }
    }

    /// <summary>Settings for a first node whose accounts other nodes (and the published app) can open: a fixed encryption key.</summary>
    public static Dictionary<string, string?> SharedKeySettings() => new()
    {
        ["ENCRYPTION_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // Starts the app (its start-up reconciliation, then its job server) and waits until account events can be heard.
        await Services.GetRequiredService<PgNotificationListener>().Listening.WaitAsync(TimeSpan.FromSeconds(60));
    }
}
