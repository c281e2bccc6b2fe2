using System.Globalization;
using CostPilot.Infrastructure.Logging;
using Npgsql;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace CostPilot.Tests.Infrastructure.Logging;

public sealed class SecretScrubberTests
{
    [Theory]
    [InlineData("Password")]
    [InlineData("password")]
    [InlineData("NewPassword")]
    [InlineData("Passphrase")]
    [InlineData("Pwd")]
    [InlineData("ClientSecret")]
    [InlineData("SecretAccessKey")]
    [InlineData("AccessToken")]
    [InlineData("ApiKey")]
    [InlineData("api_key")]
    [InlineData("PrivateKey")]
    [InlineData("ENCRYPTION_KEY")]
    [InlineData("Credentials")]
    [InlineData("Authorization")]
    [InlineData("Cookie")]
    [InlineData("SessionId")]
    public void Enrich_SecretNamedProperty_IsMasked(string name)
    {
        var e = Capture(log => log.ForContext(name, "hunter2").Information("Something happened"));

        Assert.Equal(SecretScrubber.Mask, Scalar(e.Properties[name]));
    }

    [Theory]
    [InlineData("UserId")]
    [InlineData("AccountKey")]
    [InlineData("Email")]
    [InlineData("Region")]
    public void Enrich_OrdinaryProperty_IsKept(string name)
    {
        var e = Capture(log => log.ForContext(name, "plain-value").Information("Something happened"));

        Assert.Equal("plain-value", Scalar(e.Properties[name]));
    }

    [Fact]
    public void Enrich_PasswordInTheTemplate_RendersMasked()
    {
        var e = Capture(log => log.Information("Signing in {Email} with {Password}", "a@b.test", "hunter2"));

        Assert.Equal(SecretScrubber.Mask, Scalar(e.Properties["Password"]));
        Assert.DoesNotContain("hunter2", e.RenderMessage(CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    [Fact]
    public void Enrich_DestructuredObject_MasksSecretMembersAtEveryDepth()
    {
        var request = new
        {
            Email = "a@b.test",
            Password = "hunter2",
            Aws = new { AccessKeyId = "AKIAIOSFODNN7EXAMPLE", SecretAccessKey = "wJalrXUtnFEMI/K7MDENG" },
            Tags = new[] { new { Name = "db", Token = "tok-123" } },
        };

        var e = Capture(log => log.Information("Request {@Request}", request));

        var json = Json(e);
        Assert.DoesNotContain("hunter2", json, StringComparison.Ordinal);
        Assert.DoesNotContain("wJalrXUtnFEMI", json, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123", json, StringComparison.Ordinal);
        Assert.DoesNotContain("IOSFODNN7EXA", json, StringComparison.Ordinal);
        Assert.Contains("a@b.test", json, StringComparison.Ordinal);
        Assert.Contains("\"Name\":\"db\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Enrich_DictionaryWithSecretKeys_MasksThoseValues()
    {
        var headers = new Dictionary<string, string> { ["Authorization"] = "Bearer abc.def", ["Accept"] = "text/html" };

        var e = Capture(log => log.Information("Headers {Headers}", headers));

        var json = Json(e);
        Assert.DoesNotContain("abc.def", json, StringComparison.Ordinal);
        Assert.Contains("text/html", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Enrich_ConnectionStringInAPlainProperty_MasksThePassword()
    {
        var e = Capture(log => log.Information("Using {Database}", "Host=db;Port=5432;Username=app;Password=hunter2;Database=costpilot"));

        var value = Scalar(e.Properties["Database"]);
        Assert.Equal("Host=db;Port=5432;Username=app;Password=***;Database=costpilot", value);
    }

    [Fact]
    public void Enrich_UriWithAPassword_RendersMasked()
    {
        var e = Capture(log => log.Information("Calling {Endpoint}", new Uri("https://app:hunter2@example.test/x")));

        Assert.Equal("https://app:***@example.test/x", Scalar(e.Properties["Endpoint"]));
    }

    [Theory]
    [InlineData("Host=db;Password=hunter2;Database=x", "Host=db;Password=***;Database=x")]
    [InlineData("host=db; password = hunter2 ; database=x", "host=db; password=*** ; database=x")]
    [InlineData("Server=db;Pwd=hunter2", "Server=db;Pwd=***")]
    [InlineData("postgres://app:hunter2@db:5432/costpilot", "postgres://app:***@db:5432/costpilot")]
    [InlineData("failed: postgresql://app:p%40ss@db/costpilot?sslmode=require", "failed: postgresql://app:***@db/costpilot?sslmode=require")]
    [InlineData("key AKIAIOSFODNN7EXAMPLE leaked", "key AKIA************MPLE leaked")]
    [InlineData("session ASIAIOSFODNN7EXAMPLE", "session ASIA************MPLE")]
    [InlineData("nothing secret here", "nothing secret here")]
    public void Scrub_SecretsInText_AreMasked(string text, string expected)
    {
        Assert.Equal(expected, SecretScrubber.Scrub(text));
    }

    [Theory]
    [InlineData("s3cr3t+/pw==")]     // base64, as 'openssl rand -base64' makes them
    [InlineData("pa;ss word")]
    [InlineData("it's \"quoted\"")]
    public void Scrub_ConnectionStringWithAQuotedPassword_MasksAllOfIt(string password)
    {
        // Npgsql quotes a value holding '=', ';', quotes or spaces when it writes a connection string.
        var text = new NpgsqlConnectionStringBuilder { Host = "db", Password = password, Database = "x" }.ConnectionString;

        var scrubbed = SecretScrubber.Scrub(text);

        Assert.Contains("Password=***", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("ss word", scrubbed, StringComparison.Ordinal);
        Assert.DoesNotContain("quoted", scrubbed, StringComparison.Ordinal);
        Assert.EndsWith("Database=x", scrubbed, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY in text", "secret *** in text")]   // AWS's documented example key
    [InlineData("aws_secret_access_key=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "aws_secret_access_key=***")]
    [InlineData("ExternalId: 'q3WZt8LmRk2vYx9NbPcD4sFgHj6KuAe7Tw5ZrMnQ'", "ExternalId: '***'")]
    [InlineData("ParameterValue=Zb7kQ2mWx9RtLp4VnYc8HsDf3GjKa6EuTq5NrBw1 rest", "ParameterValue=*** rest")]
    [InlineData("/wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE\n", "***\n")]
    public void Scrub_FortyCharacterSecretShapes_AreMasked(string text, string expected)
    {
        Assert.Equal(expected, SecretScrubber.Scrub(text));
    }

    [Theory]
    [InlineData("commit 3dc91d7a4b5e6f708192a3b4c5d6e7f8091a2b3c")]                     // SHA-1 hex, lower case
    [InlineData("thumbprint 3DC91D7A4B5E6F708192A3B4C5D6E7F8091A2B3C")]                 // SHA-1 hex, upper case
    [InlineData("id abcdefghijklmnopqrstuvwxyzabcdefghijklmn")]                        // one case only
    [InlineData("digits 1234567890123456789012345678901234567890")]
    [InlineData("longer wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYS")]                  // 41: not a key on its own
    [InlineData("shorter wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE")]                   // 39
    [InlineData("CostPilot.Infrastructure.Accounts.AccountService.GetOrCreateExternalIdAsync")]
    public void Scrub_InnocuousTextNearTheSecretShape_IsKept(string text)
    {
        Assert.Equal(text, SecretScrubber.Scrub(text));
    }

    [Fact]
    public void Scrub_ExternalIdFromTheGenerator_IsMasked()
    {
        // The alphabet and length AccountService.NewExternalId uses.
        for (var i = 0; i < 100; i++)
        {
            var externalId = "Ab1" + System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 37);

            Assert.Equal("role \"***\" ok", SecretScrubber.Scrub($"role \"{externalId}\" ok"));
        }
    }

    [Fact]
    public void Emit_InterpolatedTemplateAndException_SinkSeesThemScrubbed()
    {
        const string key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        const string keyId = "AKIAIOSFODNN7EXAMPLE";
        var exception = Thrown(new InvalidOperationException($"AssumeRole failed for {keyId}", new ArgumentException($"bad key {key}")));
        var sink = new CollectingSink();
        using (var logger = Scrubbed(new LoggerConfiguration().Enrich.With<SecretScrubber>(), sink))
        {
#pragma warning disable CA2254 // The point is a template built by interpolation, as careless code writes it.
            logger.Error(exception, $"Connecting with {keyId} and {key} failed for {{Account}}", "prod");
#pragma warning restore CA2254
        }

        var e = Assert.Single(sink.Events);
        var rendered = e.RenderMessage(CultureInfo.InvariantCulture);
        Assert.Equal("Connecting with AKIA************MPLE and *** failed for \"prod\"", rendered);
        Assert.DoesNotContain(key, e.MessageTemplate.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(keyId, e.MessageTemplate.Text, StringComparison.Ordinal);
        var text = e.Exception!.ToString();
        Assert.DoesNotContain(key, text, StringComparison.Ordinal);
        Assert.DoesNotContain(keyId, text, StringComparison.Ordinal);
        Assert.DoesNotContain(keyId, e.Exception.Message, StringComparison.Ordinal);
        Assert.Contains("System.InvalidOperationException: AssumeRole failed for AKIA************MPLE", text, StringComparison.Ordinal);
        Assert.Contains("---> System.ArgumentException: bad key ***", text, StringComparison.Ordinal);
        Assert.Contains(nameof(Thrown), text, StringComparison.Ordinal); // the stack is kept
    }

    [Fact]
    public void Emit_NothingToScrub_SinkSeesTheSameEvent()
    {
        var sink = new CollectingSink();
        var exception = Thrown(new InvalidOperationException("plain failure"));
        LogEvent? original = null;
        using (var logger = Scrubbed(new LoggerConfiguration().Enrich.With(new Capturing(e => original = e)), sink))
        {
            logger.Error(exception, "Nothing secret about {Account}", "prod");
        }

        Assert.Same(original, Assert.Single(sink.Events));
        Assert.Same(exception, original!.Exception);
    }

    private static Exception Thrown(Exception exception)
    {
        try
        {
            throw exception;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>A logger whose sink sits inside a <see cref="ScrubbingSink"/>, as the app's sinks do.</summary>
    private static Logger Scrubbed(LoggerConfiguration configuration, ILogEventSink sink) =>
        configuration.WriteTo.Sink(LoggerSinkConfiguration.Wrap(s => new ScrubbingSink(s), w => w.Sink(sink))).CreateLogger();

    private sealed class Capturing(Action<LogEvent> capture) : ILogEventEnricher
    {
        public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory) => capture(logEvent);
    }

    private static LogEvent Capture(Action<ILogger> log)
    {
        var sink = new CollectingSink();
        using (var logger = new LoggerConfiguration().Enrich.With<SecretScrubber>().WriteTo.Sink(sink).CreateLogger())
        {
            log(logger);
        }
        return Assert.Single(sink.Events);
    }

    private static string? Scalar(LogEventPropertyValue value) => Assert.IsType<ScalarValue>(value).Value as string;

    private static string Json(LogEvent e)
    {
        using var writer = new StringWriter();
        new Serilog.Formatting.Json.JsonFormatter().Format(e, writer);
        return writer.ToString();
    }

    private sealed class CollectingSink : ILogEventSink
    {
        public List<LogEvent> Events { get; } = [];

        public void Emit(LogEvent logEvent) => Events.Add(logEvent);
    }

    [Theory]
    [InlineData("oauth client_secret=abcDEF123 rest", "abcDEF123")]
    [InlineData("refresh_token=tok-123;next", "tok-123")]
    [InlineData("connect postgres://app:p@ss@db.internal:5432/costpilot failed", "p@ss")]
    public void Scrub_PrefixedKeysAndAtSignsInUrlPasswords_Masked(string text, string secret)
    {
        var scrubbed = SecretScrubber.Scrub(text);

        Assert.DoesNotContain(secret, scrubbed, StringComparison.Ordinal);
        Assert.Contains(SecretScrubber.Mask, scrubbed, StringComparison.Ordinal);
    }
}
