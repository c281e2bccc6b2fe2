using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Logging;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Web;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddInfrastructure();
    builder.AddWeb();

    var app = builder.Build();
    await app.Services.InitializeDatabaseAsync();
    app.UseWeb();
    await app.RunAsync();
}
catch (Exception e) when (e is InvalidOperationException or Npgsql.NpgsqlException)
{
    // Configuration and connection problems get one clear line, not a stack trace (nor a secret).
    await Console.Error.WriteLineAsync($"CostPilot cannot start: {SecretScrubber.Scrub(e.Message)}");
    Environment.ExitCode = 1;
}
finally
{
    await Serilog.Log.CloseAndFlushAsync();
}

public partial class Program;
