namespace CostPilot.Tests.Support;

public static class Redirects
{
    /// <summary>
    /// Where a redirect points, as a local path and query. Fails when it leaves the app's own host
    /// (Blazor's NavigationManager writes absolute URLs; the cookie handler writes them too).
    /// </summary>
    public static string LocalTarget(HttpResponseMessage response)
    {
        var location = response.Headers.Location;
        Assert.True(location is not null, $"Expected a redirect but got {(int)response.StatusCode} without a Location header.");
        var app = new Uri("http://localhost/");
        var target = location.IsAbsoluteUri ? location : new Uri(app, location);
        Assert.True(target.Host == app.Host && target.Port == app.Port, $"The redirect leaves the app: {location}");
        return target.PathAndQuery;
    }

    /// <summary>The path of <see cref="LocalTarget"/>, without the query.</summary>
    public static string LocalPath(HttpResponseMessage response) => LocalTarget(response).Split('?', 2)[0];
}
