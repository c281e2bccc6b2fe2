using CostPilot.Infrastructure.Persistence;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Persistence;

public sealed class DatabaseSettingsTests
{
    [Fact]
    public void FromUrl_EscapedUserAndPassword_AreUnescaped()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseSettings.FromUrl("postgres://app%40corp:p%40ss%3Aw%2Frd%25@db.example.com:6543/cost%20pilot"));

        Assert.Equal("app@corp", cs.Username);
        Assert.Equal("p@ss:w/rd%", cs.Password);
        Assert.Equal("db.example.com", cs.Host);
        Assert.Equal(6543, cs.Port);
        Assert.Equal("cost pilot", cs.Database);
    }

    [Fact]
    public void FromUrl_PasswordWithUnescapedColon_KeepsEverythingAfterTheFirstColon()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseSettings.FromUrl("postgresql://app:a:b@db/costpilot"));

        Assert.Equal("app", cs.Username);
        Assert.Equal("a:b", cs.Password);
    }

    [Theory]
    [InlineData("postgres://app:pw@db/costpilot")]
    [InlineData("postgresql://app:pw@db/costpilot")]
    public void FromUrl_NoPort_Uses5432(string url)
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseSettings.FromUrl(url));

        Assert.Equal(5432, cs.Port);
        Assert.Equal("costpilot", cs.Database);
    }

    [Fact]
    public void FromUrl_NoUserInfo_LeavesUserAndPasswordUnset()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseSettings.FromUrl("postgres://db/costpilot"));

        Assert.Null(cs.Username);
        Assert.Null(cs.Password);
    }

    [Fact]
    public void FromUrl_QueryOptions_BecomeNpgsqlSettings()
    {
        var cs = new NpgsqlConnectionStringBuilder(DatabaseSettings.FromUrl("postgres://app:pw@db/costpilot?sslmode=require&Maximum%20Pool%20Size=7"));

        Assert.Equal(SslMode.Require, cs.SslMode);
        Assert.Equal(7, cs.MaxPoolSize);
    }

    [Fact]
    public void FromUrl_UnknownOption_ThrowsNamingItButNotThePassword()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DatabaseSettings.FromUrl("postgres://app:hunter2@db/costpilot?frobnicate=1"));

        Assert.Contains("frobnicate", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mysql://app:hunter2@db/costpilot")]
    [InlineData("http://app:hunter2@db/costpilot")]
    [InlineData("app:hunter2@db/costpilot")]
    [InlineData("not a url")]
    public void FromUrl_NotAPostgresUrl_ThrowsWithoutEchoingIt(string url)
    {
        var e = Assert.Throws<InvalidOperationException>(() => DatabaseSettings.FromUrl(url));

        Assert.Contains("DATABASE_URL", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://app:hunter2@db")]
    [InlineData("postgres://app:hunter2@db/")]
    [InlineData("postgres://app:hunter2@db:5432/")]
    public void FromUrl_NoDatabase_Throws(string url)
    {
        var e = Assert.Throws<InvalidOperationException>(() => DatabaseSettings.FromUrl(url));

        Assert.Contains("database", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveConnectionString_DatabaseUrlAndConnectionString_PrefersDatabaseUrl()
    {
        var config = Configuration(("DATABASE_URL", "postgres://app:pw@from-url/costpilot"), ("ConnectionStrings:Default", "Host=from-cs;Database=other"));

        var cs = new NpgsqlConnectionStringBuilder(DatabaseSettings.ResolveConnectionString(config));

        Assert.Equal("from-url", cs.Host);
    }

    [Fact]
    public void ResolveConnectionString_NothingConfigured_ThrowsTheHelpfulMessage()
    {
        var e = Assert.Throws<InvalidOperationException>(() => DatabaseSettings.ResolveConnectionString(Configuration()));

        Assert.Equal(DatabaseSettings.MissingMessage, e.Message);
    }

    [Fact]
    public void ResolveConnectionString_MalformedConnectionString_ThrowsNamingTheSetting()
    {
        var config = Configuration(("ConnectionStrings:Default", "Host=db;Frobnicate=yes"));

        var e = Assert.Throws<InvalidOperationException>(() => DatabaseSettings.ResolveConnectionString(config));

        Assert.Contains("ConnectionStrings__Default", e.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();
}
