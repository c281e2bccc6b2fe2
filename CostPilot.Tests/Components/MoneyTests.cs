using System.Globalization;
using CostPilot.Infrastructure.Inventory;
using CostPilot.Web.Components.Shared;

namespace CostPilot.Tests.Components;

/// <summary>Money reads the same whatever culture the server runs in: en-US style on pages, invariant in CSV.</summary>
public sealed class MoneyTests
{
    [Theory]
    [InlineData("de-DE")]
    [InlineData("fr-FR")]
    [InlineData("en-US")]
    public void Formats_AreEnUsWhateverTheCurrentCulture(string culture)
    {
        var (current, ui) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            Assert.Equal("$1,234.56", Money.Usd(1234.56m));
            Assert.Equal("$1,234,567.80", Money.Usd(1_234_567.8m));
            Assert.Equal("$0.00", Money.Usd(0m));
            Assert.Equal("$7.30", Money.Usd((decimal?)7.3m));
            Assert.Equal("price unknown", Money.Usd(null));
            Assert.Equal("$0.0104/h", Money.Hourly(0.0104m));
            Assert.Equal("$0.0104/h", Money.Hourly(0.010400m));
            Assert.Equal("$1.50/h", Money.Hourly(1.5m));
            Assert.Equal("$32.7726/h", Money.Hourly(32.7726m));
            Assert.Equal("$1,024.00/h", Money.Hourly(1024m));
            Assert.Equal("price unknown", Money.Hourly(null));
            Assert.Equal("$1,235", Money.Axis(1234.6));

            Assert.Equal("1234.50", InventoryCsv.Monthly(1234.5m));
            Assert.Equal("0.0104", InventoryCsv.Hourly(0.010400m));
            Assert.Equal("32.7726", InventoryCsv.Hourly(32.7726m));
            Assert.Equal("0.123456", InventoryCsv.Hourly(0.123456m));
            Assert.Equal("0", InventoryCsv.Hourly(0.000000m));
            Assert.Null(InventoryCsv.Monthly(null));
            Assert.Null(InventoryCsv.Hourly(null));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (current, ui);
        }
    }
}
