using System.Net;
using System.Text.RegularExpressions;

namespace CostPilot.Tests.Support;

/// <summary>Drives the statically rendered account forms over plain HTTP, antiforgery token and all.</summary>
public static partial class FormClient
{
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string path, string formName, IDictionary<string, string> fields)
    {
        var page = await client.GetStringAsync(path);
        var content = new Dictionary<string, string>(fields)
        {
            ["_handler"] = formName,
            ["__RequestVerificationToken"] = AntiforgeryTokenIn(page),
        };
        return await client.PostAsync(path, new FormUrlEncodedContent(content));
    }

    public static Task<HttpResponseMessage> SignInAsync(HttpClient client, string email, string password) =>
        PostFormAsync(client, "/account/login", "login", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
        });

    public static Task<HttpResponseMessage> RegisterAsync(HttpClient client, string email, string password) =>
        PostFormAsync(client, "/account/register", "register", new Dictionary<string, string>
        {
            ["Input.Email"] = email,
            ["Input.Password"] = password,
            ["Input.ConfirmPassword"] = password,
        });

    /// <summary>The antiforgery token of the first form on <paramref name="page"/>.</summary>
    public static string AntiforgeryTokenIn(string page)
    {
        var token = AntiforgeryToken().Match(page);
        Assert.True(token.Success, "No antiforgery token on the page.");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
