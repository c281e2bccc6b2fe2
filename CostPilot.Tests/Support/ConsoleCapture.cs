using System.Text;

namespace CostPilot.Tests.Support;

/// <summary>
/// Copies everything written to <see cref="Console.Out"/> and <see cref="Console.Error"/> (where the app's console
/// log sink writes) until disposed; the output still reaches the real console. The console is process-wide, so
/// captures take turns, and a capture may also hold what other tests running meanwhile wrote.
/// </summary>
public sealed class ConsoleCapture : IDisposable
{
    private static readonly SemaphoreSlim OneAtATime = new(1, 1);

    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly StringBuilder _text = new();

    private ConsoleCapture()
    {
        _out = Console.Out;
        _error = Console.Error;
        Console.SetOut(new Tee(_out, _text));
        Console.SetError(new Tee(_error, _text));
    }

    public static async Task<ConsoleCapture> StartAsync()
    {
        await OneAtATime.WaitAsync();
        return new ConsoleCapture();
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    public void Dispose()
    {
        Console.SetOut(_out);
        Console.SetError(_error);
        OneAtATime.Release();
    }

    private sealed class Tee(TextWriter console, StringBuilder text) : TextWriter
    {
        public override Encoding Encoding => console.Encoding;

        public override void Write(char value)
        {
            lock (text)
            {
                text.Append(value);
            }
            console.Write(value);
        }

        public override void Write(string? value)
        {
            lock (text)
            {
                text.Append(value);
            }
            console.Write(value);
        }

        public override void Write(char[] buffer, int index, int count)
        {
            lock (text)
            {
                text.Append(buffer, index, count);
            }
            console.Write(buffer, index, count);
        }

        public override void Flush() => console.Flush();
    }
}
