using System.IO.Compression;
using GitOps.Pipelines.Oci;
using GitOps.Pipelines.TestKit;

namespace GitOps.Pipelines.Tests.Oci;

public class ReproducibleGzipTests
{
    private static async Task<byte[]> GzipAsync(byte[] data)
    {
        using var output = new MemoryStream();
        await ReproducibleGzip.CompressAsync(new MemoryStream(data), output);
        return output.ToArray();
    }

    private static byte[] Sample()
    {
        var data = new byte[300_000];
        new Random(42).NextBytes(data.AsSpan(0, 100_000)); // incompressible part, then runs
        for (var i = 100_000; i < data.Length; i++) data[i] = (byte)(i % 7);
        return data;
    }

    public class CompressAsync
    {
        [Fact]
        public async Task Writes_a_header_without_time_or_name_and_the_same_bytes_every_time()
        {
            var data = Sample();

            var first = await GzipAsync(data);
            var second = await GzipAsync(data);

            Assert.Equal(first, second);
            Assert.Equal(new byte[] { 0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff }, first[..10]);
            Assert.True(first.Length < data.Length, "compresses");
        }

        [Fact]
        public async Task Round_trips_through_GZipStream_and_passes_gzip_integrity_check()
        {
            var data = Sample();
            var gz = await GzipAsync(data);

            using var back = new MemoryStream();
            await using (var unzip = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress))
                await unzip.CopyToAsync(back);
            Assert.Equal(data, back.ToArray());

            using var dir = new TempDir();
            var path = dir.Combine("data.gz");
            await File.WriteAllBytesAsync(path, gz);
            ExternalTool.Run("gzip", "--test", path); // checks the CRC-32 and length trailer
        }

        [Fact]
        public async Task Compresses_empty_input_to_a_valid_member()
        {
            var gz = await GzipAsync([]);

            using var back = new MemoryStream();
            await using (var unzip = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress))
                await unzip.CopyToAsync(back);
            Assert.Empty(back.ToArray());
            Assert.Equal(new byte[8], gz[^8..]); // CRC-32 of nothing is 0, length 0
            using var dir = new TempDir();
            var path = dir.Combine("empty.gz");
            await File.WriteAllBytesAsync(path, gz);
            ExternalTool.Run("gzip", "--test", path);
        }
    }
}
