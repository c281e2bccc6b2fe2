using System.Buffers;
using System.Globalization;
using System.Text;
using System.Xml;

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
/// One page of a GetMetricData answer, read with <see cref="XmlReader"/> (no DOM): the members' datapoints in two pooled arrays
/// (timestamps and values, each member a slice), the members' query numbers and statuses, NextToken and messages.
/// Dispose returns the arrays to the pool.
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
    /// Reads a 200 answer. <paramref name="queryIds"/> maps the request's ids to query numbers; an unknown id, a member whose
    /// timestamps and values differ in number, or XML that is not a GetMetricDataResponse throws <see cref="FormatException"/>
    /// (or <see cref="XmlException"/>).
    /// </summary>
    public static MetricDataPage Read(Stream body, Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> queryIds, IReadOnlyList<string> idsByQuery)
    {
        var page = new MetricDataPage();
        try
        {
            using var reader = XmlReader.Create(body, CloudWatchXml.Settings);
            var parser = new Parser(reader, page, queryIds, idsByQuery);
            parser.ReadResponse();
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

    /// <summary>Walks GetMetricDataResponse/GetMetricDataResult; any element it does not know is skipped, in any order.</summary>
    private sealed class Parser(XmlReader reader, MetricDataPage page,
        Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> queryIds, IReadOnlyList<string> idsByQuery)
    {
        // Ids are at most 255 characters; a timestamp or a number far less. Longer text is not a CloudWatch answer.
        private readonly char[] _text = new char[256];

        public void ReadResponse()
        {
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "GetMetricDataResponse")
            {
                throw new FormatException($"Expected GetMetricDataResponse, found {reader.NodeType} '{reader.LocalName}'.");
            }
            Children(() =>
            {
                if (reader.LocalName == "GetMetricDataResult")
                {
                    Children(ReadResultChild);
                }
                else
                {
                    reader.Skip();
                }
            });
        }

        private void ReadResultChild()
        {
            switch (reader.LocalName)
            {
                case "MetricDataResults":
                    Children(() => Member(ReadMember));
                    break;
                case "NextToken":
                    var token = reader.ReadElementContentAsString();
                    page.NextToken = string.IsNullOrEmpty(token) ? null : token;
                    break;
                case "Messages":
                    ReadMessages(null);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        private void ReadMember()
        {
            var start = page._valueCount;
            if (page._timestampCount != start)
            {
                throw new FormatException("Timestamps and values out of step.");
            }
            var timestamps = 0;
            var values = 0;
            string? id = null;
            var query = -1;
            var status = MetricDataStatus.Complete;
            var messages = 0;
            Children(() =>
            {
                switch (reader.LocalName)
                {
                    case "Id":
                        var length = ReadText();
                        if (!queryIds.TryGetValue(_text.AsSpan(0, length), out query))
                        {
                            throw new FormatException($"The answer holds a result for a query that was not asked ('{new string(_text, 0, Math.Min(length, 64))}').");
                        }
                        id = idsByQuery[query];
                        break;
                    case "StatusCode":
                        status = Status(_text.AsSpan(0, ReadText()));
                        break;
                    case "Timestamps":
                        Children(() => Member(() =>
                        {
                            page.AddTimestamp(ParseTimestamp(_text.AsSpan(0, ReadText())));
                            timestamps++;
                        }));
                        break;
                    case "Values":
                        Children(() => Member(() =>
                        {
                            page.AddValue(ParseDouble(_text.AsSpan(0, ReadText())));
                            values++;
                        }));
                        break;
                    case "Messages":
                        messages = page.Messages.Count;
                        ReadMessages("");
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            });
            if (id is null)
            {
                throw new FormatException("A result has no Id.");
            }
            if (timestamps != values)
            {
                throw new FormatException($"The result of {id} has {timestamps} timestamps but {values} values.");
            }
            // Messages read before the Id was known carry "": name the query now.
            for (var i = messages; i < page.Messages.Count; i++)
            {
                if (page.Messages[i].QueryId == "")
                {
                    page.Messages[i] = page.Messages[i] with { QueryId = id };
                }
            }
            page.Members.Add(new Member(query, start, values, status));
        }

        private void ReadMessages(string? queryId) => Children(() => Member(() =>
        {
            string? code = null;
            string? value = null;
            Children(() =>
            {
                switch (reader.LocalName)
                {
                    case "Code":
                        code = reader.ReadElementContentAsString();
                        break;
                    case "Value":
                        value = reader.ReadElementContentAsString();
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            });
            page.Messages.Add(new MetricDataMessage(queryId, code, value));
        }));

        /// <summary>Runs <paramref name="child"/> on each child element of the current element (which it must consume), then leaves the element.</summary>
        private void Children(Action child)
        {
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return;
            }
            var depth = reader.Depth;
            reader.Read();
            while (true)
            {
                reader.MoveToContent();
                if (reader.NodeType == XmlNodeType.EndElement && reader.Depth == depth)
                {
                    reader.Read();
                    return;
                }
                if (reader.NodeType == XmlNodeType.Element)
                {
                    child();
                }
                else if (reader.NodeType == XmlNodeType.None)
                {
                    throw new FormatException("The answer ends early.");
                }
                else
                {
                    reader.Read();
                }
            }
        }

        /// <summary>A list item: a <c>member</c> element; anything else is skipped.</summary>
        private void Member(Action item)
        {
            if (reader.LocalName == "member")
            {
                item();
            }
            else
            {
                reader.Skip();
            }
        }

        /// <summary>Reads a text-only element into <see cref="_text"/> without allocating, and leaves it.</summary>
        private int ReadText()
        {
            if (reader.IsEmptyElement)
            {
                reader.Read();
                return 0;
            }
            reader.Read();
            var length = 0;
            while (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace)
            {
                int read;
                while ((read = reader.ReadValueChunk(_text, length, _text.Length - length)) > 0)
                {
                    length += read;
                    if (length == _text.Length)
                    {
                        throw new FormatException($"A value longer than {_text.Length} characters.");
                    }
                }
                reader.Read();
            }
            if (reader.NodeType != XmlNodeType.EndElement)
            {
                throw new FormatException($"Expected text, found {reader.NodeType} '{reader.LocalName}'.");
            }
            reader.Read();
            return length;
        }
    }

    internal static MetricDataStatus Status(ReadOnlySpan<char> text) => text.Trim() switch
    {
        "Complete" => MetricDataStatus.Complete,
        "PartialData" => MetricDataStatus.PartialData,
        "InternalError" => MetricDataStatus.InternalError,
        "Forbidden" => MetricDataStatus.Forbidden,
        _ => MetricDataStatus.Other,
    };

    /// <summary>ISO 8601 as CloudWatch writes it ("2026-03-01T10:00:00Z", sometimes with fractions or an offset).</summary>
    internal static DateTimeOffset ParseTimestamp(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        // The usual form, without the general parser: yyyy-MM-ddTHH:mm:ssZ.
        if (text.Length == 20 && text[4] == '-' && text[7] == '-' && text[10] == 'T' && text[13] == ':' && text[16] == ':' && text[19] == 'Z'
            && Digits(text[..4], out var year) && Digits(text.Slice(5, 2), out var month) && Digits(text.Slice(8, 2), out var day)
            && Digits(text.Slice(11, 2), out var hour) && Digits(text.Slice(14, 2), out var minute) && Digits(text.Slice(17, 2), out var second)
            && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month) && hour < 24 && minute < 60 && second < 60)
        {
            return new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero);
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new FormatException($"'{text}' is not a timestamp.");
    }

    internal static double ParseDouble(ReadOnlySpan<char> text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a number.");

    private static bool Digits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
            value = value * 10 + (c - '0');
        }
        return true;
    }
}
