using System.ComponentModel.DataAnnotations;

namespace CostPilot.Web.Components.Pages.Account;

/// <summary>What the sign-in form posts (<see cref="SignInForm"/>).</summary>
public sealed class LoginInput
{
    [Required(ErrorMessage = "Enter your e-mail.")]
    [EmailAddress(ErrorMessage = "Enter a valid e-mail address.")]
    public string Email { get; set; } = "";

    [Required(ErrorMessage = "Enter your password.")]
    public string Password { get; set; } = "";

    public bool RememberMe { get; set; }
}
