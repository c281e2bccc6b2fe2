using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace CostPilot.Tests.Fakes;

/// <summary>The parts of an "Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..." header.</summary>
internal sealed record SigV4Authorization(
    string AccessKeyId,
    string Date,
    string Region,
    string Service,
    string SignedHeaders,
    string Signature);

/// <summary>Server-side check of AWS Signature Version 4 (header form, as the SDK signs).</summary>
internal static class SigV4
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    /// <summary>Null when the header is absent; throws <see cref="FormatException"/> when it is malformed.</summary>
    public static SigV4Authorization? Parse(string? header)
    {
        if (string.IsNullOrEmpty(header))
        {
            return null;
        }

        if (!header.StartsWith(Algorithm + " ", StringComparison.Ordinal))
        {
            throw new FormatException($"Authorization header requires the {Algorithm} algorithm.");
        }

        var fields = header[(Algorithm.Length + 1)..]
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("Credential", out var credential)
            || !fields.TryGetValue("SignedHeaders", out var signedHeaders)
            || !fields.TryGetValue("Signature", out var signature))
        {
            throw new FormatException("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.");
        }

        var scope = credential.Split('/');
        if (scope is not [{ Length: > 0 } key, { Length: 8 } date, { Length: > 0 } region, { Length: > 0 } service, "aws4_request"])
        {
            throw new FormatException($"Credential should be scoped correctly: '{credential}'.");
        }

        if (!signedHeaders.Split(';').Contains("host", StringComparer.Ordinal))
        {
            throw new FormatException("'Host' must be a signed header.");
        }

        return new SigV4Authorization(key, date, region, service, signedHeaders, signature);
    }

    /// <summary>Recomputes the signature with <paramref name="secret"/>; returns why it does not match, or null.</summary>
    public static string? Verify(HttpRequest request, byte[] body, SigV4Authorization auth, string secret)
    {
        var amzDate = request.Headers["x-amz-date"].ToString();
        if (!DateTime.TryParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
        {
            return "X-Amz-Date is missing or malformed.";
        }

        if (!amzDate.StartsWith(auth.Date, StringComparison.Ordinal))
        {
            return "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP.";
        }

        var bodyHash = Hex(SHA256.HashData(body));
        var payloadHash = request.Headers["x-amz-content-sha256"].ToString();
        if (payloadHash.Length == 0)
        {
            payloadHash = bodyHash;
        }
        else if (payloadHash != "UNSIGNED-PAYLOAD" && payloadHash != bodyHash)
        {
            return "The provided 'x-amz-content-sha256' header does not match what was computed.";
        }

        var canonicalHeaders = new StringBuilder();
        foreach (var name in auth.SignedHeaders.Split(';'))
        {
            canonicalHeaders.Append(name).Append(':').Append(CanonicalHeaderValue(request.Headers[name])).Append('\n');
        }

        var rawTarget = request.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var rawPath = rawTarget.Split('?', 2)[0];
        var canonicalRequest = string.Join('\n',
            request.Method,
            CanonicalUri(rawPath),
            CanonicalQuery(request.QueryString.Value),
            canonicalHeaders.ToString(),
            auth.SignedHeaders,
            payloadHash);

        var scope = $"{auth.Date}/{auth.Region}/{auth.Service}/aws4_request";
        var stringToSign = string.Join('\n',
            Algorithm,
            amzDate,
            scope,
            Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest))));

        var key = Encoding.UTF8.GetBytes("AWS4" + secret);
        foreach (var part in new[] { auth.Date, auth.Region, auth.Service, "aws4_request" })
        {
            key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(part));
        }

        var expected = Hex(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(auth.Signature))
            ? null
            : "The request signature we calculated does not match the signature you provided.";
    }

    private static string CanonicalHeaderValue(IEnumerable<string?> values)
    {
        var joined = string.Join(',', values.Select(v => v?.Trim()));
        var collapsed = new StringBuilder(joined.Length);
        foreach (var c in joined)
        {
            if (c == ' ' && collapsed.Length > 0 && collapsed[^1] == ' ')
            {
                continue;
            }

            collapsed.Append(c);
        }

        return collapsed.ToString();
    }

    // Services other than S3 sign each path segment URI-encoded twice; the raw path is already encoded once.
    private static string CanonicalUri(string rawPath) =>
        rawPath.Length == 0 ? "/" : string.Join('/', rawPath.Split('/').Select(UriEncode));

    private static string CanonicalQuery(string? rawQuery)
    {
        if (string.IsNullOrEmpty(rawQuery) || rawQuery == "?")
        {
            return "";
        }

        return string.Join('&', rawQuery.TrimStart('?')
            .Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .Select(pair => (Key: UriEncode(Uri.UnescapeDataString(pair[0])), Value: UriEncode(Uri.UnescapeDataString(pair.Length > 1 ? pair[1] : ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value));
    }

    private static string UriEncode(string value)
    {
        var encoded = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
                or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.ToString();
    }

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
}
