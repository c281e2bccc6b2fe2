using System.Text.RegularExpressions;
using Serilog.Core;
using Serilog.Events;

namespace CostPilot.Infrastructure.Logging;

/// <summary>
/// Keeps secrets out of every log sink: properties with secret-sounding names are replaced,
/// and passwords in connection strings or AWS key ids inside any text are masked.
/// Runs last among the enrichers so it sees every property.
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

    /// <summary>Masks secrets inside free text (exception messages, rendered strings).</summary>
    public static string Scrub(string text)
    {
        var masked = ConnectionStringSecret().Replace(text, m => $"{m.Groups[1].Value}={Mask}");
        masked = UrlPassword().Replace(masked, m => $"{m.Groups[1].Value}:{Mask}@");
        return AwsAccessKeyId().Replace(masked, m => m.Value[..4] + "************" + m.Value[^4..]);
    }

    private static LogEventPropertyValue ScrubValue(LogEventPropertyValue value) => value switch
    {
        ScalarValue { Value: string s } => Scrub(s) is var clean && clean != s ? new ScalarValue(clean) : value,
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
}
