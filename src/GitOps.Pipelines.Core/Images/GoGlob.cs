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
                    var end = pattern.IndexOf(']', i + 2);
                    if (end < 0) return null;
                    var body = pattern[(i + 1)..end];
                    var negate = body.StartsWith('^');
                    if (negate) body = body[1..];
                    sb.Append('[').Append(negate ? "^/" : "").Append(body.Replace("\\", "\\\\").Replace("[", "\\[")).Append(']');
                    i = end;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        return new Regex(sb.Append("\\z").ToString(), RegexOptions.CultureInvariant);
    }
}
