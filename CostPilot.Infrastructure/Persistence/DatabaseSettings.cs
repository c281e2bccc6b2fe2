using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CostPilot.Infrastructure.Persistence;

/// <summary>Works out the PostgreSQL connection string from DATABASE_URL or ConnectionStrings:Default.</summary>
public static class DatabaseSettings
{
    public const string MissingMessage =
        "No database is configured. Set DATABASE_URL (postgres://user:pass@host:port/db) or " +
        "ConnectionStrings__Default (Npgsql form), or start CostPilot with './costpilot.sh run', " +
        "which starts a local PostgreSQL for you.";

    public static string ResolveConnectionString(IConfiguration configuration)
    {
        var url = configuration["DATABASE_URL"];
        if (!string.IsNullOrWhiteSpace(url))
        {
            return FromUrl(url);
        }
        var cs = configuration.GetConnectionString("Default");
        if (!string.IsNullOrWhiteSpace(cs))
        {
            try
            {
                return new NpgsqlConnectionStringBuilder(cs).ConnectionString;
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"ConnectionStrings__Default is not a valid Npgsql connection string: {e.Message}", e);
            }
        }
        throw new InvalidOperationException(MissingMessage);
    }

    /// <summary>Turns <c>postgres://user:pass@host:port/db?sslmode=require</c> into Npgsql form.</summary>
    public static string FromUrl(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql"))
        {
            throw new InvalidOperationException("DATABASE_URL must look like postgres://user:password@host:5432/database.");
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (string.IsNullOrEmpty(uri.Host) || string.IsNullOrEmpty(database))
        {
            throw new InvalidOperationException("DATABASE_URL must name a host and a database: postgres://user:password@host:5432/database.");
        }
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = database,
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }
        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : "";
            try
            {
                builder[key] = value;
            }
            catch (ArgumentException)
            {
                throw new InvalidOperationException($"DATABASE_URL has an option Npgsql does not know: '{key}'.");
            }
        }
        return builder.ConnectionString;
    }
}
