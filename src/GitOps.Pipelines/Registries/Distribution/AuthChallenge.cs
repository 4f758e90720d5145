using System.Text;

namespace GitOps.Pipelines.Registries.Distribution;

/// <summary>One <c>WWW-Authenticate</c> challenge: a lower-cased scheme and its parameters (RFC 7235).</summary>
/// <param name="Scheme">The scheme, lower-cased: <c>bearer</c> or <c>basic</c>.</param>
/// <param name="Parameters">The auth parameters, names lower-cased, quoted-string escapes resolved.</param>
public sealed record AuthChallenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    /// <summary>A parameter's value, or null.</summary>
    public string? this[string name] => Parameters.TryGetValue(name, out var v) ? v : null;

    /// <summary>Parses every challenge in the header values (one header may hold several, comma-separated).</summary>
    public static IReadOnlyList<AuthChallenge> Parse(IEnumerable<string> headerValues)
    {
        ArgumentNullException.ThrowIfNull(headerValues);
        var result = new List<AuthChallenge>();
        foreach (var value in headerValues) ParseOne(value, result);
        return result;
    }

    private static void ParseOne(string s, List<AuthChallenge> into)
    {
        var i = 0;
        Dictionary<string, string>? parameters = null;
        while (i < s.Length)
        {
            SkipSpaceAndCommas(s, ref i);
            var token = ReadToken(s, ref i);
            if (token.Length == 0) { i++; continue; }
            var afterToken = i;
            SkipSpace(s, ref i);
            if (i < s.Length && s[i] == '=' && parameters is not null)
            {
                i++;
                SkipSpace(s, ref i);
                parameters[token.ToLowerInvariant()] = i < s.Length && s[i] == '"' ? ReadQuoted(s, ref i) : ReadToken(s, ref i);
                continue;
            }
            i = afterToken;
            // A token not followed by '=' starts a new challenge.
            parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            into.Add(new AuthChallenge(token.ToLowerInvariant(), parameters));
        }
    }

    private static void SkipSpace(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t')) i++;
    }

    private static void SkipSpaceAndCommas(string s, ref int i)
    {
        while (i < s.Length && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) i++;
    }

    private static string ReadToken(string s, ref int i)
    {
        var start = i;
        while (i < s.Length && !" \t,=\"".Contains(s[i], StringComparison.Ordinal)) i++;
        return s[start..i];
    }

    private static string ReadQuoted(string s, ref int i)
    {
        var b = new StringBuilder();
        i++; // opening quote
        while (i < s.Length && s[i] != '"')
        {
            if (s[i] == '\\' && i + 1 < s.Length) i++;
            b.Append(s[i++]);
        }
        i++; // closing quote
        return b.ToString();
    }
}
