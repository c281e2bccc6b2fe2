using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Domain.Optimization;
using CostPilot.Infrastructure.Aws;

namespace CostPilot.Tests.Infrastructure.Aws;

public sealed class AwsErrorsTests
{
    private const string What = "ec2:DescribeInstances in eu-west-1";
    private const string ActionIam = "ec2:ModifyInstanceAttribute";
    private const string Attempt = "change the type of instance i-0abc to m5.large";

    [Fact]
    public void Translate_ClientExceptionAroundANetworkFailure_NetworkError()
    {
        var e = new AmazonClientException("send failed", new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)));

        var translated = AwsErrors.Translate(e, What);

        Assert.Equal((InventoryFailure.Unavailable, $"Could not reach AWS for {What} (network error)."), (translated.Failure, translated.Message));
    }

    [Fact]
    public void Translate_ClientExceptionOfItsOwn_SaysWhatTheSdkSaid()
    {
        var e = new AmazonClientException("No RegionEndpoint or ServiceURL configured");

        var translated = AwsErrors.Translate(e, What);

        Assert.Equal($"The AWS client could not make {What}: No RegionEndpoint or ServiceURL configured", translated.Message);
    }

    [Fact]
    public void Translate_ServiceErrorWithoutCode_NamesTheHttpStatus()
    {
        var e = new AmazonServiceException("not found", null, ErrorType.Sender, null, "req-1", HttpStatusCode.NotFound);

        Assert.Equal($"AWS refused {What}: HTTP 404.", AwsErrors.Translate(e, What).Message);
    }

    [Theory]
    [InlineData("UnauthorizedOperation", InventoryFailure.AccessDenied)]
    [InlineData("AuthFailure", InventoryFailure.RegionDisabled)]
    [InlineData("RequestLimitExceeded", InventoryFailure.Throttled)]
    [InlineData("InvalidClientTokenId", InventoryFailure.InvalidCredentials)]
    [InlineData("RequestExpired", InventoryFailure.InvalidCredentials)]
    public void Translate_ServiceErrorCodes_MapToTheirFailure(string code, InventoryFailure failure)
    {
        var e = new AmazonServiceException("refused", null, ErrorType.Sender, code, "req-1", HttpStatusCode.BadRequest);

        Assert.Equal(failure, AwsErrors.Translate(e, What).Failure);
    }

    [Theory]
    [InlineData("InsufficientInstanceCapacity", HttpStatusCode.InternalServerError, ActionFailure.InsufficientCapacity)]
    [InlineData("IncorrectInstanceState", HttpStatusCode.BadRequest, ActionFailure.IncorrectState)]
    [InlineData("InvalidInstanceID.NotFound", HttpStatusCode.BadRequest, ActionFailure.NotFound)]
    [InlineData("InvalidInstanceID.Malformed", HttpStatusCode.BadRequest, ActionFailure.NotFound)]
    [InlineData("UnauthorizedOperation", HttpStatusCode.Forbidden, ActionFailure.Denied)]
    [InlineData("AccessDenied", HttpStatusCode.Forbidden, ActionFailure.Denied)]
    [InlineData("AccessDeniedException", HttpStatusCode.Forbidden, ActionFailure.Denied)]
    [InlineData("InvalidParameterValue", HttpStatusCode.BadRequest, ActionFailure.Rejected)]
    [InlineData("InvalidParameterCombination", HttpStatusCode.BadRequest, ActionFailure.Rejected)]
    [InlineData("Unsupported", HttpStatusCode.BadRequest, ActionFailure.Rejected)]
    [InlineData("UnsupportedOperation", HttpStatusCode.BadRequest, ActionFailure.Rejected)]
    [InlineData("InvalidInstanceAttributeValue", HttpStatusCode.BadRequest, ActionFailure.Rejected)]
    [InlineData("InvalidClientTokenId", HttpStatusCode.Forbidden, ActionFailure.InvalidCredentials)]
    [InlineData("SignatureDoesNotMatch", HttpStatusCode.Forbidden, ActionFailure.InvalidCredentials)]
    [InlineData("RequestExpired", HttpStatusCode.BadRequest, ActionFailure.InvalidCredentials)]
    [InlineData("ExpiredToken", HttpStatusCode.BadRequest, ActionFailure.InvalidCredentials)]
    [InlineData("AuthFailure", HttpStatusCode.Unauthorized, ActionFailure.InvalidCredentials)]
    [InlineData("RequestLimitExceeded", HttpStatusCode.BadRequest, ActionFailure.Unavailable)]
    [InlineData("ThrottlingException", HttpStatusCode.BadRequest, ActionFailure.Unavailable)]
    [InlineData("InternalError", HttpStatusCode.InternalServerError, ActionFailure.Unavailable)]
    [InlineData("Unavailable", HttpStatusCode.ServiceUnavailable, ActionFailure.Unavailable)]
    public void TranslateAction_ServiceErrorCodes_MapToTheirFailure(string code, HttpStatusCode status, ActionFailure failure)
    {
        var e = new AmazonServiceException("refused", null, ErrorType.Sender, code, "req-1", status);

        var translated = AwsErrors.TranslateAction(e, ActionIam, Attempt);

        Assert.Equal(failure, translated.Failure);
        Assert.Contains("i-0abc", translated.Message, StringComparison.Ordinal);
        Assert.Same(e, translated.InnerException);
    }

    [Fact]
    public void TranslateAction_Rejected_WhatWasAttemptedThenAwsMessage()
    {
        var e = new AmazonServiceException("The instance type m5.large is not supported for this AMI.", null, ErrorType.Sender, "Unsupported", "req-1", HttpStatusCode.BadRequest);

        Assert.Equal($"AWS refused to {Attempt}: The instance type m5.large is not supported for this AMI.", AwsErrors.TranslateAction(e, ActionIam, Attempt).Message);
    }

    [Fact]
    public void TranslateAction_UnauthorizedWithEncodedMessage_LeavesAwsMessageOut()
    {
        var e = new AmazonServiceException("You are not authorized to perform this operation. Encoded authorization failure message: abc123", null,
            ErrorType.Sender, "UnauthorizedOperation", "req-1", HttpStatusCode.Forbidden);

        var message = AwsErrors.TranslateAction(e, ActionIam, Attempt).Message;

        Assert.Equal($"CostPilot may not {Attempt}: AWS denied {ActionIam}. For an account connected with the CloudFormation role, update the CostPilotAccess " +
            $"stack with the parameter EnableOptimization=true; for access keys, add {ActionIam} to the keys' IAM policy.", message);
    }

    [Fact]
    public void TranslateAction_NetworkFailure_Unavailable()
    {
        var e = new AmazonClientException("send failed", new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)));

        var translated = AwsErrors.TranslateAction(e, ActionIam, Attempt);

        Assert.Equal((ActionFailure.Unavailable, $"Could not {Attempt}: AWS could not be reached (network error)."), (translated.Failure, translated.Message));
    }

    [Fact]
    public void TranslateAction_Timeout_Unavailable()
    {
        var translated = AwsErrors.TranslateAction(new TimeoutException("The operation has timed out."), ActionIam, Attempt);

        Assert.Equal((ActionFailure.Unavailable, $"Could not {Attempt}: AWS did not answer in time."), (translated.Failure, translated.Message));
    }
}
