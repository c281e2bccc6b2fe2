using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace CostPilot.Infrastructure.Security;

/// <summary>
/// AES-256-GCM for secrets at rest. Layout: 12-byte nonce | 16-byte tag | ciphertext. The key version
/// is stored beside the ciphertext (not inside it) and is bound in as associated data, so a blob
/// cannot be replayed under another key version or for another purpose.
/// </summary>
public sealed class SecretProtector(EncryptionKeyRing keys)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public int CurrentKeyVersion => keys.CurrentVersion;

    public byte[] Protect(string plaintext, string purpose)
    {
        var data = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + TagSize + data.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(keys.Current, TagSize);
        aes.Encrypt(nonce, data, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), AssociatedData(keys.CurrentVersion, purpose));
        return output;
    }

    public string Unprotect(byte[] sealedData, int keyVersion, string purpose)
    {
        if (sealedData.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The stored secret is damaged.");
        }
        var plain = new byte[sealedData.Length - NonceSize - TagSize];
        using var aes = new AesGcm(keys.Get(keyVersion), TagSize);
        aes.Decrypt(sealedData.AsSpan(0, NonceSize), sealedData.AsSpan(NonceSize + TagSize), sealedData.AsSpan(NonceSize, TagSize), plain, AssociatedData(keyVersion, purpose));
        return Encoding.UTF8.GetString(plain);
    }

    private static byte[] AssociatedData(int version, string purpose)
    {
        var purposeBytes = Encoding.UTF8.GetBytes(purpose);
        var ad = new byte[4 + purposeBytes.Length];
        BinaryPrimitives.WriteInt32BigEndian(ad, version);
        purposeBytes.CopyTo(ad, 4);
        return ad;
    }
}
