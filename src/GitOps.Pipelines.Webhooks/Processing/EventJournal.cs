using System.Text;
using System.Text.Json;

namespace GitOps.Pipelines.Webhooks.Processing;

/// <summary>
/// The durable journal of accepted events: one append-only file, <c>journal.log</c>, in the given folder. An accept is
/// written and fsync'd before the sender is answered; a completion is appended once the event is processed. On open,
/// what was accepted and never completed is pending (and replayed by the processor); the file is then compacted to it.
/// A torn last line (a crash mid-write, never acknowledged) is skipped.
/// </summary>
public sealed class EventJournal : IDisposable
{
    /// <summary>The journal's file name inside its folder.</summary>
    public const string FileName = "journal.log";

    private const char Accepted = '+';
    private const char Completed = '-';

    private readonly Lock _lock = new();
    private readonly Dictionary<string, JournalEntry> _pending = new(StringComparer.Ordinal);
    private readonly List<JournalEntry> _replay;
    private readonly FileStream _file;
    private readonly bool _deleteOnDispose;
    private bool _disposed;
    private readonly string _directory;

    /// <summary>Opens (or creates) the journal in <paramref name="directory"/>; one process at a time may use a folder.</summary>
    /// <param name="directory">The journal's folder.</param>
    /// <param name="deleteOnDispose">Delete the folder on dispose (a throwaway journal for a service without a state folder).</param>
    public EventJournal(string directory, bool deleteOnDispose = false)
    {
        _deleteOnDispose = deleteOnDispose;
        _directory = directory;
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        Path = System.IO.Path.Combine(directory, FileName);
        _replay = Load(Path);
        foreach (var entry in _replay) _pending[entry.Id] = entry;
        Compact(Path, _replay);
        _file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
    }

    /// <summary>The journal file.</summary>
    public string Path { get; }

    /// <summary>How many accepted events are not processed yet.</summary>
    public int Depth
    {
        get { lock (_lock) return _pending.Count; }
    }

    /// <summary>The entries that were pending when the journal was opened, oldest first.</summary>
    public IReadOnlyList<JournalEntry> Replayed => _replay;

    /// <summary>Writes an accepted event and flushes it to disk; only then may the sender be answered.</summary>
    public void Append(JournalEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var line = Accepted + JsonSerializer.Serialize(entry, WebhookJsonContext.Default.JournalEntry) + "\n";
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Write(line);
            _pending[entry.Id] = entry;
        }
    }

    /// <summary>
    /// Marks an event processed; it is not replayed again. Completing an unknown id, or after dispose (work that
    /// finished while the service stopped: it is replayed, at least once), does nothing.
    /// </summary>
    public void Complete(string id)
    {
        lock (_lock)
        {
            if (_disposed || !_pending.Remove(id)) return;
            Write(Completed + id + "\n");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _file.Dispose();
        }
        if (_deleteOnDispose)
        {
            try { Directory.Delete(_directory, recursive: true); }
            catch (IOException) { }
        }
    }

    private void Write(string line)
    {
        _file.Write(Encoding.UTF8.GetBytes(line));
        _file.Flush(flushToDisk: true);
    }

    private static List<JournalEntry> Load(string path)
    {
        var order = new List<JournalEntry>();
        if (!File.Exists(path)) return order;
        var done = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length < 2) continue;
            if (line[0] == Completed) done.Add(line[1..]);
            else if (line[0] == Accepted)
            {
                try
                {
                    if (JsonSerializer.Deserialize(line.AsSpan(1), WebhookJsonContext.Default.JournalEntry) is { } entry) order.Add(entry);
                }
                catch (JsonException)
                {
                    // a torn write: it was never fsync'd, so never acknowledged
                }
            }
        }
        return order.Where(e => !done.Contains(e.Id)).DistinctBy(e => e.Id).ToList();
    }

    private static void Compact(string path, List<JournalEntry> pending)
    {
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            foreach (var entry in pending)
                file.Write(Encoding.UTF8.GetBytes(Accepted + JsonSerializer.Serialize(entry, WebhookJsonContext.Default.JournalEntry) + "\n"));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
