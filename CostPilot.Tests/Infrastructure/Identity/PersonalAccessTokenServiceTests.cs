using System.Security.Cryptography;
using System.Text;
using CostPilot.Domain.Users;
using CostPilot.Infrastructure;
using CostPilot.Infrastructure.Audit;
using CostPilot.Infrastructure.Identity;
using CostPilot.Infrastructure.Persistence;
using CostPilot.Tests.Support;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace CostPilot.Tests.Infrastructure.Identity;

/// <summary>The token service on a database of its own and a fake clock: making, listing, revoking and checking tokens.</summary>
public sealed class PersonalAccessTokenServiceTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
    private string _database = "";
    private NpgsqlDataSource _dataSource = default!;
    private CostInventory _users = default!;
    private PersonalAccessTokenService _service = default!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabaseAsync();
        var connectionString = TestPostgres.ConnectionStringFor(_database);
        _users = new CostInventory(connectionString);
        _dataSource = new NpgsqlDataSourceBuilder(connectionString).EnableDynamicJson().Build();
        await ExecuteAsync("""
            INSERT INTO roles (id, name, normalized_name) VALUES ('r-client', 'client', 'CLIENT'), ('r-admin', 'admin', 'ADMIN')
            """);
        var factory = new Factory(_dataSource);
        _service = new PersonalAccessTokenService(factory, new AuditTrail(factory, _clock), _clock);
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await TestPostgres.DropDatabaseAsync(_database);
    }

    [Fact]
    public async Task CreateAsync_ValidName_ReturnsThePlainTokenAndStoresOnlyItsHash()
    {
        var caller = await UserAsync();

        var created = (await _service.CreateAsync(caller, "  nightly report  ", 30)).Value!;

        Assert.Matches("^cpat_[A-Za-z0-9_-]{43}$", created.Token);
        Assert.Equal("nightly report", created.Name);
        Assert.Equal(_clock.GetUtcNow().AddDays(30), created.ExpiresAt);
        Assert.DoesNotContain(created.Token, created.ToString(), StringComparison.Ordinal);
        var secret = created.Token["cpat_".Length..];
        await using var db = NewContext();
        var stored = await db.PersonalAccessTokens.SingleAsync();
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(secret)), stored.TokenHash);
        Assert.Equal(secret[..8], stored.Prefix);
        Assert.Equal(caller.UserId, stored.UserId);
        Assert.Null(stored.LastUsedAt);
        Assert.Null(stored.RevokedAt);
        Assert.DoesNotContain(secret, await TableTextAsync("personal_access_tokens"), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await TableTextAsync("audit_events"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateAsync_TwoTokens_DifferentSecrets()
    {
        var caller = await UserAsync();

        var first = (await _service.CreateAsync(caller, "one", null)).Value!;
        var second = (await _service.CreateAsync(caller, "two", null)).Value!;

        Assert.NotEqual(first.Token, second.Token);
        Assert.Null(first.ExpiresAt);
    }

    public static TheoryData<string?, int?, string> BadInput => new()
    {
        { null, null, "Give the token a name" },
        { "   ", 30, "Give the token a name" },
        { new string('n', 101), 30, "at most 100 characters" },
        { "ci", 0, "1 to 365 days" },
        { "ci", 366, "1 to 365 days" },
        { "ci", -5, "1 to 365 days" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task CreateAsync_BadInput_InvalidWithAClearMessageAndNothingSaved(string? name, int? days, string message)
    {
        var caller = await UserAsync();

        var result = await _service.CreateAsync(caller, name, days);

        Assert.Equal(ErrorKind.Invalid, result.Error?.Kind);
        Assert.Contains(message, result.Error!.Message, StringComparison.Ordinal);
        await using var db = NewContext();
        Assert.False(await db.PersonalAccessTokens.AnyAsync());
        Assert.False(await db.AuditEvents.AnyAsync());
    }

    [Fact]
    public async Task CreateAsync_NameOfAnActiveToken_ConflictUntilThatTokenIsRevoked()
    {
        var caller = await UserAsync();
        var first = (await _service.CreateAsync(caller, "deploy", null)).Value!;

        var again = await _service.CreateAsync(caller, " deploy ", 30);
        Assert.True((await _service.RevokeAsync(caller, first.Id)).Succeeded);
        var afterRevoke = await _service.CreateAsync(caller, "deploy", 30);

        Assert.Equal(ErrorKind.Conflict, again.Error?.Kind);
        Assert.Contains("already have a token named \"deploy\"", again.Error!.Message, StringComparison.Ordinal);
        Assert.True(afterRevoke.Succeeded, afterRevoke.Error?.Message);
    }

    [Fact]
    public async Task CreateAsync_SameNameAsAnotherUsersToken_Allowed()
    {
        var alice = await UserAsync();
        var bob = await UserAsync();
        await _service.CreateAsync(alice, "ci", null);

        Assert.True((await _service.CreateAsync(bob, "ci", null)).Succeeded);
    }

    [Fact]
    public async Task CreateAsync_TwentyActiveTokens_TheNextRefusedUntilOneExpires()
    {
        var caller = await UserAsync();
        for (var i = 0; i < PersonalAccessTokenService.MaxActiveTokens - 1; i++)
        {
            Assert.True((await _service.CreateAsync(caller, $"t{i}", null)).Succeeded);
        }
        Assert.True((await _service.CreateAsync(caller, "short", 1)).Succeeded);

        var refused = await _service.CreateAsync(caller, "one too many", null);
        _clock.Advance(TimeSpan.FromDays(1));
        var afterExpiry = await _service.CreateAsync(caller, "one too many", null);

        Assert.Equal(ErrorKind.Conflict, refused.Error?.Kind);
        Assert.Contains("20 active tokens", refused.Error!.Message, StringComparison.Ordinal);
        Assert.True(afterExpiry.Succeeded, afterExpiry.Error?.Message);
    }

    [Fact]
    public async Task CreateAndRevoke_Audited_WithoutTheSecret()
    {
        var caller = await UserAsync() with { Email = "me@costpilot.test", Address = "203.0.113.7" };
        var created = (await _service.CreateAsync(caller, "report", 90)).Value!;

        Assert.True((await _service.RevokeAsync(caller, created.Id)).Succeeded);

        await using var db = NewContext();
        var events = await db.AuditEvents.OrderBy(e => e.Id).ToListAsync();
        Assert.Equal([AuditActions.TokenCreated, AuditActions.TokenRevoked], events.Select(e => e.Action));
        Assert.All(events, e =>
        {
            Assert.Equal(AuditTargets.Token, e.TargetKind);
            Assert.Equal(created.Id.ToString(), e.TargetId);
            Assert.Equal("report", e.TargetLabel);
            Assert.Equal(caller.UserId, e.ActorId);
            Assert.Equal("me@costpilot.test", e.ActorEmail);
            Assert.Equal("203.0.113.7", e.Address);
        });
        Assert.Contains("expires 2027-02-28", events[0].Detail, StringComparison.Ordinal);
        Assert.Contains(AuditActions.TokenCreated, AuditActions.All);
        Assert.Contains(AuditActions.TokenRevoked, AuditActions.All);
    }

    [Fact]
    public async Task ListAsync_OnlyTheCallersTokensNotRevoked_NewestFirst_ExpiredMarked()
    {
        var caller = await UserAsync();
        var other = await UserAsync();
        await _service.CreateAsync(other, "theirs", null);
        var revoked = (await _service.CreateAsync(caller, "revoked", null)).Value!;
        await _service.RevokeAsync(caller, revoked.Id);
        _clock.Advance(TimeSpan.FromMinutes(1));
        await _service.CreateAsync(caller, "soon expired", 1);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var newest = (await _service.CreateAsync(caller, "newest", null)).Value!;
        _clock.Advance(TimeSpan.FromDays(1));

        var rows = await _service.ListAsync(caller);

        Assert.Equal(["newest", "soon expired"], rows.Select(r => r.Name));
        Assert.Equal([false, true], rows.Select(r => r.Expired));
        Assert.Equal(newest.Prefix, rows[0].Prefix);
    }

    [Fact]
    public async Task RevokeAsync_AnotherUsersToken_NotFoundAndTheTokenStillWorks()
    {
        var owner = await UserAsync();
        var intruder = await UserAsync();
        var created = (await _service.CreateAsync(owner, "mine", null)).Value!;

        var result = await _service.RevokeAsync(intruder, created.Id);

        Assert.Equal(ErrorKind.NotFound, result.Error?.Kind);
        Assert.NotNull(await _service.AuthenticateAsync(created.Token));
    }

    [Fact]
    public async Task RevokeAsync_Twice_SucceedsAndAuditsOnce()
    {
        var caller = await UserAsync();
        var created = (await _service.CreateAsync(caller, "twice", null)).Value!;

        Assert.True((await _service.RevokeAsync(caller, created.Id)).Succeeded);
        Assert.True((await _service.RevokeAsync(caller, created.Id)).Succeeded);

        await using var db = NewContext();
        Assert.Equal(1, await db.AuditEvents.CountAsync(e => e.Action == AuditActions.TokenRevoked));
    }

    [Fact]
    public async Task AuthenticateAsync_ValidToken_TheUserWithCurrentRoles()
    {
        var caller = await UserAsync("r-admin", "r-client");
        var created = (await _service.CreateAsync(caller, "ci", 30)).Value!;

        var user = await _service.AuthenticateAsync(created.Token);

        Assert.NotNull(user);
        Assert.Equal(caller.UserId, user.UserId);
        Assert.Equal(created.Id, user.TokenId);
        Assert.Equal($"{caller.UserId}@costpilot.test", user.Email);
        Assert.Equal([Roles.Admin, Roles.Client], user.Roles);
    }

    [Fact]
    public async Task AuthenticateAsync_RoleRemoved_NextCallWithoutIt()
    {
        var caller = await UserAsync("r-admin");
        var created = (await _service.CreateAsync(caller, "ci", null)).Value!;
        Assert.Equal([Roles.Admin], (await _service.AuthenticateAsync(created.Token))!.Roles);

        await ExecuteAsync($"DELETE FROM user_roles WHERE user_id = '{caller.UserId}'");

        Assert.Empty((await _service.AuthenticateAsync(created.Token))!.Roles);
    }

    [Fact]
    public async Task AuthenticateAsync_LastUsed_WrittenAtMostOnceAMinute()
    {
        var caller = await UserAsync();
        var created = (await _service.CreateAsync(caller, "ci", null)).Value!;
        var start = _clock.GetUtcNow();

        await _service.AuthenticateAsync(created.Token);
        _clock.Advance(TimeSpan.FromSeconds(59));
        await _service.AuthenticateAsync(created.Token);
        var withinTheMinute = (await _service.ListAsync(caller)).Single().LastUsedAt;
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _service.AuthenticateAsync(created.Token);
        var aMinuteOn = (await _service.ListAsync(caller)).Single().LastUsedAt;

        Assert.Equal(start, withinTheMinute);
        Assert.Equal(start.AddMinutes(1), aMinuteOn);
    }

    [Fact]
    public async Task AuthenticateAsync_Expired_Null()
    {
        var caller = await UserAsync();
        var created = (await _service.CreateAsync(caller, "ci", 30)).Value!;
        _clock.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        Assert.NotNull(await _service.AuthenticateAsync(created.Token));

        _clock.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(await _service.AuthenticateAsync(created.Token));
    }

    [Fact]
    public async Task AuthenticateAsync_Revoked_Null()
    {
        var caller = await UserAsync();
        var created = (await _service.CreateAsync(caller, "ci", null)).Value!;

        await _service.RevokeAsync(caller, created.Id);

        Assert.Null(await _service.AuthenticateAsync(created.Token));
    }

    [Fact]
    public async Task AuthenticateAsync_Tampered_NullForEveryAlteration()
    {
        var caller = await UserAsync();
        var token = (await _service.CreateAsync(caller, "ci", null)).Value!.Token;
        Assert.NotNull(await _service.AuthenticateAsync(token));

        string[] altered =
        [
            Flip(token, token.Length - 1),
            Flip(token, "cpat_".Length + 3),
            Flip(token, "cpat_".Length + 20),
            token[..^1],
            token + "A",
            "cpat" + token[4..].Replace('_', 'x'),
            token.ToUpperInvariant(),
            "cpat_",
            "",
        ];

        foreach (var candidate in altered)
        {
            Assert.Null(await _service.AuthenticateAsync(candidate));
        }
        Assert.Null(await _service.AuthenticateAsync(null));
    }

    [Fact]
    public async Task AuthenticateAsync_UserLockedOut_NullUntilTheLockoutEnds()
    {
        var caller = await UserAsync();
        var created = (await _service.CreateAsync(caller, "ci", null)).Value!;
        var until = _clock.GetUtcNow().AddMinutes(15);
        await ExecuteAsync($"UPDATE users SET lockout_end = '{until:O}' WHERE id = '{caller.UserId}'");

        var locked = await _service.AuthenticateAsync(created.Token);
        _clock.Advance(TimeSpan.FromMinutes(15));
        var after = await _service.AuthenticateAsync(created.Token);

        Assert.Null(locked);
        Assert.NotNull(after);
    }

    [Fact]
    public async Task AuthenticateAsync_UserDisabled_Null()
    {
        var caller = await UserAsync();
        var created = (await _service.CreateAsync(caller, "ci", null)).Value!;

        await ExecuteAsync($"UPDATE users SET disabled_at = now() WHERE id = '{caller.UserId}'");

        Assert.Null(await _service.AuthenticateAsync(created.Token));
    }

    [Fact]
    public async Task AuthenticateAsync_UserDeleted_NullAndTheirTokensGone()
    {
        var caller = await UserAsync();
        var created = (await _service.CreateAsync(caller, "ci", null)).Value!;

        await ExecuteAsync($"DELETE FROM users WHERE id = '{caller.UserId}'");

        Assert.Null(await _service.AuthenticateAsync(created.Token));
        await using var db = NewContext();
        Assert.False(await db.PersonalAccessTokens.AnyAsync());
    }

    private static string Flip(string token, int index) =>
        token[..index] + (token[index] == 'A' ? 'B' : 'A') + token[(index + 1)..];

    private async Task<Caller> UserAsync(params string[] roleIds)
    {
        var id = await _users.UserAsync();
        foreach (var role in roleIds)
        {
            await ExecuteAsync($"INSERT INTO user_roles (user_id, role_id) VALUES ('{id}', '{role}')");
        }
        return Callers.Client(id);
    }

    /// <summary>Every value of every row of a table, as text: whatever column a secret might have landed in.</summary>
    private async Task<string> TableTextAsync(string table)
    {
        await using var command = _dataSource.CreateCommand($"SELECT coalesce(string_agg(t::text, '|'), '') FROM {table} t");
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private CostPilotDbContext NewContext() =>
        new(new DbContextOptionsBuilder<CostPilotDbContext>().UseNpgsql(_dataSource).UseSnakeCaseNamingConvention().Options);

    private sealed class Factory(NpgsqlDataSource dataSource) : IDbContextFactory<CostPilotDbContext>
    {
        public CostPilotDbContext CreateDbContext() =>
            new(new DbContextOptionsBuilder<CostPilotDbContext>().UseNpgsql(dataSource).UseSnakeCaseNamingConvention().Options);
    }
}
