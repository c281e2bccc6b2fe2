using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CostPilot.Domain.Users;
using CostPilot.Tests.Support;

namespace CostPilot.Tests.Web.Api;

/// <summary>
/// <c>/api/onboarding</c> against the fake AWS (real STS wire protocol): the External ID and template, connecting by role and by
/// access keys with the forms' messages on the field they are about, nothing created on bad input, and secrets never echoed.
/// </summary>
public sealed class OnboardingApiTests : IClassFixture<FakeAwsAppFactory>
{
    private readonly FakeAwsAppFactory _app;

    public OnboardingApiTests(FakeAwsAppFactory app) => _app = app;

    [Fact]
    public async Task ExternalIdAndTemplate_TheCallersOwn_TemplateTrustsCostPilot()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        var externalId = (await ApiClients.JsonAsync(await client.GetAsync("/api/onboarding/external-id"))).GetProperty("externalId").GetString();
        using var template = await client.GetAsync("/api/onboarding/cloudformation-template");

        Assert.Equal(HttpStatusCode.OK, template.StatusCode);
        Assert.Equal("application/x-yaml", template.Content.Headers.ContentType?.MediaType);
        var yaml = await template.Content.ReadAsStringAsync();
        Assert.Contains(externalId!, yaml, StringComparison.Ordinal);
        Assert.Contains($"arn:aws:iam::{FakeAwsAppFactory.ServerAccountId}:", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Role_RightRole_201WithLocation_AccountIsTheCallers()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        var externalId = (await ApiClients.JsonAsync(await client.GetAsync("/api/onboarding/external-id"))).GetProperty("externalId").GetString()!;
        var customer = _app.AddCustomer();
        var roleArn = customer.Account.AddRole("CostPilotReadOnly", externalId);

        using var response = await client.PostAsJsonAsync("/api/onboarding/role", new { name = "Production", roleArn });

        var id = (await ApiClients.JsonAsync(response, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        Assert.Equal($"/api/client/accounts/{id}", response.Headers.Location?.OriginalString);
        var account = (await ApiClients.JsonAsync(await client.GetAsync(response.Headers.Location))).GetProperty("account");
        Assert.Equal("Production", account.GetProperty("name").GetString());
        Assert.Equal(customer.AccountId, account.GetProperty("awsAccountId").GetString());
        Assert.Equal("iam_role", account.GetProperty("method").GetString());
    }

    [Theory]
    [InlineData(null, "Paste the role ARN from the stack's Outputs tab.")]
    [InlineData("arn:aws:iam::12345:role/Short", "That is not an IAM role ARN. It looks like arn:aws:iam::123456789012:role/CostPilotReadOnly.")]
    public async Task Role_BadArn_400OnRoleArnWithTheFormsMessage_NothingCreated(string? roleArn, string message)
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        using var response = await client.PostAsJsonAsync("/api/onboarding/role", new { name = "x", roleArn });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(message, problem.GetProperty("detail").GetString());
        Assert.Equal(message, problem.GetProperty("errors").GetProperty("roleArn")[0].GetString());
        Assert.Empty((await ApiClients.JsonAsync(await client.GetAsync("/api/client/accounts"))).EnumerateArray());
    }

    [Fact]
    public async Task Role_RoleDemandsAnotherExternalId_400OnRoleArn_NothingCreated()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        var roleArn = _app.AddCustomer().Account.AddRole("CostPilotReadOnly", "someone-elses-external-id");

        using var response = await client.PostAsJsonAsync("/api/onboarding/role", new { roleArn });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(problem.GetProperty("detail").GetString(), problem.GetProperty("errors").GetProperty("roleArn")[0].GetString());
        Assert.Empty((await ApiClients.JsonAsync(await client.GetAsync("/api/client/accounts"))).EnumerateArray());
    }

    [Fact]
    public async Task AccessKeys_RightKey_201_SecretNeverEchoed_SecondTime409()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        var customer = _app.AddCustomer();
        var body = new { name = "Keys", accessKeyId = customer.AccessKeyId, secretAccessKey = customer.Secret };

        using var response = await client.PostAsJsonAsync("/api/onboarding/access-keys", body);
        using var again = await client.PostAsJsonAsync("/api/onboarding/access-keys", body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        Assert.DoesNotContain(customer.Secret, text, StringComparison.Ordinal);
        var account = (await ApiClients.JsonAsync(await client.GetAsync(response.Headers.Location))).GetProperty("account");
        Assert.Equal("access_keys", account.GetProperty("method").GetString());
        Assert.DoesNotContain(customer.Secret, account.GetRawText(), StringComparison.Ordinal);
        var problem = await ApiClients.ProblemAsync(again, HttpStatusCode.Conflict);
        Assert.Equal("You have already connected this AWS account.", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("AKIA123", "Secret0000000000000000000000000000000000", "accessKeyId", "An access key id is AKIA or ASIA followed by 16 upper-case letters and digits.")]
    [InlineData("AKIAABCDEFGHIJKLMNOP", "too-short", "secretAccessKey", "A secret access key is exactly 40 characters (letters, digits, / and +).")]
    [InlineData("ASIAABCDEFGHIJKLMNOP", "Secret0000000000000000000000000000000000", "accessKeyId", "ASIA keys are temporary session credentials and would stop working within hours. Use a long-lived AKIA key, or the IAM role option.")]
    public async Task AccessKeys_BadFormat_400OnTheFieldWithTheFormsMessage_NothingCreated(string keyId, string secret, string field, string message)
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        using var response = await client.PostAsJsonAsync("/api/onboarding/access-keys", new { accessKeyId = keyId, secretAccessKey = secret });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal(message, problem.GetProperty("detail").GetString());
        Assert.Equal(message, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        Assert.DoesNotContain(secret, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Empty((await ApiClients.JsonAsync(await client.GetAsync("/api/client/accounts"))).EnumerateArray());
    }

    [Fact]
    public async Task AccessKeys_KeyAwsDoesNotKnow_400WithAwsReason_NoFieldGuessed_SecretNotEchoed()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        const string Secret = "Unknown0Secret/000000000000000000000000+";

        using var response = await client.PostAsJsonAsync("/api/onboarding/access-keys",
            new { accessKeyId = "AKIAUNKNOWNKEY000000", secretAccessKey = Secret });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        Assert.DoesNotContain(problem.EnumerateObject(), p => p.Name == "errors");
        Assert.DoesNotContain(Secret, problem.GetRawText(), StringComparison.Ordinal);
        Assert.Empty((await ApiClients.JsonAsync(await client.GetAsync("/api/client/accounts"))).EnumerateArray());
    }

    [Fact]
    public async Task Connect_NameTooLong_400OnName()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;
        var customer = _app.AddCustomer();

        using var response = await client.PostAsJsonAsync("/api/onboarding/access-keys",
            new { name = new string('n', 101), accessKeyId = customer.AccessKeyId, secretAccessKey = customer.Secret });

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("A name has at most 100 characters.", problem.GetProperty("errors").GetProperty("name")[0].GetString());
        Assert.Empty((await ApiClients.JsonAsync(await client.GetAsync("/api/client/accounts"))).EnumerateArray());
    }

    [Fact]
    public async Task Sample_201ThenSecondIs409()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        using var first = await client.PostAsync("/api/onboarding/sample", null);
        using var second = await client.PostAsync("/api/onboarding/sample", null);

        var id = (await ApiClients.JsonAsync(first, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var account = (await ApiClients.JsonAsync(await client.GetAsync($"/api/client/accounts/{id}"))).GetProperty("account");
        Assert.Equal("sandbox", account.GetProperty("method").GetString());
        Assert.Equal("Sample account", account.GetProperty("name").GetString());
        Assert.Equal("You already have the sample account.", (await ApiClients.ProblemAsync(second, HttpStatusCode.Conflict)).GetProperty("detail").GetString());
    }
}

/// <summary>A CostPilot whose own AWS key is refused: there is nothing for a client's role to trust yet.</summary>
public sealed class OnboardingApiWithoutIdentityTests : IClassFixture<OnboardingApiWithoutIdentityTests.App>
{
    private readonly App _app;

    public OnboardingApiWithoutIdentityTests(App app) => _app = app;

    [Fact]
    public async Task Template_NoAwsIdentity_409SayingWhatToSet()
    {
        var (client, _) = await ApiClients.SignedInAsync(_app, Roles.Client);
        using var _ = client;

        using var response = await client.GetAsync("/api/onboarding/cloudformation-template");

        var problem = await ApiClients.ProblemAsync(response, HttpStatusCode.Conflict);
        Assert.Contains("CostPilot__Aws__TrustedPrincipalArn", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public sealed class App : FakeAwsAppFactory
    {
        public App() => Settings["CostPilot:Aws:AccessKeyId"] = "AKIANOTKNOWNBYTHEFAK";
    }
}
