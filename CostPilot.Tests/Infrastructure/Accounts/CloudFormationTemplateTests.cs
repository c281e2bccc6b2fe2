using CostPilot.Infrastructure.Accounts;

namespace CostPilot.Tests.Infrastructure.Accounts;

public sealed class CloudFormationTemplateTests
{
    [Fact]
    public void Build_ReadOnlyPolicy_AllowsEveryCallDiscoveryAndExperimentsMake()
    {
        var yaml = CloudFormationTemplate.Build("arn:aws:iam::999988887777:role/CostPilot", "cp-external-id");

        // Discovery's reads, and the status checks an experiment watches after starting an instance (AwsInstanceActions).
        string[] calls =
            ["ec2:DescribeRegions", "ec2:DescribeInstances", "ec2:DescribeVolumes", "ec2:DescribeAddresses", "ec2:DescribeSpotPriceHistory", "ec2:DescribeInstanceStatus"];
        Assert.All(calls, call => Assert.Contains($"                  - {call}\n", yaml.ReplaceLineEndings("\n"), StringComparison.Ordinal));
        Assert.Subset(CloudFormationTemplate.ReadActions.ToHashSet(), calls.ToHashSet());
        Assert.DoesNotContain(CloudFormationTemplate.ReadActions, a => CloudFormationTemplate.OptimizeActions.Contains(a));
    }

    [Fact]
    public void Build_OptimizationSwitch_ModifyOnlyTheInstanceTypeAndTagOnlyTheOriginalType()
    {
        var yaml = CloudFormationTemplate.Build("arn:aws:iam::999988887777:role/CostPilot", "cp-external-id").ReplaceLineEndings("\n");

        var optimize = yaml[yaml.IndexOf("  CostPilotOptimizePolicy:", StringComparison.Ordinal)..yaml.IndexOf("Outputs:", StringComparison.Ordinal)];
        Assert.Contains("    Condition: OptimizationEnabled\n", optimize, StringComparison.Ordinal);
        Assert.Contains("""
                      - Sid: ChangeTheInstanceTypeOnly
                        Effect: Allow
                        Action: ec2:ModifyInstanceAttribute
                        Resource: '*'
                        Condition:
                          StringLike:
                            ec2:Attribute/InstanceType: '*'

            """.Replace("\r", "", StringComparison.Ordinal), optimize, StringComparison.Ordinal);
        Assert.Contains("""
                      - Sid: RecordTheOriginalType
                        Effect: Allow
                        Action: ec2:CreateTags
                        Resource: '*'
                        Condition:
                          ForAllValues:StringEquals:
                            aws:TagKeys: ['costpilot:original-type']

            """.Replace("\r", "", StringComparison.Ordinal), optimize, StringComparison.Ordinal);
        // Nothing else is granted: every Action line of the optimization policy is one of these.
        var actions = optimize.Split('\n').Where(l => l.TrimStart().StartsWith("Action:", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.Equal(["Action: [ec2:StopInstances, ec2:StartInstances]", "Action: ec2:ModifyInstanceAttribute", "Action: ec2:CreateTags"], actions);
    }
}
