using System.Formats.Tar;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Oci;

public class ReproducibleTarTests
{
    private static readonly DateTimeOffset Mtime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static async Task<byte[]> TarAsync(IEnumerable<LayerEntry> entries)
    {
        using var m = new MemoryStream();
        await ReproducibleTar.WriteAsync(m, entries, Mtime);
        return m.ToArray();
    }

    private static List<TarEntry> Read(byte[] tar)
    {
        var list = new List<TarEntry>();
        using var reader = new TarReader(new MemoryStream(tar));
        while (reader.GetNextEntry(copyData: true) is { } e) list.Add(e);
        return list;
    }

    public class WriteAsync
    {
        [Fact]
        public async Task Sorts_entries_and_writes_fixed_owner_time_and_modes()
        {
            using var dir = new TempDir();
            var b = dir.Write("b.txt", "bee");
            var a = dir.Write("a.sh", "#!/bin/sh\n");

            var tar = await TarAsync(
            [
                new LayerEntry("app/b.txt", LayerEntryKind.File, 0b110_100_100, b),
                new LayerEntry("app/a.sh", LayerEntryKind.File, 0b111_101_101, a),
                new LayerEntry("app/link", LayerEntryKind.Symlink, 0b111_111_111, LinkTarget: "b.txt"),
                new LayerEntry("app", LayerEntryKind.Directory, 0b111_101_101),
            ]);

            var entries = Read(tar);
            Assert.Equal(["app/", "app/a.sh", "app/b.txt", "app/link"], entries.Select(e => e.Name));
            Assert.All(entries, e =>
            {
                Assert.Equal(0, e.Uid);
                Assert.Equal(0, e.Gid);
                Assert.Equal(Mtime, e.ModificationTime);
                Assert.Equal(TarEntryFormat.Ustar, e.Format);
                var posix = Assert.IsAssignableFrom<PosixTarEntry>(e);
                Assert.Equal("", posix.UserName);
                Assert.Equal("", posix.GroupName);
            });
            Assert.Equal(TarEntryType.Directory, entries[0].EntryType);
            Assert.Equal((UnixFileMode)0b111_101_101, entries[1].Mode);
            Assert.Equal((UnixFileMode)0b110_100_100, entries[2].Mode);
            Assert.Equal("bee", new StreamReader(entries[2].DataStream!).ReadToEnd());
            Assert.Equal(TarEntryType.SymbolicLink, entries[3].EntryType);
            Assert.Equal("b.txt", entries[3].LinkName);
            Assert.Equal(0, tar.Length % 512);
            Assert.True(tar.AsSpan(tar.Length - 1024).IndexOfAnyExcept((byte)0) < 0, "ends with two zero blocks");
        }

        [Fact]
        public async Task Same_entries_in_any_order_give_the_same_bytes()
        {
            using var dir = new TempDir();
            var x = dir.Write("x", "x");
            var y = dir.Write("y", "yy");
            LayerEntry[] entries =
            [
                new("d", LayerEntryKind.Directory, 0b111_101_101),
                new("d/x", LayerEntryKind.File, 0b110_100_100, x),
                new("d/y", LayerEntryKind.File, 0b110_100_100, y),
            ];

            var first = await TarAsync(entries);
            var second = await TarAsync(entries.Reverse());

            Assert.Equal(first, second);
        }

        [Fact]
        public async Task Long_and_non_ascii_paths_use_pax_records_that_gnu_tar_reads()
        {
            using var dir = new TempDir();
            var f = dir.Write("f", "long");
            var longName = "app/" + string.Join('/', Enumerable.Repeat("segment-of-thirty-characters", 10)) + "/file.txt";
            var tar = await TarAsync(
            [
                new LayerEntry(longName, LayerEntryKind.File, 0b110_100_100, f),
                new LayerEntry("app/grüße.txt", LayerEntryKind.File, 0b110_100_100, f),
                new LayerEntry("app/" + new string('m', 120), LayerEntryKind.File, 0b110_100_100, f), // fits as prefix + name
            ]);

            var names = Read(tar).Select(e => e.Name).ToList();
            Assert.Contains(longName, names);
            Assert.Contains("app/grüße.txt", names);
            Assert.Contains("app/" + new string('m', 120), names);
            var path = dir.Combine("layer.tar");
            await File.WriteAllBytesAsync(path, tar);
            var listing = ExternalTool.Run("tar", "--quoting-style=literal", "-tf", path).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(names.Order(StringComparer.Ordinal), listing.Order(StringComparer.Ordinal));
        }

        [Fact]
        public async Task Rejects_duplicate_and_escaping_paths()
        {
            using var dir = new TempDir();
            var f = dir.Write("f", "");
            var dup = await Assert.ThrowsAsync<GitOpsException>(() => TarAsync(
                [new LayerEntry("a", LayerEntryKind.File, 0b110_100_100, f), new LayerEntry("/a", LayerEntryKind.File, 0b110_100_100, f)]));
            Assert.Contains("twice", dup.Message);
            var escape = await Assert.ThrowsAsync<GitOpsException>(() => TarAsync(
                [new LayerEntry("app/../../etc/passwd", LayerEntryKind.File, 0b110_100_100, f)]));
            Assert.Equal(ExitCode.InvalidInput, escape.Code);
        }
    }
}
