namespace CostPilot.Web.Api;

/// <summary>One page of a list endpoint.</summary>
/// <param name="Items">The rows of this page, in the list's order.</param>
/// <param name="Total">How many rows match the filters, on every page together.</param>
/// <param name="Skip">How many matching rows come before this page.</param>
/// <param name="Take">
/// The most rows this page could hold: the <c>take</c> asked for, or the list's own cap when that is lower. The next page starts at
/// <c>skip + items.length</c>; there is none when that reaches <c>total</c>.
/// </param>
public sealed record ApiPage<T>(IReadOnlyList<T> Items, int Total, int Skip, int Take);
