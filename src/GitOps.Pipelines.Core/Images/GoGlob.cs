using System.Text;
using System.Text.RegularExpressions;

namespace GitOps.Pipelines.Images;

/// <summary>Go's <c>path.Match</c> patterns as .NET regexes: <c>*</c> and <c>?</c> stop at <c>/</c>; <c>[a-z]</c>, <c>[^x]</c>, <c>\</c> escapes.</summary>
internal static class GoGlob
{
    /// <summary>The anchored regex for <paramref name="pattern"/>, or null when the pattern is malformed.</summary>
    public static Regex? ToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    sb.Append("[^/]*");
                    break;
                case '?':
                    sb.Append("[^/]");
                    break;
                case '\\':
                    if (++i >= pattern.Length) return null;
                    sb.Append(Regex.Escape(pattern[i].ToString()));
                    break;
                case '[':
                    // A class matches one character (Go does not exclude '/' here); '\\' escapes inside it.
                    var j = i + 1;
                    var negate = j < pattern.Length && pattern[j] == '^';
                    if (negate) j++;
                    var body = new StringBuilder();
                    for (; j < pattern.Length && pattern[j] != ']'; j++)
                    {
                        var ch = pattern[j];
                        if (ch == '\\')
                        {
                            if (++j >= pattern.Length) return null;
                            ch = pattern[j];
                            if (char.IsAsciiLetterOrDigit(ch)) body.Append(ch);
                            else body.Append('\\').Append(ch);
                        }
                        else if (ch is '[' or '^')
                        {
                            body.Append('\\').Append(ch);
                        }
                        else
                        {
                            body.Append(ch);
                        }
                    }
                    if (j >= pattern.Length || body.Length == 0) return null;
                    sb.Append('[').Append(negate ? "^" : "").Append(body).Append(']');
                    i = j;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return new Regex(sb.Append("\\z").ToString(), RegexOptions.CultureInvariant);
    }
}
