using Microsoft.AspNetCore.Components;

namespace CostPilot.Web.Auth;

/// <summary>Redirects from statically rendered account pages, refusing anything but local paths (no open redirects).</summary>
internal sealed class IdentityRedirectManager(NavigationManager navigationManager)
{
    public void RedirectTo(string? uri)
    {
        navigationManager.NavigateTo(SafeLocal(uri));
    }

    public static string SafeLocal(string? uri)
    {
        if (string.IsNullOrEmpty(uri) || !uri.StartsWith('/') || uri.StartsWith("//", StringComparison.Ordinal) || uri.StartsWith("/\\", StringComparison.Ordinal)
            || !Uri.IsWellFormedUriString(uri, UriKind.Relative))
        {
            return "/";
        }
        return uri;
    }
}
