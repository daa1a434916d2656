using System.Collections.Concurrent;
using Azure.Core;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>A credential that hands out numbered tokens with a chosen lifetime, on the test's clock.</summary>
public sealed class CountingCredential(TimeProvider time, TimeSpan lifetime, TimeSpan? refreshAfter = null, string prefix = "tok-SECRET-") : TokenCredential
{
    private int _count;

    public int Calls => _count;

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        var n = Interlocked.Increment(ref _count);
        var now = time.GetUtcNow();
        return ValueTask.FromResult(new AccessToken($"{prefix}{n}", now + lifetime, refreshAfter is { } r ? now + r : null, "Bearer"));
    }
}

/// <summary>Collects every log line (message and exception text).</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue(formatter(state, exception) + " " + exception);
    }
}
