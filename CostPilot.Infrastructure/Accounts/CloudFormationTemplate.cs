using System.Globalization;
using System.Text;

namespace CostPilot.Infrastructure.Accounts;

/// <summary>The CloudFormation template that creates the read-only role CostPilot assumes.</summary>
public static class CloudFormationTemplate
{
    public const string StackName = "CostPilotAccess";

    public static readonly IReadOnlyList<string> ReadActions =
    [
        "ec2:DescribeRegions", "ec2:DescribeInstances", "ec2:DescribeInstanceStatus", "ec2:DescribeInstanceTypes", "ec2:DescribeVolumes",
        "ec2:DescribeAddresses", "ec2:DescribeSpotPriceHistory", "cloudwatch:GetMetricData", "sts:GetCallerIdentity",
    ];

    /// <summary>The tag an instance carries while CostPilot changes its type: the type to return to.</summary>
    public const string OriginalTypeTag = "costpilot:original-type";

    public static readonly IReadOnlyList<string> OptimizeActions =
        ["ec2:StopInstances", "ec2:StartInstances", "ec2:ModifyInstanceAttribute", "ec2:CreateTags"];

    public static string Build(string trustedPrincipalArn, string externalId)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("AWSTemplateFormatVersion: '2010-09-09'");
        yaml.AppendLine("Description: Lets CostPilot read EC2 inventory and metrics (and, if enabled, stop/start/resize instances).");
        yaml.AppendLine("Parameters:");
        yaml.AppendLine("  ExternalId:");
        yaml.AppendLine("    Type: String");
        yaml.AppendLine("    NoEcho: true");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"    Default: '{externalId}'");
        yaml.AppendLine("    Description: The External ID CostPilot showed you. Keep it as it is.");
        yaml.AppendLine("  EnableOptimization:");
        yaml.AppendLine("    Type: String");
        yaml.AppendLine("    AllowedValues: ['true', 'false']");
        yaml.AppendLine("    Default: 'false'");
        yaml.AppendLine("    Description: Also allow CostPilot to stop, start and resize instances when you apply an optimization.");
        yaml.AppendLine("Conditions:");
        yaml.AppendLine("  OptimizationEnabled: !Equals [!Ref EnableOptimization, 'true']");
        yaml.AppendLine("Resources:");
        yaml.AppendLine("  CostPilotRole:");
        yaml.AppendLine("    Type: AWS::IAM::Role");
        yaml.AppendLine("    Properties:");
        yaml.AppendLine("      Description: Assumed by CostPilot with an External ID.");
        yaml.AppendLine("      MaxSessionDuration: 3600");
        yaml.AppendLine("      AssumeRolePolicyDocument:");
        yaml.AppendLine("        Version: '2012-10-17'");
        yaml.AppendLine("        Statement:");
        yaml.AppendLine("          - Effect: Allow");
        yaml.AppendLine("            Principal:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"              AWS: '{trustedPrincipalArn}'");
        yaml.AppendLine("            Action: sts:AssumeRole");
        yaml.AppendLine("            Condition:");
        yaml.AppendLine("              StringEquals:");
        yaml.AppendLine("                sts:ExternalId: !Ref ExternalId");
        yaml.AppendLine("      Policies:");
        yaml.AppendLine("        - PolicyName: CostPilotReadOnly");
        yaml.AppendLine("          PolicyDocument:");
        yaml.AppendLine("            Version: '2012-10-17'");
        yaml.AppendLine("            Statement:");
        yaml.AppendLine("              - Effect: Allow");
        yaml.AppendLine("                Action:");
        foreach (var action in ReadActions)
        {
            yaml.AppendLine(CultureInfo.InvariantCulture, $"                  - {action}");
        }
        yaml.AppendLine("                Resource: '*'");
        yaml.AppendLine("  CostPilotOptimizePolicy:");
        yaml.AppendLine("    Type: AWS::IAM::Policy");
        yaml.AppendLine("    Condition: OptimizationEnabled");
        yaml.AppendLine("    Properties:");
        yaml.AppendLine("      PolicyName: CostPilotOptimize");
        yaml.AppendLine("      Roles: [!Ref CostPilotRole]");
        yaml.AppendLine("      PolicyDocument:");
        yaml.AppendLine("        Version: '2012-10-17'");
        yaml.AppendLine("        Statement:");
        yaml.AppendLine("          - Sid: StopAndStart");
        yaml.AppendLine("            Effect: Allow");
        yaml.AppendLine("            Action: [ec2:StopInstances, ec2:StartInstances]");
        yaml.AppendLine("            Resource: '*'");
        // One attribute per ModifyInstanceAttribute call: the condition key is present only when that attribute is the instance
        // type, so user data, security groups, shutdown behaviour and the rest stay out of CostPilot's reach.
        yaml.AppendLine("          - Sid: ChangeTheInstanceTypeOnly");
        yaml.AppendLine("            Effect: Allow");
        yaml.AppendLine("            Action: ec2:ModifyInstanceAttribute");
        yaml.AppendLine("            Resource: '*'");
        yaml.AppendLine("            Condition:");
        yaml.AppendLine("              StringLike:");
        yaml.AppendLine("                ec2:Attribute/InstanceType: '*'");
        // The original type is recorded on the instance as a tag, so a retried or interrupted change can be rolled back; no other tag.
        yaml.AppendLine("          - Sid: RecordTheOriginalType");
        yaml.AppendLine("            Effect: Allow");
        yaml.AppendLine("            Action: ec2:CreateTags");
        yaml.AppendLine("            Resource: '*'");
        yaml.AppendLine("            Condition:");
        yaml.AppendLine("              ForAllValues:StringEquals:");
        yaml.AppendLine(CultureInfo.InvariantCulture, $"                aws:TagKeys: ['{OriginalTypeTag}']");
        yaml.AppendLine("Outputs:");
        yaml.AppendLine("  RoleArn:");
        yaml.AppendLine("    Description: Paste this into CostPilot.");
        yaml.AppendLine("    Value: !GetAtt CostPilotRole.Arn");
        return yaml.ToString();
    }

    /// <summary>The equivalent AWS CLI command, External ID filled in.</summary>
    public static string CliCommand(string externalId) =>
        $"aws cloudformation create-stack --stack-name {StackName} --template-body file://costpilot-role.yaml " +
        $"--capabilities CAPABILITY_IAM --parameters ParameterKey=ExternalId,ParameterValue={externalId} " +
        "ParameterKey=EnableOptimization,ParameterValue=false";
}
