namespace CostPilot.Infrastructure.Pricing.PriceList;

/// <summary>
/// A price refresh from AWS's Price List failed. The message names the file and what went wrong, in words an admin can
/// act on (it holds only public URLs, never a secret); the previous catalog should stay in use.
/// </summary>
public sealed class PriceListException : Exception
{
    public PriceListException(string message) : base(message) { }

    public PriceListException(string message, Exception innerException) : base(message, innerException) { }
}
