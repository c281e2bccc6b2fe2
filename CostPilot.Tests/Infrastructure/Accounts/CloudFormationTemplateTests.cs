using CostPilot.Infrastructure.Accounts;

namespace CostPilot.Tests.Infrastructure.Accounts;

public sealed class CloudFormationTemplateTests
{
    [Fact]
    public void Build_ReadOnlyPolicy_AllowsEveryCallDiscoveryMakes()
    {
        var yaml = CloudFormationTemplate.Build("arn:aws:iam::999988887777:role/CostPilot", "cp-external-id");

        string[] calls = ["ec2:DescribeRegions", "ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeAddresses", "ec2:DescribeSpotPriceHistory"];
        Assert.All(calls, call => Assert.Contains($"                  - {call}\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal));
        Assert.Subset(CloudFormationTemplate.ReadActions.ToHashSet(), calls.ToHashSet());
        Assert.DoesNotContain(CloudFormationTemplate.ReadActions, a => CloudFormationTemplate.OptimizeActions.Contains(a));
    }
}
