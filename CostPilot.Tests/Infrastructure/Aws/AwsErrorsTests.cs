using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using CostPilot.Domain.Inventory;
using CostPilot.Infrastructure.Aws;

namespace CostPilot.Tests.Infrastructure.Aws;

public sealed class AwsErrorsTests
{
    private const string What = "ec2:DescribeInstances in eu-west-1";

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
}
