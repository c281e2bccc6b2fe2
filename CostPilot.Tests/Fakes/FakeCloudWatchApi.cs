using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;

namespace CostPilot.Tests.Fakes;

/// <summary>
/// CloudWatch (SigV4 service "monitoring") over the AWS Query protocol, version 2010-08-01: GetMetricData with MetricStat
/// queries of hourly data (Period 3600), answered from <see cref="FakeAwsAccount.Metrics"/> in the XML of
/// http://monitoring.amazonaws.com/doc/2010-08-01/, with CloudWatch's limits: 500 queries a call, 100,800 datapoints a page
/// (or MaxDatapoints), further pages by NextToken. Every query appears in every page; a query whose datapoints continue on a
/// later page says PartialData.
/// </summary>
internal sealed partial class FakeCloudWatchApi : IFakeAwsApi
{
    public const string Namespace = "http://monitoring.amazonaws.com/doc/2010-08-01/";
    public const string Version = "2010-08-01";
    public const int MaxQueries = 500;
    public const int MaxDatapoints = 100_800;

    // CloudWatch keeps hourly data for 455 days.
    private const int MaxHours = 455 * 24;
    private const int Period = 3600;

    private static readonly XmlWriterSettings Settings = new() { Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false) };

    public static bool IsCloudWatchAction(string action) => action is "GetMetricData";

    public AwsError AuthError(AuthProblem problem) => problem switch
    {
        AuthProblem.Missing => new(403, "MissingAuthenticationToken", "Request is missing Authentication Token"),
        AuthProblem.Malformed => new(400, "IncompleteSignature", "The request signature does not conform to AWS standards."),
        AuthProblem.BadSignature => new(403, "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."),
        AuthProblem.Expired => new(403, "ExpiredToken", "The security token included in the request is expired"),
        _ => new(403, "InvalidClientTokenId", "The security token included in the request is invalid."),
    };

    public AwsError FaultError(FakeFault fault) => fault switch
    {
        FakeFault.Throttle => new(400, "Throttling", "Rate exceeded"),
        FakeFault.Unauthorized => new(403, "AccessDenied", "User is not authorized to perform: cloudwatch:GetMetricData"),
        FakeFault.AuthFailure => AuthError(AuthProblem.UnknownKey),
        _ => new(500, "InternalServiceError", "Internal service error.", Sender: false),
    };

    public AwsReply Handle(AwsCall call)
    {
        if (!IsCloudWatchAction(call.Action) || (call.Parameters["Version"] is { } version && version != Version))
        {
            throw new AwsErrorException(new AwsError(400, "InvalidAction", $"Could not find operation {call.Action} for version {call.Parameters["Version"]}"));
        }
        if (call.Caller.Account.CloudWatchDenied)
        {
            throw new AwsErrorException(new AwsError(403, "AccessDenied",
                $"User: {call.Caller.Arn} is not authorized to perform: cloudwatch:GetMetricData because no identity-based policy allows the cloudwatch:GetMetricData action"));
        }
        return GetMetricData(call);
    }

    public AwsReply Render(AwsError error, string requestId)
    {
        using var xml = new AwsXml("ErrorResponse", Namespace);
        xml.Start("Error")
            .Leaf("Type", error.Sender ? "Sender" : "Receiver")
            .Leaf("Code", error.Code)
            .Leaf("Message", error.Message)
            .End()
            .Leaf("RequestId", requestId);
        return new AwsReply(error.Status, xml.ToArray(), error.Code);
    }

    private static AwsReply GetMetricData(AwsCall call)
    {
        var p = call.Parameters;
        var queries = Queries(p);
        var start = Time(p, "StartTime");
        var end = Time(p, "EndTime");
        if (start >= end)
        {
            throw Validation("The parameter StartTime must be less than the parameter EndTime.");
        }
        var hours = (int)Math.Min(MaxHours + 1, Math.Ceiling((end - start).TotalHours));
        if (hours > MaxHours)
        {
            throw Validation($"The fake keeps hourly data for {MaxHours / 24} days, as CloudWatch does; ask for less.");
        }
        var limit = p.Int("MaxDatapoints") ?? MaxDatapoints;
        if (limit < 1)
        {
            throw Validation("The parameter MaxDatapoints must be greater than 0.");
        }
        limit = Math.Min(limit, MaxDatapoints);
        var ascending = (p["ScanBy"] ?? "TimestampDescending") switch
        {
            "TimestampAscending" => true,
            "TimestampDescending" => false,
            var other => throw Validation($"Value '{other}' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [TimestampDescending, TimestampAscending]"),
        };

        // Where the previous page stopped, and which queries failed on the first page (a token carries both).
        var fingerprint = Fingerprint(queries, start, end, ascending);
        var (cursorQuery, cursorPoint, faults) = p["NextToken"] is { } token
            ? Decode(token, fingerprint, queries.Count)
            : (0, 0, TakeFaults(call, queries));

        var metrics = call.Caller.Account.FindMetrics(call.Region);
        var buckets = ArrayPool<double>.Shared.Rent(queries.Count * hours);
        try
        {
            var counts = new int[queries.Count];
            for (var q = 0; q < queries.Count; q++)
            {
                var series = buckets.AsSpan(q * hours, hours);
                if (faults[q] is null && metrics is not null && queries[q].InstanceId is { } instanceId)
                {
                    metrics.Fill(instanceId, queries[q].MetricName, queries[q].Stat, start, series);
                }
                else
                {
                    series.Fill(double.NaN);
                }
                foreach (var value in series)
                {
                    counts[q] += double.IsNaN(value) ? 0 : 1;
                }
            }

            // This page: from the cursor on, query after query, until the limit.
            var from = new int[queries.Count];
            var to = new int[queries.Count];
            var room = limit;
            var (nextQuery, nextPoint) = (queries.Count, 0);
            for (var q = 0; q < queries.Count; q++)
            {
                from[q] = q < cursorQuery ? counts[q] : q == cursorQuery ? cursorPoint : 0;
                var take = Math.Min(room, counts[q] - from[q]);
                to[q] = from[q] + Math.Max(0, take);
                room -= Math.Max(0, take);
                if (to[q] < counts[q] && nextQuery == queries.Count)
                {
                    (nextQuery, nextPoint) = (q, to[q]);
                }
            }
            var nextToken = nextQuery < queries.Count ? Encode(fingerprint, nextQuery, nextPoint, faults) : null;
            return new AwsReply(200, Write(call.RequestId, queries, start, hours, buckets, counts, from, to, ascending, faults, nextToken));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buckets);
        }
    }

    private static byte[] Write(string requestId, List<Query> queries, DateTimeOffset start, int hours, double[] buckets, int[] counts,
        int[] from, int[] to, bool ascending, string?[] faults, string? nextToken)
    {
        var stamps = new string?[hours];
        var number = new char[32];
        // Written into one pooled buffer of a size it cannot outgrow (a datapoint takes at most 78 bytes: a timestamp member of 37,
        // a value member of 41), then copied out once: a growing MemoryStream would allocate (and collect) four times the answer.
        long bound = 2048 + (nextToken?.Length ?? 0);
        for (var q = 0; q < queries.Count; q++)
        {
            bound += 256 + 3L * (queries[q].Id.Length + queries[q].MetricName.Length) + 80L * (to[q] - from[q]);
        }
        var pooled = ArrayPool<byte>.Shared.Rent((int)bound);
        try
        {
            using var buffer = new MemoryStream(pooled, 0, pooled.Length, writable: true);
            Write(buffer, requestId, queries, start, hours, buckets, counts, from, to, ascending, faults, nextToken, stamps, number);
            return pooled.AsSpan(0, (int)buffer.Position).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }

    private static void Write(Stream buffer, string requestId, List<Query> queries, DateTimeOffset start, int hours, double[] buckets, int[] counts,
        int[] from, int[] to, bool ascending, string?[] faults, string? nextToken, string?[] stamps, char[] number)
    {
        using (var xml = XmlWriter.Create(buffer, Settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("GetMetricDataResponse", Namespace);
            xml.WriteStartElement("GetMetricDataResult");
            xml.WriteStartElement("MetricDataResults");
            for (var q = 0; q < queries.Count; q++)
            {
                xml.WriteStartElement("member");
                xml.WriteElementString("Id", queries[q].Id);
                xml.WriteElementString("Label", queries[q].MetricName);
                // The datapoints [from, to) of the query in scan order: walk its buckets, counting the ones with data.
                var series = buckets.AsSpan(q * hours, hours);
                xml.WriteStartElement("Timestamps");
                ForEachPoint(series, ascending, from[q], to[q], i =>
                    xml.WriteElementString("member", stamps[i] ??= start.AddHours(i).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)));
                xml.WriteEndElement();
                xml.WriteStartElement("Values");
                ForEachPoint(series, ascending, from[q], to[q], i =>
                {
                    buckets[q * hours + i].TryFormat(number, out var length, "R", CultureInfo.InvariantCulture);
                    xml.WriteStartElement("member");
                    xml.WriteChars(number, 0, length);
                    xml.WriteEndElement();
                });
                xml.WriteEndElement();
                xml.WriteElementString("StatusCode", faults[q] ?? (to[q] < counts[q] ? "PartialData" : "Complete"));
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            if (nextToken is not null)
            {
                xml.WriteElementString("NextToken", nextToken);
            }
            xml.WriteStartElement("Messages");
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteStartElement("ResponseMetadata");
            xml.WriteElementString("RequestId", requestId);
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
    }

    /// <summary>Calls <paramref name="write"/> with the bucket index of datapoints number from..to-1 in scan order.</summary>
    private static void ForEachPoint(ReadOnlySpan<double> series, bool ascending, int from, int to, Action<int> write)
    {
        var n = 0;
        for (var k = 0; k < series.Length && n < to; k++)
        {
            var i = ascending ? k : series.Length - 1 - k;
            if (double.IsNaN(series[i]))
            {
                continue;
            }
            if (n >= from)
            {
                write(i);
            }
            n++;
        }
    }

    private static List<Query> Queries(AwsParameters p)
    {
        var queries = new List<Query>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; p[$"MetricDataQueries.member.{i}.Id"] is { } id; i++)
        {
            var member = $"MetricDataQueries.member.{i}.";
            if (i > MaxQueries)
            {
                throw Validation($"The collection MetricDataQueries must not have a size greater than {MaxQueries}.");
            }
            if (id.Length > 255 || !QueryIdPattern().IsMatch(id))
            {
                throw Validation($"The value {id} for parameter {member}Id is not valid. It must start with a lowercase letter and contain only letters, numbers and underscores.");
            }
            if (!ids.Add(id))
            {
                throw Validation($"The value {id} for parameter {member}Id is a duplicate.");
            }
            if (p[member + "Expression"] is not null)
            {
                throw Validation("The fake answers MetricStat queries only, not expressions.");
            }
            var ns = p[member + "MetricStat.Metric.Namespace"];
            var name = p[member + "MetricStat.Metric.MetricName"];
            var stat = p[member + "MetricStat.Stat"];
            var period = p.Int(member + "MetricStat.Period");
            if (ns is null || name is null || stat is null || period is null)
            {
                throw Validation($"The parameter {member}MetricStat must have a Metric with Namespace and MetricName, a Period and a Stat.");
            }
            if (period != Period)
            {
                throw new AwsErrorException(new AwsError(400, "InvalidParameterValue", $"The fake serves hourly data only (Period {Period}), not {period}."));
            }
            string? instanceId = null;
            var dimensions = 0;
            for (var d = 1; p[$"{member}MetricStat.Metric.Dimensions.member.{d}.Name"] is { } dimension; d++)
            {
                dimensions++;
                if (dimension == FakeMetricNames.InstanceIdDimension)
                {
                    instanceId = p[$"{member}MetricStat.Metric.Dimensions.member.{d}.Value"];
                }
            }
            // Only AWS/EC2 metrics with exactly the InstanceId dimension exist here; any other metric has no datapoints.
            queries.Add(new Query(id, name, stat, ns == FakeMetricNames.Ec2Namespace && dimensions == 1 ? instanceId : null));
        }
        if (queries.Count == 0)
        {
            throw Validation("1 validation error detected: Value null at 'metricDataQueries' failed to satisfy constraint: Member must not be null");
        }
        return queries;
    }

    private static DateTimeOffset Time(AwsParameters p, string name)
    {
        var text = p[name] ?? throw Validation($"1 validation error detected: Value null at '{char.ToLowerInvariant(name[0])}{name[1..]}' failed to satisfy constraint: Member must not be null");
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw Validation($"Invalid value '{text}' for {name}: not an ISO 8601 timestamp.");
    }

    private static string?[] TakeFaults(AwsCall call, List<Query> queries)
    {
        var metrics = call.Caller.Account.FindMetrics(call.Region);
        return [.. queries.Select(q => q.InstanceId is { } id ? metrics?.TakeQueryFault(id) : null)];
    }

    private static int Fingerprint(List<Query> queries, DateTimeOffset start, DateTimeOffset end, bool ascending)
    {
        var hash = new HashCode();
        foreach (var query in queries)
        {
            hash.Add(query);
        }
        hash.Add(start);
        hash.Add(end);
        hash.Add(ascending);
        return hash.ToHashCode();
    }

    private static string Encode(int fingerprint, int query, int point, string?[] faults) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Join('|',
            [string.Create(CultureInfo.InvariantCulture, $"{fingerprint}:{query}:{point}"), .. faults.Select((f, q) => f is null ? null : $"{q}={f}").OfType<string>()])));

    private static (int Query, int Point, string?[] Faults) Decode(string token, int fingerprint, int queries)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|');
            var cursor = parts[0].Split(':').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
            if (cursor.Length == 3 && cursor[0] == fingerprint && cursor[1] >= 0 && cursor[1] < queries && cursor[2] >= 0)
            {
                var faults = new string?[queries];
                foreach (var fault in parts.Skip(1).Select(f => f.Split('=', 2)))
                {
                    faults[int.Parse(fault[0], CultureInfo.InvariantCulture)] = fault[1];
                }
                return (cursor[1], cursor[2], faults);
            }
        }
        catch (Exception e) when (e is FormatException or OverflowException or IndexOutOfRangeException)
        {
        }
        throw new AwsErrorException(new AwsError(400, "InvalidNextToken", "The service couldn't process the NextToken."));
    }

    private static AwsErrorException Validation(string message) => new(new AwsError(400, "ValidationError", message));

    [GeneratedRegex("^[a-z][a-zA-Z0-9_]*$")]
    private static partial Regex QueryIdPattern();

    private sealed record Query(string Id, string MetricName, string Stat, string? InstanceId);
}
