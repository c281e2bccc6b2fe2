using System.Net.Http.Headers;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using Amazon.Util;

namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>
/// Signs an AWS Query request (form POST) with AWSSDK.Core's Signature Version 4 signer: <see cref="AWS4Signer"/>'s public
/// and protected signing helpers, the same code the SDK's own clients sign with. A subclass only to reach the protected ones.
/// </summary>
internal sealed class CloudWatchSigner : AWS4Signer
{
    public const string FormContentType = "application/x-www-form-urlencoded; charset=utf-8";

    private CloudWatchSigner()
    {
    }

    /// <summary>
    /// Sets Host, X-Amz-Date, X-Amz-Content-SHA256, X-Amz-Security-Token (session credentials) and Authorization on
    /// <paramref name="request"/>, a POST of <paramref name="body"/> to its RequestUri, signed for <paramref name="service"/>
    /// in <paramref name="region"/> at <paramref name="now"/>. Content-Type is part of the signature.
    /// </summary>
    public static void Sign(HttpRequestMessage request, byte[] body, ImmutableCredentials credentials, string region, string service, DateTime now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(credentials);
        var endpoint = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [HeaderKeys.ContentTypeHeader] = FormContentType,
        };
        if (credentials.UseToken)
        {
            headers[HeaderKeys.XAmzSecurityTokenHeader] = credentials.Token;
        }

        var signedAt = InitializeHeaders(headers, endpoint, now);
        var bodyHash = AWSSDKUtils.ToHex(ComputeHash(body), true);
        headers[HeaderKeys.XAmzContentSha256Header] = bodyHash;
        var sorted = SortAndPruneHeaders(headers);
        var canonicalRequest = CanonicalizeRequest(endpoint, "/", HttpMethod.Post.Method, sorted, "", bodyHash);
        var signature = ComputeSignature(credentials.AccessKey, credentials.SecretKey, region, signedAt, service,
            CanonicalizeHeaderNames(sorted), canonicalRequest);

        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(FormContentType);
        request.Content = content;
        foreach (var (name, value) in headers)
        {
            if (name.Equals(HeaderKeys.ContentTypeHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (name.Equals(HeaderKeys.HostHeader, StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.Host = value;
                continue;
            }
            request.Headers.TryAddWithoutValidation(name, value);
        }
        request.Headers.TryAddWithoutValidation(HeaderKeys.AuthorizationHeader, signature.ForAuthorizationHeader);
    }
}
