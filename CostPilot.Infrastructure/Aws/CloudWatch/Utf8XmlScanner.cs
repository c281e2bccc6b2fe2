using System.Buffers;
using System.Text;

namespace CostPilot.Infrastructure.Aws.CloudWatch;

/// <summary>
/// A forward-only reader of well-formed XML in UTF-8, for the documents AWS answers with: elements (a prefix is ignored),
/// attributes (skipped), text with the predefined and numeric character references, CDATA, comments and processing
/// instructions (skipped). A DTD is refused. It works on the whole answer in memory, allocates nothing per element, and
/// hands out text as slices of the answer where it can: several times faster than <see cref="System.Xml.XmlReader"/> on
/// GetMetricData's hundreds of thousands of tiny elements. Malformed input throws <see cref="FormatException"/>.
/// </summary>
internal ref struct Utf8XmlScanner
{
    private const int MaxDepth = 64;

    private static readonly SearchValues<byte> NameEnd = SearchValues.Create(" \t\r\n/>"u8);
    private static readonly SearchValues<byte> TagEndOrQuote = SearchValues.Create(">\"'"u8);
    private static readonly SearchValues<byte> TextEnd = SearchValues.Create("<&"u8);

    private readonly ReadOnlySpan<byte> _xml;
    private readonly int[] _open;
    private int _pos;
    private int _depth;

    public Utf8XmlScanner(ReadOnlySpan<byte> xml, int[] openElements)
    {
        _xml = xml.StartsWith("\uFEFF"u8) ? xml[3..] : xml;
        _open = openElements.Length >= MaxDepth * 2 ? openElements : throw new ArgumentException("Too small.", nameof(openElements));
    }

    public XmlTokenKind Token { get; private set; }

    /// <summary>The current element's name without its prefix.</summary>
    public ReadOnlySpan<byte> LocalName { get; private set; }

    /// <summary>The current start tag closes itself (&lt;Messages/&gt;): it has no content and no end tag.</summary>
    public bool IsEmptyElement { get; private set; }

    /// <summary>Moves to the next start or end tag, passing over text, comments, CDATA and processing instructions. False at the end.</summary>
    public bool Read()
    {
        while (true)
        {
            var lt = _xml[_pos..].IndexOf((byte)'<');
            if (lt < 0)
            {
                if (_depth > 0)
                {
                    throw new FormatException("The document ends inside an element.");
                }
                _pos = _xml.Length;
                Token = XmlTokenKind.EndOfDocument;
                return false;
            }
            _pos += lt;
            var next = At(_pos + 1);
            if (next == '/')
            {
                ReadEndTag();
                return true;
            }
            if (next == '?')
            {
                _pos = After(_pos + 2, "?>"u8);
                continue;
            }
            if (next == '!')
            {
                SkipMarkup();
                continue;
            }
            if (_depth == 0 && Token == XmlTokenKind.EndElement)
            {
                throw new FormatException("A second root element.");
            }
            ReadStartTag();
            return true;
        }
    }

    /// <summary>Moves to the next child of the element the scanner is in: true on its start tag, false on the parent's end tag.</summary>
    public bool ReadChild()
    {
        if (!Read())
        {
            throw new FormatException("The document ends early.");
        }
        return Token == XmlTokenKind.StartElement;
    }

    /// <summary>
    /// The text of the current (start) element, which must hold only text, then moves onto its end tag. Returns a slice of the
    /// document when the text holds no reference or CDATA; otherwise decodes into <paramref name="scratch"/> (grown if needed).
    /// </summary>
    public ReadOnlySpan<byte> ReadText(ref byte[] scratch)
    {
        if (Token != XmlTokenKind.StartElement)
        {
            throw new InvalidOperationException("Not on a start tag.");
        }
        if (IsEmptyElement)
        {
            Token = XmlTokenKind.EndElement;
            return [];
        }
        var lt = _xml[_pos..].IndexOf((byte)'<');
        if (lt < 0)
        {
            throw new FormatException("The document ends inside an element.");
        }
        var text = _xml.Slice(_pos, lt);
        if (At(_pos + lt + 1) == '/' && !text.Contains((byte)'&'))
        {
            _pos += lt;
            ReadEndTag();
            return text;
        }

        var length = 0;
        while (true)
        {
            lt = _xml[_pos..].IndexOf((byte)'<');
            if (lt < 0)
            {
                throw new FormatException("The document ends inside an element.");
            }
            Decode(_xml.Slice(_pos, lt), ref scratch, ref length);
            _pos += lt;
            if (_xml[_pos..].StartsWith("<![CDATA["u8))
            {
                var end = _xml[(_pos + 9)..].IndexOf("]]>"u8);
                if (end < 0)
                {
                    throw new FormatException("An unterminated CDATA section.");
                }
                Append(_xml.Slice(_pos + 9, end), ref scratch, ref length);
                _pos += 9 + end + 3;
            }
            else if (_xml[_pos..].StartsWith("<!--"u8) || At(_pos + 1) == '?')
            {
                SkipMarkup();
            }
            else if (At(_pos + 1) == '/')
            {
                ReadEndTag();
                return scratch.AsSpan(0, length);
            }
            else
            {
                throw new FormatException($"Expected text in <{Encoding.UTF8.GetString(LocalName)}>, found an element.");
            }
        }
    }

    /// <summary>
    /// The fast path for list items: when the next node is exactly <paramref name="startTag"/>, text without references, then
    /// <paramref name="endTag"/> (e.g. &lt;member&gt;12.5&lt;/member&gt;, whitespace before it allowed), reads it, returns its
    /// text and leaves the scanner on that end tag. Otherwise moves nothing and returns false: read it the general way.
    /// </summary>
    public bool TryReadTextElement(ReadOnlySpan<byte> startTag, ReadOnlySpan<byte> endTag, out ReadOnlySpan<byte> text)
    {
        var p = _pos;
        while (p < _xml.Length && _xml[p] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')
        {
            p++;
        }
        text = default;
        var rest = _xml[p..];
        if (!rest.StartsWith(startTag))
        {
            return false;
        }
        var content = rest[startTag.Length..];
        var end = content.IndexOfAny(TextEnd);
        if (end < 0 || content[end] != '<' || !content[end..].StartsWith(endTag))
        {
            return false;
        }
        text = content[..end];
        _pos = p + startTag.Length + end + endTag.Length;
        LocalName = endTag[2..^1];
        IsEmptyElement = false;
        Token = XmlTokenKind.EndElement;
        return true;
    }

    /// <summary>Passes over the current start tag's element and everything in it, onto its end tag.</summary>
    public void Skip()
    {
        if (Token != XmlTokenKind.StartElement || IsEmptyElement)
        {
            Token = XmlTokenKind.EndElement;
            return;
        }
        var depth = _depth;
        while (Read())
        {
            if (Token == XmlTokenKind.EndElement && _depth == depth - 1)
            {
                return;
            }
        }
        throw new FormatException("The document ends inside an element.");
    }

    private readonly int At(int index) => index < _xml.Length ? _xml[index] : -1;

    private readonly int After(int from, ReadOnlySpan<byte> terminator)
    {
        var end = _xml[from..].IndexOf(terminator);
        return end >= 0 ? from + end + terminator.Length : throw new FormatException("Unterminated markup.");
    }

    private void SkipMarkup()
    {
        var rest = _xml[_pos..];
        if (rest.StartsWith("<!--"u8))
        {
            _pos = After(_pos + 4, "-->"u8);
        }
        else if (rest.StartsWith("<![CDATA["u8))
        {
            _pos = After(_pos + 9, "]]>"u8);
        }
        else if (rest.StartsWith("<?"u8))
        {
            _pos = After(_pos + 2, "?>"u8);
        }
        else
        {
            throw new FormatException("A document type declaration or other markup CostPilot does not accept.");
        }
    }

    private void ReadStartTag()
    {
        var nameStart = _pos + 1;
        var nameLength = _xml[nameStart..].IndexOfAny(NameEnd);
        if (nameLength <= 0)
        {
            throw new FormatException("A start tag without a name.");
        }
        // Attributes are passed over; a '>' inside a quoted value does not end the tag.
        var i = nameStart + nameLength;
        while (true)
        {
            var stop = _xml[i..].IndexOfAny(TagEndOrQuote);
            if (stop < 0)
            {
                throw new FormatException("An unterminated start tag.");
            }
            i += stop;
            if (_xml[i] == '>')
            {
                break;
            }
            var close = _xml[(i + 1)..].IndexOf(_xml[i]);
            if (close < 0)
            {
                throw new FormatException("An unterminated attribute value.");
            }
            i += close + 2;
        }
        IsEmptyElement = _xml[i - 1] == '/';
        SetName(nameStart, nameLength);
        Token = XmlTokenKind.StartElement;
        _pos = i + 1;
        if (!IsEmptyElement)
        {
            if (_depth == MaxDepth)
            {
                throw new FormatException($"Elements nested deeper than {MaxDepth}.");
            }
            _open[_depth * 2] = nameStart;
            _open[_depth * 2 + 1] = nameLength;
            _depth++;
        }
    }

    private void ReadEndTag()
    {
        var nameStart = _pos + 2;
        var close = _xml[nameStart..].IndexOf((byte)'>');
        if (close < 0)
        {
            throw new FormatException("An unterminated end tag.");
        }
        var name = _xml.Slice(nameStart, close).TrimEnd(" \t\r\n"u8);
        if (_depth == 0 || !name.SequenceEqual(_xml.Slice(_open[(_depth - 1) * 2], _open[(_depth - 1) * 2 + 1])))
        {
            throw new FormatException($"The end tag </{Encoding.UTF8.GetString(name)}> does not match.");
        }
        _depth--;
        SetName(nameStart, name.Length);
        IsEmptyElement = false;
        Token = XmlTokenKind.EndElement;
        _pos = nameStart + close + 1;
    }

    private void SetName(int start, int length)
    {
        var name = _xml.Slice(start, length);
        var colon = name.IndexOf((byte)':');
        LocalName = colon >= 0 ? name[(colon + 1)..] : name;
    }

    private static void Decode(ReadOnlySpan<byte> text, ref byte[] scratch, ref int length)
    {
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            var amp = text.IndexOf((byte)'&');
            if (amp < 0)
            {
                Append(text, ref scratch, ref length);
                return;
            }
            Append(text[..amp], ref scratch, ref length);
            text = text[(amp + 1)..];
            var semicolon = text.IndexOf((byte)';');
            if (semicolon <= 0 || semicolon > 10)
            {
                throw new FormatException("A malformed character reference.");
            }
            var reference = text[..semicolon];
            int written;
            if (reference.SequenceEqual("lt"u8))
            {
                (utf8[0], written) = ((byte)'<', 1);
            }
            else if (reference.SequenceEqual("gt"u8))
            {
                (utf8[0], written) = ((byte)'>', 1);
            }
            else if (reference.SequenceEqual("amp"u8))
            {
                (utf8[0], written) = ((byte)'&', 1);
            }
            else if (reference.SequenceEqual("quot"u8))
            {
                (utf8[0], written) = ((byte)'"', 1);
            }
            else if (reference.SequenceEqual("apos"u8))
            {
                (utf8[0], written) = ((byte)'\'', 1);
            }
            else if (reference[0] == '#' && CodePoint(reference[1..]) is { } code && Rune.TryCreate(code, out var rune))
            {
                written = rune.EncodeToUtf8(utf8);
            }
            else
            {
                throw new FormatException($"The reference &{Encoding.UTF8.GetString(reference)}; is not defined.");
            }
            Append(utf8[..written], ref scratch, ref length);
            text = text[(semicolon + 1)..];
        }
    }

    private static int? CodePoint(ReadOnlySpan<byte> digits)
    {
        var hex = digits.Length > 0 && digits[0] == 'x';
        if (hex)
        {
            digits = digits[1..];
        }
        if (digits.IsEmpty)
        {
            return null;
        }
        var code = 0;
        foreach (var c in digits)
        {
            var digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' when hex => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' when hex => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0 || code > 0x10FFFF)
            {
                return null;
            }
            code = code * (hex ? 16 : 10) + digit;
        }
        return code;
    }

    private static void Append(ReadOnlySpan<byte> bytes, ref byte[] scratch, ref int length)
    {
        if (length + bytes.Length > scratch.Length)
        {
            var bigger = new byte[Math.Max(scratch.Length * 2, length + bytes.Length)];
            scratch.AsSpan(0, length).CopyTo(bigger);
            scratch = bigger;
        }
        bytes.CopyTo(scratch.AsSpan(length));
        length += bytes.Length;
    }
}

internal enum XmlTokenKind
{
    None,
    StartElement,
    EndElement,
    EndOfDocument,
}
