namespace CostPilot.Tests.EndToEnd;

/// <summary>
/// Browser test classes run one after another: two Chromiums and two apps at once on a two-core
/// machine only make every wait longer. Each class still has its own app and browser (BrowserFixture).
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserTests
{
    public const string Name = "Browser";
}
