using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CostPilot.Tests.Fakes;

/// <summary>
/// A local AWS (EC2 + STS + CloudWatch) that speaks the real wire protocols, for the real AWS SDK clients pointed at
/// <see cref="Url"/> (<c>ServiceURL = fake.Url, AuthenticationRegion = region</c>). Every request must be
/// SigV4-signed with a key of an account added here; the region comes from the signature's credential scope.
/// EC2 instances change state as real ones do (<see cref="FakeInstance"/>), by <see cref="Clock"/>.
/// </summary>
public sealed class FakeAwsServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeEc2Settings _ec2Settings;
    private readonly FakeIdentities _identities;
    private readonly FakeEc2Api _ec2;
    private readonly FakeCloudWatchApi _cloudWatch = new();
    private readonly FakeStsApi _sts;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Account, string Region, string Action), Queue<FakeFault>> _faults = [];
    private readonly List<FakeRequest> _requests = [];
    private TimeSpan _timeoutDelay = TimeSpan.FromSeconds(30);
    private TimeSpan _latency;
    private int _disposed;

    private FakeAwsServer(WebApplication app, TimeProvider clock)
    {
        _app = app;
        _ec2Settings = new FakeEc2Settings(clock);
        _identities = new FakeIdentities(_ec2Settings);
        _ec2 = new FakeEc2Api(_ec2Settings);
        _sts = new FakeStsApi(_identities, TimeProvider.System);
        _app.Run(HandleAsync);
    }

    /// <summary>"http://127.0.0.1:PORT".</summary>
    public string Url { get; private set; } = "";

    /// <summary>How long <see cref="FakeFault.Timeout"/> holds a request (default 30 s).</summary>
    public TimeSpan TimeoutDelay
    {
        get { lock (_gate) { return _timeoutDelay; } }
        set { lock (_gate) { _timeoutDelay = value; } }
    }

    /// <summary>Added to every answer, like the time a real AWS endpoint takes to answer (default none).</summary>
    public TimeSpan Latency
    {
        get { lock (_gate) { return _latency; } }
        set { lock (_gate) { _latency = value; } }
    }

    /// <summary>
    /// The clock EC2 instances change state by, and the time their changes and stateTransitionReason carry: the one given to
    /// <see cref="StartAsync"/>, else the system clock. Signatures and credential expiry keep real time (the SDK signs with it).
    /// </summary>
    public TimeProvider Clock => _ec2Settings.Clock;

    /// <summary>How long a stopped instance stays stopping (default 2 s); taken when StopInstances is called.</summary>
    public TimeSpan StopDelay
    {
        get => _ec2Settings.StopDelay;
        set => _ec2Settings.StopDelay = value;
    }

    /// <summary>How long a started instance stays pending (default 2 s); taken when StartInstances is called.</summary>
    public TimeSpan StartDelay
    {
        get => _ec2Settings.StartDelay;
        set => _ec2Settings.StartDelay = value;
    }

    /// <summary>
    /// How long the status checks of a started instance stay initializing once it runs (default 3 s); taken when StartInstances
    /// is called.
    /// </summary>
    public TimeSpan StatusCheckDelay
    {
        get => _ec2Settings.StatusCheckDelay;
        set => _ec2Settings.StatusCheckDelay = value;
    }

    /// <summary>Every request answered so far, in completion order (a snapshot).</summary>
    public IReadOnlyList<FakeRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Starts a fake on a free local port. <paramref name="clock"/>: see <see cref="Clock"/>.</summary>
    public static async Task<FakeAwsServer> StartAsync(TimeProvider? clock = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            EnvironmentName = Environments.Production,
            ContentRootPath = AppContext.BaseDirectory,
        });
        // Nothing from appsettings.json or ASPNETCORE_* variables of the app under test may reach the fake.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(o =>
        {
            o.AddServerHeader = false;
            o.Listen(IPAddress.Loopback, 0);
        });

        var server = new FakeAwsServer(builder.Build(), clock ?? TimeProvider.System);
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.Url = address.TrimEnd('/');
        return server;
    }

    /// <summary>Adds an account (12 digits); add its keys, roles and regions on the result.</summary>
    public FakeAwsAccount AddAccount(string accountId) => _identities.AddAccount(accountId);

    /// <summary>An account added earlier with <see cref="AddAccount"/>.</summary>
    public FakeAwsAccount Account(string accountId) =>
        _identities.FindAccount(accountId) ?? throw new KeyNotFoundException($"No account {accountId} in the fake.");

    /// <summary>
    /// Adds instance types ModifyInstanceAttribute accepts, to the common current-generation ones it knows (t3.micro, m5.large,
    /// c6g.xlarge, ...); any other type answers InvalidInstanceAttributeValue.
    /// </summary>
    public void AddInstanceTypes(params string[] instanceTypes) => _ec2Settings.AddInstanceTypes(instanceTypes);

    /// <summary>
    /// The next <paramref name="times"/> authenticated requests for <paramref name="action"/> in that account and
    /// region answer <paramref name="fault"/> (queued after any faults already pending).
    /// </summary>
    public void FailNext(string accountId, string region, string action, FakeFault fault, int times = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        lock (_gate)
        {
            var key = (accountId, region, action);
            if (!_faults.TryGetValue(key, out var queue))
            {
                _faults[key] = queue = new Queue<FakeFault>();
            }

            for (var i = 0; i < times; i++)
            {
                queue.Enqueue(fault);
            }
        }
    }

    /// <summary>How many requests for <paramref name="action"/> (in <paramref name="region"/>, if given) were answered.</summary>
    public int Count(string action, string? region = null) =>
        Requests.Count(r => r.Action == action && (region is null || r.Region == region));

    /// <summary>Makes every temporary credential issued so far expired (EC2: RequestExpired, STS: ExpiredToken).</summary>
    public void ExpireTemporaryCredentials() => _identities.ExpireSessions(DateTimeOffset.UtcNow);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext http)
    {
        if (_stopping.IsCancellationRequested)
        {
            // A stopping fake answers nothing: a client retry that slips in before Kestrel closes must not succeed.
            http.Abort();
            return;
        }

        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency, http.RequestAborted);
        }

        var requestId = Guid.NewGuid().ToString();
        var request = http.Request;
        using var bodyBuffer = new MemoryStream();
        await request.Body.CopyToAsync(bodyBuffer, http.RequestAborted);
        var body = bodyBuffer.ToArray();
        var parameters = AwsParameters.Parse(request.QueryString.Value, request.ContentType, body);
        var action = parameters["Action"] ?? "";

        SigV4Authorization? authorization = null;
        var malformed = false;
        try
        {
            authorization = SigV4.Parse(request.Headers.Authorization);
        }
        catch (FormatException)
        {
            malformed = true;
        }

        var service = authorization?.Service
            ?? (FakeStsApi.IsStsAction(action) ? "sts" : FakeCloudWatchApi.IsCloudWatchAction(action) ? "monitoring" : "ec2");
        IFakeAwsApi api = service switch { "sts" => _sts, "monitoring" => _cloudWatch, _ => _ec2 };
        var region = authorization?.Region ?? "us-east-1";
        FakeCaller? caller = null;
        AwsReply reply;
        try
        {
            (caller, var problem) = Authenticate(request, body, authorization, malformed);
            if (problem is { } refused)
            {
                reply = api.Render(api.AuthError(refused), requestId);
            }
            else if (service is not ("ec2" or "sts" or "monitoring"))
            {
                reply = api.Render(new AwsError(400, "InvalidAction", $"The fake does not implement the {service} service."), requestId);
            }
            else if (service is "ec2" or "monitoring" && caller!.Account.FindRegion(region) is { Enabled: false })
            {
                reply = api.Render(api.AuthError(AuthProblem.UnknownKey), requestId);
            }
            else
            {
                var fault = TakeFault(caller!.Account.AccountId, region, action);
                if (fault is { } failure and not FakeFault.Timeout)
                {
                    reply = api.Render(api.FaultError(failure), requestId);
                }
                else if (fault == FakeFault.Timeout && !await HoldAsync(http))
                {
                    Record(service, action, region, caller, authorization, parameters, 499, "ClientClosedRequest");
                    http.Abort();
                    return;
                }
                else
                {
                    reply = api.Handle(new AwsCall(action, region, parameters, caller, requestId));
                }
            }
        }
        catch (AwsErrorException e)
        {
            reply = api.Render(e.Error, requestId);
        }
        catch (Exception e)
        {
            // A bug in the fake reaches the test as an AWS 500 with the reason, not as a dropped connection.
            reply = api.Render(new AwsError(500, service == "sts" ? "InternalFailure" : "InternalError", $"Fake AWS failed: {e.GetType().Name}: {e.Message}", Sender: false), requestId);
        }

        Record(service, action, region, caller, authorization, parameters, reply.Status, reply.ErrorCode);
        http.Response.StatusCode = reply.Status;
        http.Response.ContentType = "text/xml;charset=UTF-8";
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        http.Response.ContentLength = reply.Body.Length;
        await http.Response.Body.WriteAsync(reply.Body, http.RequestAborted);
    }

    private (FakeCaller? Caller, AuthProblem? Problem) Authenticate(HttpRequest request, byte[] body, SigV4Authorization? authorization, bool malformed)
    {
        if (malformed)
        {
            return (null, AuthProblem.Malformed);
        }

        if (authorization is null)
        {
            return (null, AuthProblem.Missing);
        }

        var token = request.Headers["X-Amz-Security-Token"].ToString();
        var (secret, caller, problem) = _identities.Resolve(authorization.AccessKeyId, token.Length == 0 ? null : token, DateTimeOffset.UtcNow);
        if (secret is null)
        {
            return (null, problem);
        }

        if (SigV4.Verify(request, body, authorization, secret) is not null)
        {
            return (null, AuthProblem.BadSignature);
        }

        return (caller, problem);
    }

    private FakeFault? TakeFault(string accountId, string region, string action)
    {
        lock (_gate)
        {
            return _faults.TryGetValue((accountId, region, action), out var queue) && queue.TryDequeue(out var fault)
                ? fault
                : null;
        }
    }

    /// <summary>Waits out <see cref="TimeoutDelay"/>; false when the client left or the server is stopping first.</summary>
    private async Task<bool> HoldAsync(HttpContext http)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _stopping.Token);
        try
        {
            await Task.Delay(TimeoutDelay, cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Record(string service, string action, string region, FakeCaller? caller, SigV4Authorization? authorization,
        AwsParameters parameters, int status, string? errorCode)
    {
        var maxResults = int.TryParse(parameters["MaxResults"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var max) ? max : (int?)null;
        var queries = 0;
        while (parameters[$"MetricDataQueries.member.{queries + 1}.Id"] is not null)
        {
            queries++;
        }
        var entry = new FakeRequest(service, action, region, caller?.Account.AccountId, authorization?.AccessKeyId,
            parameters["NextToken"], maxResults, status, errorCode)
        { Queries = queries, Parameters = parameters.ToDictionary() };
        lock (_gate)
        {
            _requests.Add(entry);
        }
    }
}
