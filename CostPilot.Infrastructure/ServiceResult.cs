using System.Diagnostics.CodeAnalysis;

namespace CostPilot.Infrastructure;

/// <summary>Why a service call failed; the later REST API maps each kind to one problem-details status.</summary>
public enum ErrorKind
{
    /// <summary>It does not exist, or the caller may not know it exists (another user's account).</summary>
    NotFound,

    /// <summary>The caller is known but may not do this.</summary>
    Forbidden,

    /// <summary>The input is wrong; the message says how.</summary>
    Invalid,

    /// <summary>The input is fine but clashes with the current state (already connected, already running).</summary>
    Conflict,

    /// <summary>The caller did this too often lately; the message says when to try again (HTTP 429).</summary>
    RateLimited,
}

/// <summary>A failure with a message that is safe to show to the caller as it is.</summary>
public sealed record ServiceError(ErrorKind Kind, string Message)
{
    public static ServiceError NotFound(string message) => new(ErrorKind.NotFound, message);
    public static ServiceError Forbidden(string message) => new(ErrorKind.Forbidden, message);
    public static ServiceError Invalid(string message) => new(ErrorKind.Invalid, message);
    public static ServiceError Conflict(string message) => new(ErrorKind.Conflict, message);
    public static ServiceError RateLimited(string message) => new(ErrorKind.RateLimited, message);
}

/// <summary>The outcome of a service call that returns nothing: success, or a <see cref="ServiceError"/>.</summary>
public readonly record struct Result
{
    private Result(ServiceError? error) => Error = error;

    public static Result Ok => default;

    public ServiceError? Error { get; }

    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static implicit operator Result(ServiceError error) => new(error);
}

/// <summary>The outcome of a service call: a value, or a <see cref="ServiceError"/>.</summary>
public readonly record struct Result<T>
{
    private Result(T? value, ServiceError? error)
    {
        Value = value;
        Error = error;
    }

    public T? Value { get; }

    public ServiceError? Error { get; }

    [MemberNotNullWhen(true, nameof(Value))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool Succeeded => Error is null;

    public static implicit operator Result<T>(T value) => new(value, null);

    public static implicit operator Result<T>(ServiceError error) => new(default, error);
}
