using Cake.Core.Diagnostics;
using Cake.GitOps.Pipelines.Tests.Fakes;

namespace Cake.GitOps.Pipelines.Tests;

/// <summary>The chain's progress writer: every line reaches Cake's log, however it was written.</summary>
public class CakeLogWriterTests
{
    private readonly CapturingCakeLog _log = new();

    [Fact]
    public void A_WriteLine_is_one_information_message_at_normal_verbosity()
    {
        using (var writer = new CakeLogWriter(_log))
            writer.WriteLine("[image] built {braces} stay");

        var entry = Assert.Single(_log.Entries);
        Assert.Equal(new LogEntry(Verbosity.Normal, LogLevel.Information, "[image] built {braces} stay"), entry);
    }

    [Fact]
    public void Write_calls_ended_by_a_newline_become_one_line()
    {
        using (var writer = new CakeLogWriter(_log))
        {
            writer.Write("[sync] ");
            writer.Write(3);
            writer.Write(" deliveries");
            writer.WriteLine();
            writer.Write("two\r\nlines\n");
        }

        Assert.Equal(["[sync] 3 deliveries", "two", "lines"], _log.Lines);
    }

    [Fact]
    public void A_last_line_without_a_newline_is_written_on_dispose()
    {
        var writer = new CakeLogWriter(_log);
        writer.Write("[verify] pending");
        Assert.Empty(_log.Lines);

        writer.Dispose();

        Assert.Equal(["[verify] pending"], _log.Lines);
    }
}
