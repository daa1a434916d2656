using System.Globalization;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Server.Agent;

namespace AzureMlSdk.Server;

/// <summary>
/// The assembly's commands. <c>job-agent --workspace &lt;folder&gt; [--idle-timeout &lt;n&gt;s|ms]</c> runs the local job agent of a
/// workspace folder (started by the SDK, see <see cref="JobAgentProcess"/>; runnable by hand to watch it).
/// </summary>
internal static class ServerProgram
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] != JobAgentProcess.Command)
        {
            await Console.Error.WriteLineAsync("usage: AzureMlSdk.Server job-agent --workspace <folder> [--idle-timeout <seconds>s|<ms>ms]").ConfigureAwait(false);
            return 2;
        }
        string? workspace = null;
        var idle = JobAgentProcess.DefaultIdleTimeout;
        for (var i = 1; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--workspace" when i + 1 < args.Length:
                    workspace = args[++i];
                    break;
                case "--idle-timeout" when i + 1 < args.Length && ParseDuration(args[i + 1]) is { } parsed:
                    idle = parsed;
                    i++;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"job-agent: unknown or incomplete argument '{args[i]}'").ConfigureAwait(false);
                    return 2;
            }
        }
        if (workspace is null)
        {
            await Console.Error.WriteLineAsync("job-agent: --workspace <folder> is required").ConfigureAwait(false);
            return 2;
        }
        JobAgent.Detach();
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        try
        {
            return await new JobAgent(new JobAgentOptions(workspace, idle)).RunAsync(stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            JobAgent.Log($"{JobAgentProcess.FailedMarker}: {ex}");
            return 1;
        }
    }

    /// <summary><c>30s</c>, <c>500ms</c>, or seconds (<c>30</c>).</summary>
    internal static TimeSpan? ParseDuration(string text)
    {
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 0.001)
            : text.EndsWith('s') ? (text[..^1], 1.0)
            : (text, 1.0);
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0
            ? TimeSpan.FromSeconds(value * scale)
            : null;
    }
}
