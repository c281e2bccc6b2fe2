using System.Globalization;
using System.Text;
using System.Xml;
using Microsoft.AspNetCore.WebUtilities;

namespace CostPilot.Tests.Fakes;

/// <summary>An AWS error: HTTP status, error code, message; <paramref name="Sender"/> false for server faults.</summary>
internal sealed record AwsError(int Status, string Code, string Message, bool Sender = true);

/// <summary>Thrown by an action handler to answer with an AWS error.</summary>
internal sealed class AwsErrorException(AwsError error) : Exception(error.Message)
{
    public AwsError Error { get; } = error;

    public static AwsErrorException InvalidParameterValue(string message) => new(new AwsError(400, "InvalidParameterValue", message));
}

/// <summary>What an API answers: a status, an XML body, and the error code if it is an error.</summary>
internal sealed record AwsReply(int Status, byte[] Body, string? ErrorCode = null);

/// <summary>The parameters of an AWS Query request (form body plus query string), e.g. Action, Filter.1.Name.</summary>
internal sealed class AwsParameters
{
    private readonly Dictionary<string, string> _values;

    private AwsParameters(Dictionary<string, string> values) => _values = values;

    public static AwsParameters Parse(string? rawQuery, string? contentType, byte[] body)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in QueryHelpers.ParseQuery(rawQuery))
        {
            values[key] = value.ToString();
        }

        if (contentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true)
        {
            foreach (var (key, value) in QueryHelpers.ParseQuery(Encoding.UTF8.GetString(body)))
            {
                values[key] = value.ToString();
            }
        }

        return new AwsParameters(values);
    }

    public string? this[string name] => _values.GetValueOrDefault(name);

    /// <summary>A copy of every parameter.</summary>
    public Dictionary<string, string> ToDictionary() => new(_values, StringComparer.Ordinal);

    /// <summary>True when a parameter named <paramref name="name"/> was sent (even empty).</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    /// <summary>The names of every parameter sent.</summary>
    public IEnumerable<string> Names => _values.Keys;

    /// <summary>Values of PREFIX.1, PREFIX.2, ... (the Query protocol's flattened lists).</summary>
    public IReadOnlyList<string> List(string prefix)
    {
        var items = new List<string>();
        for (var i = 1; _values.TryGetValue($"{prefix}.{i}", out var value); i++)
        {
            items.Add(value);
        }

        return items;
    }

    /// <summary>EC2 filters: Filter.N.Name with Filter.N.Value.M.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<string> Values)> Filters()
    {
        var filters = new List<(string, IReadOnlyList<string>)>();
        for (var i = 1; _values.TryGetValue($"Filter.{i}.Name", out var name); i++)
        {
            filters.Add((name, List($"Filter.{i}.Value")));
        }

        return filters;
    }

    public int? Int(string name)
    {
        if (this[name] is not { } text)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw AwsErrorException.InvalidParameterValue($"Invalid value '{text}' for {name}.");
    }

    public bool Bool(string name) => string.Equals(this[name], "true", StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// Writes an XML document in one namespace. Text goes through <see cref="XmlWriter"/>, so untrusted values
/// (tags) are escaped; carriage returns are written as character references so they survive parsing.
/// </summary>
internal sealed class AwsXml : IDisposable
{
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        NewLineHandling = NewLineHandling.Entitize,
    };

    private readonly MemoryStream _buffer = new();
    private readonly XmlWriter _writer;
    private readonly string _ns;

    public AwsXml(string rootElement, string ns)
    {
        _ns = ns;
        _writer = XmlWriter.Create(_buffer, Settings);
        _writer.WriteStartDocument();
        _writer.WriteStartElement(rootElement, ns);
    }

    public AwsXml Start(string name)
    {
        _writer.WriteStartElement(name, _ns);
        return this;
    }

    public AwsXml End()
    {
        _writer.WriteEndElement();
        return this;
    }

    /// <summary>Writes &lt;name&gt;value&lt;/name&gt;; nothing when value is null (AWS omits absent fields).</summary>
    public AwsXml Leaf(string name, string? value)
    {
        if (value is not null)
        {
            _writer.WriteElementString(name, _ns, value);
        }

        return this;
    }

    public AwsXml Leaf(string name, int? value) => Leaf(name, value?.ToString(CultureInfo.InvariantCulture));

    public AwsXml Leaf(string name, bool value) => Leaf(name, value ? "true" : "false");

    public AwsXml Leaf(string name, DateTimeOffset value) =>
        Leaf(name, value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));

    public byte[] ToArray()
    {
        _writer.WriteEndDocument();
        _writer.Flush();
        return _buffer.ToArray();
    }

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
    }
}
