namespace GitOps.Pipelines.Core.Tests.Manifests;

/// <summary>A minimal line diff (longest common subsequence): which old lines go, which new lines come (1-based).</summary>
internal static class LineDiff
{
    public static (List<int> Removed, List<int> Added) Compute(string before, string after)
    {
        var a = before.Split('\n');
        var b = after.Split('\n');
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);
        var removed = new List<int>();
        var added = new List<int>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { x++; y++; }
            else if (y < b.Length && (x == a.Length || lcs[x, y + 1] >= lcs[x + 1, y])) added.Add(++y);
            else removed.Add(++x);
        }
        return (removed, added);
    }
}
