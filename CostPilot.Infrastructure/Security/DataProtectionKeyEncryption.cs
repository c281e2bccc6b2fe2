using System.Globalization;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace CostPilot.Infrastructure.Security;

/// <summary>
/// Seals ASP.NET Core Data Protection keys (kept in PostgreSQL so every node shares them) with ENCRYPTION_KEY,
/// so a database dump alone cannot forge sign-in cookies.
/// </summary>
public sealed class DataProtectionKeyEncryptor(SecretProtector protector) : IXmlEncryptor
{
    internal const string Purpose = "aspnetcore-data-protection-keys";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var sealedKey = protector.Protect(plaintextElement.ToString(SaveOptions.DisableFormatting), Purpose);
        var element = new XElement("costpilotEncryptedKey",
            new XAttribute("keyVersion", protector.CurrentKeyVersion.ToString(CultureInfo.InvariantCulture)),
            new XElement("value", Convert.ToBase64String(sealedKey)));
        return new EncryptedXmlInfo(element, typeof(DataProtectionKeyDecryptor));
    }
}

/// <summary>Created by Data Protection through its (IServiceProvider) constructor.</summary>
public sealed class DataProtectionKeyDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var version = int.Parse(encryptedElement.Attribute("keyVersion")!.Value, CultureInfo.InvariantCulture);
        var sealedKey = Convert.FromBase64String(encryptedElement.Element("value")!.Value);
        var xml = services.GetRequiredService<SecretProtector>().Unprotect(sealedKey, version, DataProtectionKeyEncryptor.Purpose);
        return XElement.Parse(xml);
    }
}

internal sealed class ConfigureKeyEncryption(SecretProtector protector) : IConfigureOptions<KeyManagementOptions>
{
    public void Configure(KeyManagementOptions options) => options.XmlEncryptor = new DataProtectionKeyEncryptor(protector);
}
