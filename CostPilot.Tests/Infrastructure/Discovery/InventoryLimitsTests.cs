using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Discovery;

namespace CostPilot.Tests.Infrastructure.Discovery;

public sealed class InventoryLimitsTests
{
    private static readonly Dictionary<string, string> NoTags = [];
    private static readonly DiscoveredInstance Instance = new("i-0123456789abcdef0", "m5.large", "running", "us-east-1a", "linux", "x86_64", null, "on-demand", NoTags);

    [Fact]
    public void Check_ValuesAwsSends_Pass()
    {
        InventoryLimits.Check(Instance with { Tags = new Dictionary<string, string> { ["Name"] = new string('n', 5000) } }, "us-east-1");
        InventoryLimits.Check(new DiscoveredVolume("vol-0123456789abcdef0", 8, "gp3", 3000, 125, "in-use", "us-east-1a", Instance.InstanceId, NoTags), "us-east-1");
        InventoryLimits.Check(new DiscoveredAddress("eipalloc-0123456789abcdef0", "2001:db8::1", null, null, "vpc", NoTags), "us-east-1");
    }

    [Theory]
    [InlineData(null, "AWS listed an instance in us-east-1 without an id.")]
    [InlineData(" ", "AWS listed an instance in us-east-1 without an id.")]
    [InlineData("i-0123456789abcdef0123456789abcdef0", "AWS answered for i-0123456789abcdef0123456789abcdef0 in us-east-1 with a value CostPilot cannot store: its instance id is 35 characters long (at most 32).")]
    public void Check_InstanceIdMissingOrTooLong_InvalidAnswerSaysSo(string? id, string message)
    {
        var error = Assert.Throws<InventoryException>(() => InventoryLimits.Check(Instance with { InstanceId = id! }, "us-east-1"));

        Assert.Equal((InventoryFailure.InvalidAnswer, message), (error.Failure, error.Message));
    }

    [Fact]
    public void Check_LongValueOfALongId_NamesAPreviewOfTheId()
    {
        var error = Assert.Throws<InventoryException>(() => InventoryLimits.Check(
            new DiscoveredVolume(new string('v', 60), 8, "gp3", null, null, "available", null, null, NoTags), "eu-west-1"));

        Assert.Equal($"AWS answered for {new string('v', 40)}… in eu-west-1 with a value CostPilot cannot store: its volume id is 60 characters long (at most 32).", error.Message);
    }

    [Fact]
    public void Check_AddressWithoutPublicIp_InvalidAnswer()
    {
        var error = Assert.Throws<InventoryException>(() => InventoryLimits.Check(
            new DiscoveredAddress("eipalloc-1", null!, null, null, "vpc", NoTags), "us-east-1"));

        Assert.Equal("AWS listed the elastic IP address eipalloc-1 in us-east-1 without its public IP.", error.Message);
    }
}
