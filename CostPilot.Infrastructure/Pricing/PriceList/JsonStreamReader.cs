using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace CostPilot.Infrastructure.Pricing.PriceList;

/// <summary>Takes the tokens of one JSON document a buffer at a time; everything it must remember lives in its fields.</summary>
internal interface IJsonTokenSink
{
    /// <summary>Handles tokens until <see cref="Utf8JsonReader.Read"/> returns false (this buffer is used up).</summary>
    void Consume(ref Utf8JsonReader reader);
}

/// <summary>
/// Feeds a <see cref="Utf8JsonReader"/> from a stream through one refilled buffer, so a document of any size is read in
/// constant memory. A token that straddles two reads stays in the buffer and is read again with the next bytes.
/// </summary>
internal static class JsonStreamReader
{
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>No single token of a price list comes near this; a longer one is not a price list.</summary>
    public const int MaxBufferSize = 64 << 20;

    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    /// <summary>Reads the whole stream into <paramref name="sink"/>; returns the bytes read. Throws <see cref="JsonException"/> on bad or truncated JSON.</summary>
    public static async Task<long> ReadAsync(Stream stream, IJsonTokenSink sink, CancellationToken ct, int bufferSize = DefaultBufferSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferSize, 16);
        var buffer = ArrayPool<byte>.Shared.Rent(bufferSize);
        try
        {
            var state = new JsonReaderState(Options);
            var filled = 0;
            var total = 0L;
            var first = true;
            var final = false;
            while (!final)
            {
                while (filled < buffer.Length)
                {
                    var read = await stream.ReadAsync(buffer.AsMemory(filled), ct);
                    if (read == 0)
                    {
                        final = true;
                        break;
                    }
                    filled += read;
                    total += read;
                }

                var start = 0;
                if (first && filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF)
                {
                    start = 3; // a UTF-8 byte order mark, which Utf8JsonReader does not skip itself
                }
                first = false;

                var consumed = start + Consume(buffer.AsSpan(start, filled - start), final, ref state, sink, total - filled + start);
                var left = filled - consumed;
                if (final)
                {
                    break;
                }
                if (left == buffer.Length)
                {
                    // Not one token fitted: grow (once in a blue moon; never for AWS's files).
                    if (buffer.Length >= MaxBufferSize)
                    {
                        throw new JsonException(string.Create(CultureInfo.InvariantCulture,
                            $"A single JSON token is longer than {MaxBufferSize / (1 << 20)} MiB (at byte {total - left:N0})."));
                    }
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, left).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                else if (left > 0)
                {
                    buffer.AsSpan(consumed, left).CopyTo(buffer);
                }
                filled = left;
            }
            return total;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Consume(ReadOnlySpan<byte> data, bool final, ref JsonReaderState state, IJsonTokenSink sink, long offset)
    {
        var reader = new Utf8JsonReader(data, final, state);
        try
        {
            sink.Consume(ref reader);
        }
        catch (JsonException e) when (final && IsValidPrefix(data, state))
        {
            throw new TruncatedJsonException(string.Create(CultureInfo.InvariantCulture,
                $"The file ended after {offset + data.Length:N0} bytes, in the middle of its JSON document."), e);
        }
        state = reader.CurrentState;
        return checked((int)reader.BytesConsumed);
    }

    /// <summary>Whether the last bytes are only the start of a valid document: then the file stopped early, it is not malformed.</summary>
    private static bool IsValidPrefix(ReadOnlySpan<byte> data, JsonReaderState state)
    {
        var reader = new Utf8JsonReader(data, isFinalBlock: false, state);
        try
        {
            while (reader.Read())
            {
            }
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>The stream ended before the JSON document did: every byte read was valid JSON, but it stopped early.</summary>
internal sealed class TruncatedJsonException(string message, Exception inner) : JsonException(message, inner);
