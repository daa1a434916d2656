using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.Serving.Local;

/// <summary>A deployment's recent log lines (a bounded ring), written by the host and by the scorer's <see cref="ILogger"/>.</summary>
internal sealed class DeploymentLog : ILogger
{
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly int _capacity;

    public DeploymentLog(TimeProvider time, int capacity = 2000)
    {
        _time = time;
        _capacity = capacity;
    }

    public void Write(string level, string message)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{_time.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss.fff'Z'} {level} {message}");
        lock (_lock)
        {
            _lines.Enqueue(line);
            while (_lines.Count > _capacity)
            {
                _lines.Dequeue();
            }
        }
    }

    public void Info(string message) => Write("INFO", message);

    public void Error(string message) => Write("ERROR", message);

    public string Tail(int lines)
    {
        lock (_lock)
        {
            return string.Join('\n', _lines.Skip(Math.Max(0, _lines.Count - lines)));
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }
        var level = logLevel switch
        {
            LogLevel.Warning => "WARNING",
            LogLevel.Error or LogLevel.Critical => "ERROR",
            _ => "INFO",
        };
        Write(level, exception is null ? formatter(state, exception) : formatter(state, exception) + " " + exception);
    }
}
