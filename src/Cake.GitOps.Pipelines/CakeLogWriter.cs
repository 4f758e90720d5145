using System.Text;
using Cake.Core.Diagnostics;

namespace Cake.GitOps.Pipelines;

/// <summary>
/// The chain's progress writer, as Cake log lines: one Information message (normal verbosity) per line, however
/// the line was written (<c>WriteLine(s)</c>, or <c>Write</c> calls ended by a newline); what is left without a
/// newline is written on flush or dispose, so nothing is kept back.
/// </summary>
internal sealed class CakeLogWriter(ICakeLog log) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        if (value == '\n')
        {
            Emit();
            return;
        }
        _line.Append(value);
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "") Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Emit();
    }

    public override void Flush()
    {
        if (_line.Length > 0) Emit();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }

    private void Emit()
    {
        var text = _line.ToString().TrimEnd('\r');
        _line.Clear();
        log.Information(Verbosity.Normal, "{0}", text);
    }
}
