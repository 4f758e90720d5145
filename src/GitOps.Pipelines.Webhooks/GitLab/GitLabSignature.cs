using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace GitOps.Pipelines.Webhooks.GitLab;

/// <summary>
/// GitLab's webhook signing token (the Standard Webhooks scheme): <c>webhook-signature: v1,BASE64</c> is the HMAC-SHA256,
/// keyed by the token (<c>whsec_BASE64</c>, the key base64-encoded), of <c>{webhook-id}.{webhook-timestamp}.{body}</c>;
/// several space-separated signatures may be sent (key rotation), one valid suffices; the timestamp must be recent.
/// </summary>
public static class GitLabSignature
{
    /// <summary>The signature header.</summary>
    public const string Header = "webhook-signature";

    /// <summary>The message id header (equal to GitLab's <c>Idempotency-Key</c>).</summary>
    public const string IdHeader = "webhook-id";

    /// <summary>The Unix-seconds timestamp header.</summary>
    public const string TimestampHeader = "webhook-timestamp";

    /// <summary>The <c>v1,BASE64</c> signature for a message.</summary>
    public static string Compute(string signingToken, string id, string timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(signingToken);
        return "v1," + Convert.ToBase64String(Mac(Key(signingToken), id, timestamp, body));
    }

    /// <summary>Null when the headers carry a valid, recent signature of <paramref name="body"/>; otherwise why not (never the token).</summary>
    public static string? Refusal(string signingToken, string? id, string? timestamp, string? signatures, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(signingToken);
        if (string.IsNullOrEmpty(signatures)) return $"the {Header} header is missing (a signing token is configured)";
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(timestamp)) return $"the {IdHeader} and {TimestampHeader} headers are required with {Header}";
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return $"the {TimestampHeader} header is not Unix seconds";
        var sent = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(seconds, 0, 253402300799));
        if ((now - sent).Duration() > tolerance)
            return $"the {TimestampHeader} is {(now - sent).TotalSeconds:0}s away from now (tolerance {tolerance.TotalSeconds:0}s): a stale or replayed delivery";
        var expected = Mac(Key(signingToken), id, timestamp, body);
        foreach (var candidate in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!candidate.StartsWith("v1,", StringComparison.Ordinal)) continue;
            var given = new byte[expected.Length];
            if (Convert.TryFromBase64String(candidate[3..], given, out var written) && written == expected.Length
                && CryptographicOperations.FixedTimeEquals(given, expected))
                return null;
        }
        return $"the {Header} header does not match the body signed with the configured signing token";
    }

    private static byte[] Key(string signingToken)
    {
        var encoded = signingToken.StartsWith("whsec_", StringComparison.Ordinal) ? signingToken[6..] : signingToken;
        var buffer = new byte[encoded.Length];
        return Convert.TryFromBase64String(encoded, buffer, out var n) ? buffer[..n] : Encoding.UTF8.GetBytes(signingToken);
    }

    private static byte[] Mac(byte[] key, string id, string timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(key, message);
    }
}
