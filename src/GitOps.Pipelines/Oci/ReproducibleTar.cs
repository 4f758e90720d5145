using System.Text;

namespace GitOps.Pipelines.Oci;

/// <summary>The kind of a layer entry.</summary>
public enum LayerEntryKind
{
    /// <summary>A directory.</summary>
    Directory,
    /// <summary>A regular file whose bytes come from <see cref="LayerEntry.SourcePath"/>.</summary>
    File,
    /// <summary>A symbolic link to <see cref="LayerEntry.LinkTarget"/>.</summary>
    Symlink,
}

/// <summary>One entry of a layer: its path inside the image (no leading slash), kind, permission bits and source.</summary>
/// <param name="Name">Path inside the image, with '/' separators and no leading or trailing slash.</param>
/// <param name="Kind">Directory, file or symlink.</param>
/// <param name="Mode">Permission bits (e.g. 0o644).</param>
/// <param name="SourcePath">The file whose bytes are stored, for files.</param>
/// <param name="LinkTarget">The link's target, for symlinks.</param>
public sealed record LayerEntry(string Name, LayerEntryKind Kind, int Mode, string? SourcePath = null, string? LinkTarget = null);

/// <summary>
/// Writes a POSIX tar (ustar headers, PAX extended headers only where ustar cannot hold a value) whose bytes
/// depend only on the entries' names, kinds, modes and contents: entries sorted by name, one fixed mtime,
/// uid/gid 0, empty uname/gname, no atime/ctime.
/// </summary>
public static class ReproducibleTar
{
    private const int Block = 512;
    private const long MaxUstarSize = 0x1_FFFF_FFFF; // 11 octal digits: 077777777777

    /// <summary>Writes <paramref name="entries"/>, sorted by their path, to <paramref name="output"/>.</summary>
    public static async Task WriteAsync(Stream output, IEnumerable<LayerEntry> entries, DateTimeOffset mtime,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(entries);
        var seconds = mtime.ToUnixTimeSeconds();
        if (seconds < 0) throw new GitOpsException($"tar mtime {mtime:O} is before 1970", ExitCode.InvalidInput);

        var sorted = entries.Select(e => (Name: TarName(e), Entry: e)).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Name == sorted[i - 1].Name)
                throw new GitOpsException($"layer entry '{sorted[i].Name}' appears twice", ExitCode.InvalidInput);
        }

        var buffer = new byte[81920];
        foreach (var (name, entry) in sorted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            switch (entry.Kind)
            {
                case LayerEntryKind.Directory:
                    await WriteHeaderAsync(output, name, '5', entry.Mode, 0, seconds, "", cancellationToken);
                    break;
                case LayerEntryKind.Symlink:
                    await WriteHeaderAsync(output, name, '2', entry.Mode, 0, seconds,
                        entry.LinkTarget ?? throw new ArgumentException($"symlink '{entry.Name}' has no target"), cancellationToken);
                    break;
                case LayerEntryKind.File:
                    var source = entry.SourcePath ?? throw new ArgumentException($"file '{entry.Name}' has no source path");
                    await using (var file = File.OpenRead(source))
                    {
                        var size = file.Length;
                        await WriteHeaderAsync(output, name, '0', entry.Mode, size, seconds, "", cancellationToken);
                        long copied = 0;
                        int read;
                        while (copied < size && (read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - copied)), cancellationToken)) > 0)
                        {
                            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                            copied += read;
                        }
                        if (copied != size || file.ReadByte() != -1)
                            throw new GitOpsException($"{source} changed size while it was being archived");
                        await PadAsync(output, size, cancellationToken);
                    }
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(entries), entry.Kind, "unknown layer entry kind");
            }
        }
        await output.WriteAsync(new byte[2 * Block], cancellationToken);
    }

    private static string TarName(LayerEntry e)
    {
        var name = e.Name.Trim('/');
        if (name.Length == 0 || name.Split('/').Any(s => s is "" or "." or ".."))
            throw new GitOpsException($"invalid layer entry path '{e.Name}'", ExitCode.InvalidInput);
        return e.Kind == LayerEntryKind.Directory ? name + "/" : name;
    }

    private static async Task WriteHeaderAsync(Stream output, string name, char type, int mode, long size, long mtime,
        string linkName, CancellationToken cancellationToken)
    {
        var pax = new List<(string Key, string Value)>();
        var nameBytes = Encoding.UTF8.GetBytes(name);
        byte[] nameField = nameBytes, prefixField = [];
        if (!IsAscii(nameBytes) || (nameBytes.Length > 100 && !TrySplit(nameBytes, out nameField, out prefixField)))
        {
            pax.Add(("path", name));
            nameField = [.. nameBytes.Where(b => b < 0x80).TakeLast(100)];
            prefixField = [];
        }
        var linkBytes = Encoding.UTF8.GetBytes(linkName);
        if (linkBytes.Length > 100 || !IsAscii(linkBytes))
        {
            pax.Add(("linkpath", linkName));
            linkBytes = [.. linkBytes.Where(b => b < 0x80).Take(100)];
        }
        if (size > MaxUstarSize)
            pax.Add(("size", size.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        if (pax.Count > 0)
        {
            var records = PaxRecords(pax);
            await output.WriteAsync(Header("PaxHeader"u8.ToArray(), 'x', 0b110_100_100, records.Length, mtime, [], []), cancellationToken);
            await output.WriteAsync(records, cancellationToken);
            await PadAsync(output, records.Length, cancellationToken);
        }
        await output.WriteAsync(Header(nameField, type, mode, size > MaxUstarSize ? 0 : size, mtime, linkBytes, prefixField), cancellationToken);
    }

    private static byte[] Header(byte[] name, char type, int mode, long size, long mtime, byte[] link, byte[] prefix)
    {
        var h = new byte[Block];
        name.CopyTo(h, 0);
        Octal(h, 100, 8, mode & 0xFFF);
        Octal(h, 108, 8, 0); // uid
        Octal(h, 116, 8, 0); // gid
        Octal(h, 124, 12, size);
        Octal(h, 136, 12, mtime);
        h[156] = (byte)type;
        link.CopyTo(h, 157);
        "ustar\0"u8.CopyTo(h.AsSpan(257));
        "00"u8.CopyTo(h.AsSpan(263));
        // uname (265) and gname (297) stay empty: no user-name variance between machines.
        Octal(h, 329, 8, 0); // devmajor
        Octal(h, 337, 8, 0); // devminor
        prefix.CopyTo(h, 345);
        h.AsSpan(148, 8).Fill((byte)' ');
        var sum = 0;
        foreach (var b in h) sum += b;
        Octal(h, 148, 7, sum); // six digits and a NUL, then the space already there
        return h;
    }

    /// <summary>Writes <paramref name="value"/> as zero-padded octal filling the field but its last byte (NUL).</summary>
    private static void Octal(byte[] h, int offset, int length, long value)
    {
        var digits = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        if (digits.Length > length - 1) throw new InvalidOperationException($"{value} does not fit a {length}-byte tar field");
        Encoding.ASCII.GetBytes(digits, 0, digits.Length, h, offset);
        h[offset + length - 1] = 0;
    }

    private static bool TrySplit(byte[] name, out byte[] nameField, out byte[] prefixField)
    {
        // ustar: prefix (≤155 bytes) + '/' + name (≤100 bytes).
        for (var i = Math.Min(name.Length - 1, 155); i > 0; i--)
        {
            if (name[i] == '/' && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                prefixField = name[..i];
                nameField = name[(i + 1)..];
                return true;
            }
        }
        nameField = name;
        prefixField = [];
        return false;
    }

    private static byte[] PaxRecords(IEnumerable<(string Key, string Value)> records)
    {
        var all = new List<byte>();
        foreach (var (key, value) in records)
        {
            // "<length> <key>=<value>\n", where length counts the whole record including its own digits.
            var body = Encoding.UTF8.GetByteCount($" {key}={value}\n");
            var length = body + 1;
            while (length != body + Digits(length)) length = body + Digits(length);
            all.AddRange(Encoding.UTF8.GetBytes($"{length} {key}={value}\n"));
        }
        return [.. all];
    }

    private static int Digits(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;

    private static bool IsAscii(byte[] bytes) => Ascii.IsValid(bytes);

    private static async Task PadAsync(Stream output, long size, CancellationToken cancellationToken)
    {
        var pad = (int)((Block - size % Block) % Block);
        if (pad > 0) await output.WriteAsync(new byte[pad], cancellationToken);
    }
}
