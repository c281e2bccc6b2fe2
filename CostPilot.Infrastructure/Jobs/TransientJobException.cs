using Npgsql;

namespace CostPilot.Infrastructure.Jobs;

/// <summary>
/// A job stopped by a failure that goes away by itself (the database restarting, a dropped connection, a lost lease).
/// Jobs that can be resumed throw it so that Hangfire retries them with backoff, and only them:
/// <c>[AutomaticRetry(OnlyOn = [typeof(TransientJobException)], ...)]</c>.
/// </summary>
public sealed class TransientJobException(string message, Exception innerException) : Exception(message, innerException);

/// <summary>The job's <see cref="WorkLease"/> ended under it (its connection dropped): it must stop and be retried.</summary>
public sealed class WorkLeaseLostException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>Which failures go away by themselves.</summary>
public static class TransientErrors
{
    private const string IdleInTransactionSessionTimeout = "25P03";

    public static bool IsTransient(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case WorkLeaseLostException or TransientJobException:
                    return true;
                case PostgresException pg:
                    return pg.IsTransient || IsTransientState(pg.SqlState);
                case NpgsqlException npgsql when npgsql.IsTransient:
                    return true;
                case AggregateException aggregate:
                    return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(IsTransient);
            }
        }
        return false;
    }

    // Class 08: connection exceptions. 57P01/57P02/57P03: the server shutting down, crashed, or not accepting connections yet
    // (a restart); 57P05 and 25P03: an idle session ended; 53300: too many connections.
    private static bool IsTransientState(string sqlState) =>
        sqlState.StartsWith("08", StringComparison.Ordinal)
        || sqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.IdleSessionTimeout or IdleInTransactionSessionTimeout or PostgresErrorCodes.TooManyConnections
            or PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected;
}
