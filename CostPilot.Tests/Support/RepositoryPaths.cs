namespace CostPilot.Tests.Support;

/// <summary>Folders of the checkout the tests write to (under test-output/, which git ignores).</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding CostPilot.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    public static string Screenshots { get; } = Path.Combine(Root, "test-output", "screenshots");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CostPilot.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No CostPilot.sln above {AppContext.BaseDirectory}: cannot find the repository root.");
    }
}
