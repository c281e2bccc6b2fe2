namespace CostPilot.Tests.Support;

/// <summary>
/// The real app listening on a real port (Kestrel on a free port), for a browser to drive. Its own
/// fresh database, like <see cref="CostPilotAppFactory"/>.
/// </summary>
public class KestrelAppFactory : CostPilotAppFactory
{
    public KestrelAppFactory() => UseKestrel(0);

    /// <summary>Where the app listens, e.g. http://127.0.0.1:40123/.</summary>
    public Uri BaseAddress { get; private set; } = default!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        // StartServer blocks while the app migrates, seeds and starts Hangfire: keep it off the test thread.
        await Task.Run(StartServer);
        BaseAddress = ClientOptions.BaseAddress;
    }
}
