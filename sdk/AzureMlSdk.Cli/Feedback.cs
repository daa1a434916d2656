using Spectre.Console;

namespace AzureMlSdk.Cli;

/// <summary>
/// Progress for long operations, on standard error: on a terminal a spinner showing the operation's latest state, and
/// progress bars for uploads and downloads; when standard error is piped, plain lines (one per state); with
/// <c>--only-show-errors</c>, nothing.
/// </summary>
internal sealed class Feedback(TextWriter error, bool onlyShowErrors, bool terminal)
{
    private readonly Lock _gate = new();

    public bool Silent => onlyShowErrors;

    public bool Interactive => !onlyShowErrors && terminal;

    /// <summary>A line on stderr (not on a terminal's spinner), unless errors only.</summary>
    public void Line(string text)
    {
        if (!onlyShowErrors)
        {
            lock (_gate)
            {
                error.WriteLine(text);
            }
        }
    }

    /// <summary>Runs <paramref name="work"/> under a spinner titled <paramref name="title"/> that shows each reported state.</summary>
    public async Task<T> SpinAsync<T>(string title, Func<IProgress<string>, Task<T>> work)
    {
        if (onlyShowErrors)
        {
            return await work(new Progress<string>(_ => { })).ConfigureAwait(false);
        }
        if (!terminal)
        {
            Line(title);
            return await work(new LineProgress(this)).ConfigureAwait(false);
        }
        var console = ErrorConsole();
        T result = default!;
        await console.Status().Spinner(Spinner.Known.Dots).StartAsync(Markup.Escape(title), async ctx =>
        {
            var progress = new SyncProgress<string>(state => ctx.Status(Markup.Escape($"{title} {state}")));
            result = await work(progress).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return result;
    }

    /// <summary>Runs a transfer of <paramref name="total"/> bytes (when known) under a progress bar.</summary>
    public async Task<T> TransferAsync<T>(string title, long? total, Func<IProgress<long>, Task<T>> work)
    {
        if (!Interactive)
        {
            Line(title);
            return await work(new Progress<long>(_ => { })).ConfigureAwait(false);
        }
        var console = ErrorConsole();
        T result = default!;
        await console.Progress().AutoClear(true).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(title), maxValue: total is > 0 ? total.Value : 1);
                task.IsIndeterminate = total is not > 0;
                var progress = new SyncProgress<long>(bytes => task.Value = bytes);
                result = await work(progress).ConfigureAwait(false);
                task.Value = task.MaxValue;
            }).ConfigureAwait(false);
        return result;
    }

    private IAnsiConsole ErrorConsole() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });

    private sealed class LineProgress(Feedback feedback) : IProgress<string>
    {
        public void Report(string value) => feedback.Line("  " + value);
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the pool and could report after the work ended).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
