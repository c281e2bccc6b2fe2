using CostPilot.Infrastructure.Health;

namespace CostPilot.Tests.Components;

public sealed class AdminDashboardTests
{
    [Theory]
    [InlineData("vm:11448:8feeba3f-3d13-4a38-9029-94d0896c85a8", "vm:11448")]
    [InlineData("web-2.internal:7:0b8f3c1e-2a44-4b1d-9a0e-3f5a6b7c8d9e", "web-2.internal:7")]
    [InlineData("custom-name", "custom-name")]
    [InlineData("a:b:not-a-guid", "a:b:not-a-guid")]
    public void ShortServerName_DropsHangfiresGuidOnly(string name, string shown) =>
        Assert.Equal(shown, JobServers.ShortName(name));
}
