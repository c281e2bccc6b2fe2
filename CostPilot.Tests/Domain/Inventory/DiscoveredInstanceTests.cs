using CostPilot.Domain.Inventory;
using CostPilot.Domain.Pricing;

namespace CostPilot.Tests.Domain.Inventory;

public sealed class DiscoveredInstanceTests
{
    [Theory]
    [InlineData("Linux/UNIX", null, "linux")]
    [InlineData("Windows", "windows", "windows")]
    [InlineData("Red Hat Enterprise Linux", null, "red hat enterprise linux")]
    [InlineData("SUSE Linux", null, "suse linux")]
    [InlineData("Ubuntu Pro", null, "ubuntu pro")]
    [InlineData("Windows with SQL Server Standard", "windows", "windows with sql server standard")]
    [InlineData("Windows BYOL", "windows", "windows byol")]
    [InlineData(" Linux/UNIX ", null, "linux")]
    [InlineData(null, "windows", "windows")]
    [InlineData(null, "Windows", "windows")]
    [InlineData("", null, "linux")]
    [InlineData(null, null, "linux")]
    public void PlatformOf_PlatformDetails_WhatPricingNeeds(string? platformDetails, string? platform, string expected) =>
        Assert.Equal(expected, DiscoveredInstance.PlatformOf(platformDetails, platform));

    [Fact]
    public void PlatformOf_DetailsLongerThanTheColumn_CutTo64Characters()
    {
        var details = "Red Hat Enterprise Linux with SQL Server Enterprise and High Availability";

        var platform = DiscoveredInstance.PlatformOf(details, null);

        Assert.Equal(details.ToLowerInvariant()[..DiscoveredInstance.MaxPlatformLength], platform);
        Assert.Equal(64, platform.Length);
    }

    [Theory]
    [InlineData("Linux/UNIX", InstanceOs.Linux)]
    [InlineData("Windows", InstanceOs.Windows)]
    [InlineData("Red Hat Enterprise Linux", null)]
    [InlineData("Windows with SQL Server Web", null)]
    public void PlatformOf_ThenCostsOsOf_OnlyLinuxAndWindowsArePriced(string platformDetails, InstanceOs? expected) =>
        Assert.Equal(expected, Costs.OsOf(DiscoveredInstance.PlatformOf(platformDetails, null)));

    [Theory]
    [InlineData("linux", "Linux/UNIX")]
    [InlineData("windows", "Windows")]
    [InlineData("red hat enterprise linux", null)]
    [InlineData("windows with sql server standard", null)]
    public void ProductOf_Platform_TheSpotProductDescriptionOrNone(string platform, string? expected) =>
        Assert.Equal(expected, DiscoveredSpotPrice.ProductOf(platform));

    [Fact]
    public void Constructor_WithoutTenancy_DefaultSharedTenancy()
    {
        var instance = new DiscoveredInstance("i-1", "m5.large", "running", "us-east-1a", "linux", "x86_64", null, "on-demand",
            new Dictionary<string, string>());

        Assert.Equal("default", instance.Tenancy);
        Assert.Equal(Tenancy.Shared, Costs.TenancyOf(instance.Tenancy));
    }
}
