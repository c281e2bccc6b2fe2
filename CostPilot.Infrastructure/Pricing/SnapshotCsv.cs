using System.Buffers;
using System.Globalization;
using System.Text;

namespace CostPilot.Infrastructure.Pricing;

/// <summary>
/// Reads one snapshot CSV: a header line, then one record per line, comma-separated; a field may be "quoted" (with "" for a
/// quote) to hold commas. Anything else — a missing column, a wrong number of fields, a number that does not parse — throws a
/// <see cref="FormatException"/> naming the file and line: a snapshot that does not parse is a build bug, never half-loaded.
/// </summary>
internal sealed class SnapshotCsv
{
    private static readonly SearchValues<char> CommaOrQuote = SearchValues.Create(",\"");

    private readonly TextReader _reader;
    private readonly string[] _header;
    private readonly List<string> _fields = [];

    private SnapshotCsv(TextReader reader, string file, string[] header)
    {
        _reader = reader;
        File = file;
        _header = header;
        Line = 1;
    }

    public string File { get; }

    /// <summary>The line of the current record (1 is the header).</summary>
    public int Line { get; private set; }

    /// <summary>Reads the header; every one of <paramref name="requiredColumns"/> must be in it (in any order).</summary>
    public static SnapshotCsv Open(TextReader reader, string file, params string[] requiredColumns)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var first = reader.ReadLine() ?? throw new FormatException($"{file}: the file is empty (no header line).");
        var fields = new List<string>();
        if (Split(first, fields) is { } error)
        {
            throw new FormatException($"{file} line 1: {error}.");
        }
        var header = fields.ToArray();
        foreach (var column in requiredColumns)
        {
            if (Array.IndexOf(header, column) < 0)
            {
                throw new FormatException($"{file} line 1: no column '{column}' in the header ({string.Join(',', header)}).");
            }
        }
        return new SnapshotCsv(reader, file, header);
    }

    public int Column(string name) => Array.IndexOf(_header, name) is >= 0 and var index
        ? index
        : throw new ArgumentException($"{File} has no column '{name}'.", nameof(name));

    /// <summary>Moves to the next record; false at the end of the file.</summary>
    public bool Read()
    {
        var line = _reader.ReadLine();
        if (line is null)
        {
            return false;
        }
        Line++;
        if (line.Length == 0)
        {
            throw Error("empty line");
        }
        if (Split(line, _fields) is { } error)
        {
            throw Error(error);
        }
        if (_fields.Count != _header.Length)
        {
            throw Error($"{_fields.Count} fields where the header has {_header.Length}");
        }
        return true;
    }

    public string Text(int column) => _fields[column];

    public string RequiredText(int column) => _fields[column] is { Length: > 0 } text ? text : throw Error($"{_header[column]} is empty");

    /// <summary>A non-negative decimal such as 0.0104 (invariant culture, no sign, no exponent); null when the field is empty.</summary>
    public decimal? OptionalDecimal(int column)
    {
        var text = _fields[column];
        if (text.Length == 0)
        {
            return null;
        }
        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error($"{_header[column]} '{text}' is not a decimal number");
    }

    public decimal RequiredDecimal(int column) => OptionalDecimal(column) ?? throw Error($"{_header[column]} is empty");

    public int RequiredInt(int column) =>
        int.TryParse(_fields[column], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error($"{_header[column]} '{_fields[column]}' is not a whole number");

    /// <summary>"true", "false", or empty (null).</summary>
    public bool? OptionalBool(int column) => _fields[column] switch
    {
        "" => null,
        "true" => true,
        "false" => false,
        var text => throw Error($"{_header[column]} '{text}' is not true, false or empty"),
    };

    public FormatException Error(string message) => new($"{File} line {Line}: {message}.");

    /// <summary>Splits one line into <paramref name="fields"/>; the reason when it is not valid CSV, else null.</summary>
    private static string? Split(string line, List<string> fields)
    {
        fields.Clear();
        var i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                var value = new StringBuilder();
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        return "a quoted field is not closed";
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            value.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    value.Append(line[i++]);
                }
                fields.Add(value.ToString());
                if (i < line.Length && line[i] != ',')
                {
                    return "text after a closing quote";
                }
            }
            else
            {
                var next = line.AsSpan(i).IndexOfAny(CommaOrQuote);
                if (next >= 0 && line[i + next] == '"')
                {
                    return "a quote inside an unquoted field";
                }
                var end = next < 0 ? line.Length : i + next;
                fields.Add(line[i..end]);
                i = end;
            }
            if (i >= line.Length)
            {
                return null;
            }
            i++; // the comma
        }
    }
}
