using Microsoft.AspNetCore.Http.HttpResults;

namespace CostPilot.Web.Api;

/// <summary>
/// <c>skip</c> and <c>take</c> of a list endpoint: take defaults to <see cref="DefaultTake"/> and may not exceed
/// <see cref="MaxTake"/>, so no request reads an unbounded list. Out of range is a 400 naming the field.
/// </summary>
public readonly record struct ApiPaging(int Skip, int Take)
{
    public const int DefaultTake = 50;
    public const int MaxTake = 500;

    /// <summary>The paging asked for, or the 400 saying which number is wrong.</summary>
    public static bool TryRead(int? skip, int? take, out ApiPaging paging, out ValidationProblem? problem)
    {
        paging = new ApiPaging(skip ?? 0, take ?? DefaultTake);
        problem = paging.Skip < 0 ? ApiProblems.Invalid("skip", "skip must be 0 or more.")
            : paging.Take is < 1 or > MaxTake ? ApiProblems.Invalid("take", $"take must be between 1 and {MaxTake}.")
            : null;
        return problem is null;
    }
}
