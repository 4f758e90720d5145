using System.Buffers.Binary;
using System.IO.Compression;

namespace GitOps.Pipelines.Oci;

/// <summary>
/// Gzip with a header we write ourselves (no mtime, no file name, OS "unknown"), so the compressed bytes depend
/// only on the input and the runtime's deflate implementation, never on the clock or the host OS.
/// </summary>
public static class ReproducibleGzip
{
    /// <summary>The fixed 10-byte member header: magic, deflate, no flags, mtime 0, no extra flags, OS 255.</summary>
    public static ReadOnlySpan<byte> Header => [0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff];

    /// <summary>Compresses <paramref name="input"/> (read to its end) into <paramref name="output"/> as one gzip member.</summary>
    public static async Task CompressAsync(Stream input, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        await output.WriteAsync(Header.ToArray(), cancellationToken);
        var crc = 0u;
        long length = 0;
        var buffer = new byte[81920];
        var read = await input.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            // DeflateStream writes nothing at all for empty input; an empty deflate stream is one final fixed block.
            await output.WriteAsync(new byte[] { 0x03, 0x00 }, cancellationToken);
        }
        else
        {
            await using var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);
            do
            {
                crc = Crc32.Append(crc, buffer.AsSpan(0, read));
                length += read;
                await deflate.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            while ((read = await input.ReadAsync(buffer, cancellationToken)) > 0);
        }
        var trailer = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), unchecked((uint)length));
        await output.WriteAsync(trailer, cancellationToken);
    }
}

/// <summary>CRC-32 (IEEE 802.3, the one gzip uses).</summary>
internal static class Crc32
{
    private static readonly uint[] Table = BuildTable();

    /// <summary>Continues <paramref name="crc"/> (0 to start) over <paramref name="data"/>.</summary>
    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        var c = ~crc;
        foreach (var b in data) c = Table[(c ^ b) & 0xff] ^ (c >> 8);
        return ~c;
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (var n = 0u; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
