using System.Buffers;
using System.Globalization;
using System.Text;

namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>
/// CloudWatch's Query protocol for GetMetricData (API version 2010-08-01), as the AWS SDKs marshal it: a form body of
/// <c>Action</c>, <c>Version</c>, <c>MetricDataQueries.member.N.…</c>, <c>StartTime</c>/<c>EndTime</c> (ISO 8601),
/// <c>ScanBy</c>, <c>MaxDatapoints</c> and <c>NextToken</c>.
/// </summary>
internal static class GetMetricDataRequest
{
    public const string Action = "GetMetricData";
    public const string Version = "2010-08-01";

    /// <summary>The body of the first page; a later page appends <see cref="WithNextToken"/>.</summary>
    public static byte[] Body(IReadOnlyList<MetricQuery> queries, int offset, int count, DateTimeOffset start, DateTimeOffset end, int? maxDatapoints)
    {
        var form = new StringBuilder(128 + count * 320);
        form.Append("Action=").Append(Action).Append("&Version=").Append(Version);
        for (var i = 0; i < count; i++)
        {
            var query = queries[offset + i];
            var member = string.Create(CultureInfo.InvariantCulture, $"&MetricDataQueries.member.{i + 1}.");
            Field(form, member, "Id", query.Id);
            Field(form, member, "MetricStat.Metric.Namespace", query.Namespace);
            Field(form, member, "MetricStat.Metric.MetricName", query.MetricName);
            for (var d = 0; d < query.Dimensions.Count; d++)
            {
                var dimension = string.Create(CultureInfo.InvariantCulture, $"MetricStat.Metric.Dimensions.member.{d + 1}.");
                Field(form, member, dimension + "Name", query.Dimensions[d].Name);
                Field(form, member, dimension + "Value", query.Dimensions[d].Value);
            }
            Field(form, member, "MetricStat.Period", query.PeriodSeconds.ToString(CultureInfo.InvariantCulture));
            Field(form, member, "MetricStat.Stat", query.Stat);
        }
        form.Append("&StartTime=").Append(Uri.EscapeDataString(Iso8601(start)));
        form.Append("&EndTime=").Append(Uri.EscapeDataString(Iso8601(end)));
        form.Append("&ScanBy=TimestampAscending");
        if (maxDatapoints is { } max)
        {
            form.Append("&MaxDatapoints=").Append(max.ToString(CultureInfo.InvariantCulture));
        }
        return Encoding.UTF8.GetBytes(form.ToString());
    }

    public static byte[] WithNextToken(byte[] body, string? nextToken)
    {
        if (nextToken is null)
        {
            return body;
        }
        var token = Encoding.UTF8.GetBytes("&NextToken=" + Uri.EscapeDataString(nextToken));
        var page = new byte[body.Length + token.Length];
        body.CopyTo(page, 0);
        token.CopyTo(page, body.Length);
        return page;
    }

    public static string Iso8601(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static void Field(StringBuilder form, string member, string name, string value) =>
        form.Append(member).Append(name).Append('=').Append(Uri.EscapeDataString(value));
}

/// <summary>
/// One page of a GetMetricData answer, read in one pass with <see cref="Utf8XmlScanner"/> (no DOM, nothing allocated per
/// datapoint): the members' datapoints in two pooled arrays (timestamps and values, each member a slice), the members' query
/// numbers and statuses, NextToken and messages. Dispose returns the arrays to the pool.
/// </summary>
internal sealed class MetricDataPage : IDisposable
{
    private const int InitialPoints = 4096;

    private DateTimeOffset[] _timestamps = ArrayPool<DateTimeOffset>.Shared.Rent(InitialPoints);
    private double[] _values = ArrayPool<double>.Shared.Rent(InitialPoints);
    private int _timestampCount;
    private int _valueCount;

    public List<Member> Members { get; } = [];

    public List<MetricDataMessage> Messages { get; } = [];

    public string? NextToken { get; private set; }

    public long Datapoints => _valueCount;

    public ReadOnlySpan<DateTimeOffset> Timestamps(Member member) => _timestamps.AsSpan(member.Start, member.Count);

    public ReadOnlySpan<double> Values(Member member) => _values.AsSpan(member.Start, member.Count);

    /// <summary>One <c>MetricDataResults/member</c>: query number (in the request), its slice of the arrays, its status.</summary>
    internal readonly record struct Member(int Query, int Start, int Count, MetricDataStatus Status);

    /// <summary>
    /// Reads a 200 answer, GetMetricDataResponse/GetMetricDataResult/{MetricDataResults/member/{Id, StatusCode, Timestamps/member,
    /// Values/member, Messages/member}, NextToken, Messages/member}, its elements in any order, unknown ones skipped.
    /// <paramref name="queryIds"/> maps the request's ids to query numbers. Malformed XML, an unknown id, a member whose
    /// timestamps and values differ in number, or a value that is no timestamp or number throws <see cref="FormatException"/>.
    /// </summary>
    public static MetricDataPage Read(ReadOnlySpan<byte> xml, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> queryIds, IReadOnlyList<string> idsByQuery)
    {
        var page = new MetricDataPage();
        try
        {
            var reader = new Reader(queryIds, idsByQuery);
            var scanner = new Utf8XmlScanner(xml, reader.OpenElements);
            if (!scanner.Read() || scanner.Token != XmlTokenKind.StartElement || !scanner.LocalName.SequenceEqual("GetMetricDataResponse"u8))
            {
                throw new FormatException("The answer is not a GetMetricDataResponse.");
            }
            if (!scanner.IsEmptyElement)
            {
                while (scanner.ReadChild())
                {
                    if (scanner.LocalName.SequenceEqual("GetMetricDataResult"u8))
                    {
                        reader.ReadResult(ref scanner, page);
                    }
                    else
                    {
                        scanner.Skip();
                    }
                }
            }
            return page;
        }
        catch
        {
            page.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_timestamps.Length > 0)
        {
            ArrayPool<DateTimeOffset>.Shared.Return(_timestamps);
            ArrayPool<double>.Shared.Return(_values);
            _timestamps = [];
            _values = [];
        }
    }

    private void AddTimestamp(DateTimeOffset at)
    {
        if (_timestampCount == _timestamps.Length)
        {
            _timestamps = Grow(_timestamps, _timestampCount);
        }
        _timestamps[_timestampCount++] = at;
    }

    private void AddValue(double value)
    {
        if (_valueCount == _values.Length)
        {
            _values = Grow(_values, _valueCount);
        }
        _values[_valueCount++] = value;
    }

    private static T[] Grow<T>(T[] array, int used)
    {
        var bigger = ArrayPool<T>.Shared.Rent(array.Length * 2);
        array.AsSpan(0, used).CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array);
        return bigger;
    }

    /// <summary>The state of reading one page: the request's ids, a buffer for decoded text, the last day a timestamp fell on.</summary>
    private sealed class Reader(Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> queryIds, IReadOnlyList<string> idsByQuery)
    {
        private static ReadOnlySpan<byte> MemberStart => "<member>"u8;
        private static ReadOnlySpan<byte> MemberEnd => "</member>"u8;

        private byte[] _scratch = new byte[256];
        private readonly byte[] _day = new byte[10];
        private long _dayTicks = -1;

        public int[] OpenElements { get; } = new int[128];

        public void ReadResult(ref Utf8XmlScanner scanner, MetricDataPage page)
        {
            if (scanner.IsEmptyElement)
            {
                return;
            }
            while (scanner.ReadChild())
            {
                var name = scanner.LocalName;
                if (name.SequenceEqual("MetricDataResults"u8))
                {
                    if (!scanner.IsEmptyElement)
                    {
                        while (scanner.ReadChild())
                        {
                            if (scanner.LocalName.SequenceEqual("member"u8))
                            {
                                ReadMember(ref scanner, page);
                            }
                            else
                            {
                                scanner.Skip();
                            }
                        }
                    }
                }
                else if (name.SequenceEqual("NextToken"u8))
                {
                    var token = Encoding.UTF8.GetString(scanner.ReadText(ref _scratch).Trim(" \t\r\n"u8));
                    page.NextToken = token.Length == 0 ? null : token;
                }
                else if (name.SequenceEqual("Messages"u8))
                {
                    ReadMessages(ref scanner, page, null);
                }
                else
                {
                    scanner.Skip();
                }
            }
        }

        private void ReadMember(ref Utf8XmlScanner scanner, MetricDataPage page)
        {
            var start = page._valueCount;
            if (page._timestampCount != start)
            {
                throw new FormatException("Timestamps and values out of step.");
            }
            var query = -1;
            var status = MetricDataStatus.Complete;
            var messages = page.Messages.Count;
            if (!scanner.IsEmptyElement)
            {
                while (scanner.ReadChild())
                {
                    var name = scanner.LocalName;
                    if (name.SequenceEqual("Timestamps"u8))
                    {
                        if (!scanner.IsEmptyElement)
                        {
                            while (true)
                            {
                                if (scanner.TryReadTextElement(MemberStart, MemberEnd, out var item))
                                {
                                    page.AddTimestamp(ParseTimestamp(item));
                                }
                                else if (!scanner.ReadChild())
                                {
                                    break;
                                }
                                else if (scanner.LocalName.SequenceEqual("member"u8))
                                {
                                    page.AddTimestamp(ParseTimestamp(scanner.ReadText(ref _scratch)));
                                }
                                else
                                {
                                    scanner.Skip();
                                }
                            }
                        }
                    }
                    else if (name.SequenceEqual("Values"u8))
                    {
                        if (!scanner.IsEmptyElement)
                        {
                            while (true)
                            {
                                if (scanner.TryReadTextElement(MemberStart, MemberEnd, out var item))
                                {
                                    page.AddValue(ParseNumber(item));
                                }
                                else if (!scanner.ReadChild())
                                {
                                    break;
                                }
                                else if (scanner.LocalName.SequenceEqual("member"u8))
                                {
                                    page.AddValue(ParseNumber(scanner.ReadText(ref _scratch)));
                                }
                                else
                                {
                                    scanner.Skip();
                                }
                            }
                        }
                    }
                    else if (name.SequenceEqual("Id"u8))
                    {
                        query = Query(scanner.ReadText(ref _scratch));
                    }
                    else if (name.SequenceEqual("StatusCode"u8))
                    {
                        status = Status(scanner.ReadText(ref _scratch));
                    }
                    else if (name.SequenceEqual("Messages"u8))
                    {
                        ReadMessages(ref scanner, page, "");
                    }
                    else
                    {
                        scanner.Skip();
                    }
                }
            }
            if (query < 0)
            {
                throw new FormatException("A result has no Id.");
            }
            var id = idsByQuery[query];
            var count = page._valueCount - start;
            if (page._timestampCount - start != count)
            {
                throw new FormatException($"The result of {id} has {page._timestampCount - start} timestamps but {count} values.");
            }
            // Messages read before the Id was known carry "": name the query now.
            for (var i = messages; i < page.Messages.Count; i++)
            {
                if (page.Messages[i].QueryId == "")
                {
                    page.Messages[i] = page.Messages[i] with { QueryId = id };
                }
            }
            page.Members.Add(new Member(query, start, count, status));
        }

        private void ReadMessages(ref Utf8XmlScanner scanner, MetricDataPage page, string? queryId)
        {
            if (scanner.IsEmptyElement)
            {
                return;
            }
            while (scanner.ReadChild())
            {
                if (!scanner.LocalName.SequenceEqual("member"u8) || scanner.IsEmptyElement)
                {
                    scanner.Skip();
                    continue;
                }
                string? code = null;
                string? value = null;
                while (scanner.ReadChild())
                {
                    if (scanner.LocalName.SequenceEqual("Code"u8))
                    {
                        code = Encoding.UTF8.GetString(scanner.ReadText(ref _scratch));
                    }
                    else if (scanner.LocalName.SequenceEqual("Value"u8))
                    {
                        value = Encoding.UTF8.GetString(scanner.ReadText(ref _scratch));
                    }
                    else
                    {
                        scanner.Skip();
                    }
                }
                page.Messages.Add(new MetricDataMessage(queryId, code, value));
            }
        }

        private int Query(ReadOnlySpan<byte> text)
        {
            text = text.Trim(" \t\r\n"u8);
            Span<char> id = stackalloc char[256];
            if (text.Length > id.Length || !Encoding.UTF8.TryGetChars(text, id, out var length) || !queryIds.TryGetValue(id[..length], out var query))
            {
                throw new FormatException($"The answer holds a result for a query that was not asked ('{Clip(text)}').");
            }
            return query;
        }

        /// <summary>ISO 8601 as CloudWatch writes it: "2026-03-01T10:00:00Z" read directly (the day cached), anything else by the general parser.</summary>
        private DateTimeOffset ParseTimestamp(ReadOnlySpan<byte> text)
        {
            if (text.Length != 20)
            {
                text = text.Trim(" \t\r\n"u8);
            }
            if (text.Length == 20 && text[10] == 'T' && text[13] == ':' && text[16] == ':' && text[19] == 'Z'
                && Two(text[11], text[12]) is var hour and >= 0 and < 24 && Two(text[14], text[15]) is var minute and >= 0 and < 60
                && Two(text[17], text[18]) is var second and >= 0 and < 60)
            {
                if (!text[..10].SequenceEqual(_day))
                {
                    _dayTicks = -1;
                    if (text[4] == '-' && text[7] == '-' && Two(text[0], text[1]) is var century and >= 0 && Two(text[2], text[3]) is var year and >= 0
                        && Two(text[5], text[6]) is var month and >= 1 and <= 12 && Two(text[8], text[9]) is var day and >= 1
                        && century * 100 + year >= 1 && day <= DateTime.DaysInMonth(century * 100 + year, month))
                    {
                        _dayTicks = new DateTime(century * 100 + year, month, day, 0, 0, 0, DateTimeKind.Utc).Ticks;
                        text[..10].CopyTo(_day);
                    }
                }
                if (_dayTicks >= 0)
                {
                    return new DateTimeOffset(_dayTicks + hour * TimeSpan.TicksPerHour + minute * TimeSpan.TicksPerMinute + second * TimeSpan.TicksPerSecond, TimeSpan.Zero);
                }
            }
            Span<char> chars = stackalloc char[64];
            return text.Length <= chars.Length && Encoding.UTF8.TryGetChars(text, chars, out var length)
                && DateTimeOffset.TryParse(chars[..length], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
                ? at
                : throw new FormatException($"'{Clip(text)}' is not a timestamp.");
        }

        private static double ParseNumber(ReadOnlySpan<byte> text) =>
            Utf8Number.TryParse(text, out var value) ? value : throw new FormatException($"'{Clip(text)}' is not a number.");

        private static int Two(byte tens, byte ones) =>
            tens is >= (byte)'0' and <= (byte)'9' && ones is >= (byte)'0' and <= (byte)'9' ? (tens - '0') * 10 + (ones - '0') : -1;

        private static string Clip(ReadOnlySpan<byte> text) => Encoding.UTF8.GetString(text[..Math.Min(text.Length, 64)]);
    }

    internal static MetricDataStatus Status(ReadOnlySpan<byte> text) => text.Trim(" \t\r\n"u8) switch
    {
        var s when s.SequenceEqual("Complete"u8) => MetricDataStatus.Complete,
        var s when s.SequenceEqual("PartialData"u8) => MetricDataStatus.PartialData,
        var s when s.SequenceEqual("InternalError"u8) => MetricDataStatus.InternalError,
        var s when s.SequenceEqual("Forbidden"u8) => MetricDataStatus.Forbidden,
        _ => MetricDataStatus.Other,
    };
}
