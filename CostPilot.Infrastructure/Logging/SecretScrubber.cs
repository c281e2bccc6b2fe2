using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;

namespace CostPilot.Infrastructure.Logging;

/// <summary>
/// Keeps secrets out of every log sink: properties with secret-sounding names are replaced, and inside any
/// text it masks passwords in connection strings and URLs, AWS access key ids, and anything shaped like an AWS
/// secret access key or a CostPilot External ID (see <see cref="Scrub"/>). As an enricher, last among them, it
/// cleans the properties; <see cref="ScrubbingSink"/>, around every sink, cleans what an enricher cannot
/// change: the message template's own text and the exception.
/// </summary>
public sealed partial class SecretScrubber : ILogEventEnricher
{
    public const string Mask = "***";

    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        foreach (var (name, value) in logEvent.Properties.ToList())
        {
            var clean = IsSecretName(name) ? new ScalarValue(Mask) : ScrubValue(value);
            if (!ReferenceEquals(clean, value))
            {
                logEvent.AddOrUpdateProperty(new LogEventProperty(name, clean));
            }
        }
    }

    public static bool IsSecretName(string name) => SecretName().IsMatch(name);

    /// <summary>
    /// Masks secrets inside free text (exception messages, rendered strings). A standalone run of exactly 40
    /// characters of [A-Za-z0-9/+] holding both an upper and a lower case letter is taken for a secret: AWS
    /// secret access keys are 40 characters of [A-Za-z0-9/+], and External IDs 40 of [A-Za-z0-9]. The trade-off:
    /// requiring both cases spares SHA-1 hex digests (git commits, certificate thumbprints), all-lower or
    /// all-upper tokens and numbers, and misses a random key only about once in a billion; but any other
    /// 40-character mixed-case run (a path or an identifier of exactly that length without '.', '-' or '_')
    /// is masked too. A mask too many is harmless in a log; a secret too few is not.
    /// </summary>
    public static string Scrub(string text)
    {
        var masked = ConnectionStringSecret().Replace(text, m => $"{m.Groups[1].Value}={Mask}");
        masked = UrlPassword().Replace(masked, m => $"{m.Groups[1].Value}:{Mask}@");
        masked = AwsAccessKeyId().Replace(masked, m => m.Value[..4] + "************" + m.Value[^4..]);
        return FortyCharacterSecret().Replace(masked, Mask);
    }

    private static LogEventPropertyValue ScrubValue(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string s } => Scrub(s) is var clean && clean != s ? new ScalarValue(clean) : value,
        ScalarValue { Value: Uri uri } => Scrub(uri.ToString()) is var clean && clean != uri.ToString() ? new ScalarValue(clean) : value,
        StructureValue sv => new StructureValue(
            sv.Properties.Select(p => new LogEventProperty(p.Name, IsSecretName(p.Name) ? new ScalarValue(Mask) : ScrubValue(p.Value))),
            sv.TypeTag),
        SequenceValue seq => new SequenceValue(seq.Elements.Select(ScrubValue)),
        DictionaryValue dict => new DictionaryValue(dict.Elements.Select(kv => new KeyValuePair<ScalarValue, LogEventPropertyValue>(
            kv.Key, kv.Key.Value is string k && IsSecretName(k) ? new ScalarValue(Mask) : ScrubValue(kv.Value)))),
        _ => value,
    };

    // "key" alone would catch ordinary ids (AccountKey, ...); the names below are the secret ones.
    [GeneratedRegex(@"(pass(word|wd|phrase)?|pwd|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|encryption[-_]?key|credential|authorization|cookie|session[-_]?id)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();

    [GeneratedRegex(@"\b([A-Za-z_]*(?:password|pwd|secret|token))\s*=\s*(""(?:[^""]|"""")*""|'(?:[^']|'')*'|[^;\s""']+)", RegexOptions.IgnoreCase)]
    private static partial Regex ConnectionStringSecret();

    // Greedy to the last '@' of the token: a password may itself contain an unescaped '@'.
    [GeneratedRegex(@"(\w+://[^:/@\s]+):\S*@")]
    private static partial Regex UrlPassword();

    [GeneratedRegex(@"\b(AKIA|ASIA)[A-Z0-9]{16}\b")]
    private static partial Regex AwsAccessKeyId();

    // Exactly 40 of [A-Za-z0-9/+], not part of a longer such run, with a lower and an upper case letter.
    [GeneratedRegex(@"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])")]
    private static partial Regex FortyCharacterSecret();
}
