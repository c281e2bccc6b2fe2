namespace CostPilot.Tests.Support;

/// <summary>
/// Test classes that start the published app share one publish (it takes a while on two cores) and run one after another.
/// </summary>
[CollectionDefinition(Name)]
public sealed class PublishedAppTestGroup : ICollectionFixture<PublishedApp>
{
    public const string Name = "Published app";
}
