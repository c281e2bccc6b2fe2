using System.IO.Compression;
using CostPilot.Infrastructure.Pricing;
using CostPilot.Tests.Support;
using Xunit.Abstractions;

namespace CostPilot.Tests.Infrastructure.Pricing;

public sealed class PriceSnapshotTests(ITestOutputHelper output)
{
    /// <summary>The public data files the snapshot is made from: ../shared/data beside the checkout, when there is one.</summary>
    private static readonly string SharedData = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, "..", "shared", "data"));

    [Fact]
    public void Open_EveryFile_DecompressesToACsvWithAHeader()
    {
        foreach (var file in PriceSnapshot.Files)
        {
            using var reader = PriceSnapshot.OpenText(file);
            var header = reader.ReadLine();
            var rows = 0;
            while (reader.ReadLine() is not null)
            {
                rows++;
            }

            Assert.False(string.IsNullOrEmpty(header), file);
            Assert.Contains(',', header);
            Assert.True(rows > 100, $"{file}: {rows} rows");
        }
    }

    [Fact]
    public void Open_UnknownFile_ThrowsFileNotFound()
    {
        var error = Assert.Throws<FileNotFoundException>(() => PriceSnapshot.Open("ec2-spot-prices.csv"));

        Assert.Contains("ec2-spot-prices.csv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_EveryFile_EqualsTheSharedDataFile_WhenTheSharedFolderExists()
    {
        if (!Directory.Exists(SharedData))
        {
            // A clone without ../shared: nothing to compare against (the embedded files are still checked above).
            output.WriteLine($"{SharedData} does not exist: comparison skipped.");
            return;
        }
        foreach (var file in PriceSnapshot.Files)
        {
            using var embedded = new MemoryStream();
            using (var stream = PriceSnapshot.Open(file))
            {
                stream.CopyTo(embedded);
            }
            var shared = File.ReadAllBytes(Path.Combine(SharedData, file));

            Assert.True(shared.AsSpan().SequenceEqual(embedded.ToArray()),
                $"The embedded {file} differs from {Path.Combine(SharedData, file)} ({embedded.Length:N0} vs {shared.Length:N0} bytes): run ./costpilot.sh update-price-snapshot.");
        }
        output.WriteLine($"All {PriceSnapshot.Files.Count} embedded files equal those in {SharedData}.");
    }

    [Fact]
    public void SnapshotFolder_HoldsExactlyTheEmbeddedFiles_GzippedWithoutNameOrTime()
    {
        var folder = Path.Combine(RepositoryPaths.Root, "CostPilot.Infrastructure", "Pricing", "Snapshot");
        var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();

        Assert.Equal(PriceSnapshot.Files.Select(f => f + ".gz").Order(StringComparer.Ordinal), files);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(Path.Combine(folder, file!));
            // RFC 1952 header: ID1 ID2 CM FLG MTIME(4) ... FLG 0 = no name, no comment; MTIME 0 = no time stamp (gzip -n).
            Assert.Equal([0x1f, 0x8b, 8, 0, 0, 0, 0, 0], bytes[..8]);
            using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
            gzip.CopyTo(Stream.Null);
        }
    }
}
