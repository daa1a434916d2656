using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Server.Artifacts;
using AzureMlSdk.Server.Hosting;
using AzureMlSdk.Server.Mlflow;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace AzureMlSdk.Server.Agent;

/// <summary>What the <c>job-agent</c> command is given.</summary>
/// <param name="WorkspaceDirectory">The local workspace folder whose jobs it runs.</param>
/// <param name="IdleTimeout">How long it waits with nothing to run before it stops.</param>
internal sealed record JobAgentOptions(string WorkspaceDirectory, TimeSpan IdleTimeout)
{
    /// <summary>How long a starting agent keeps trying to take the folder's lock (a launcher's probe holds it for an instant).</summary>
    public TimeSpan LockWait { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The local job agent: the background process that runs one local workspace folder's jobs so that they outlive the process that
/// submitted them (started on demand by the local backend's agent launcher, see <see cref="JobAgentProcess"/>). It
/// <list type="number">
/// <item>leaves the submitter's session (<c>setsid</c>), so the terminal's Ctrl+C and hang-up do not reach it;</item>
/// <item>takes the folder's lock (<c>job-agent/agent.lock</c>) or exits when another agent holds it — one agent per folder;</item>
/// <item>serves MLflow's tracking and artifact routes for the workspace on a loopback port with a random bearer token, which jobs
/// receive as <c>MLFLOW_TRACKING_URI</c> / <c>MLFLOW_TRACKING_TOKEN</c>;</item>
/// <item>runs the job supervisor (claims waiting jobs, runs them, heart-beats them);</item>
/// <item>stops after <see cref="JobAgentOptions.IdleTimeout"/> with nothing running or waiting, then looks once more for jobs
/// submitted while it was stopping (and serves them if it can take the lock again), so a job is never left waiting unserved.</item>
/// </list>
/// It logs to stderr, which its launcher appends to <c>job-agent/agent.log</c>.
/// </summary>
internal sealed partial class JobAgent
{
    private readonly JobAgentOptions _options;
    private readonly Func<LocalWorkspaceBackend, AgentSupervisorSettings, IAgentSupervisor> _supervisors;

    public JobAgent(JobAgentOptions options, Func<LocalWorkspaceBackend, AgentSupervisorSettings, IAgentSupervisor>? supervisors = null)
    {
        _options = options;
        _supervisors = supervisors ?? AgentSupervisors.Create;
    }

    /// <summary>Runs the agent until it has been idle long enough or <paramref name="stop"/> fires; returns the exit code.</summary>
    public async Task<int> RunAsync(CancellationToken stop)
    {
        var started = Stopwatch.StartNew();
        var folder = Path.GetFullPath(_options.WorkspaceDirectory);
        FileStream? held = await TakeLockAsync(folder, _options.LockWait, stop).ConfigureAwait(false);
        if (held is null)
        {
            Log($"another job agent serves '{folder}'; exiting");
            return 0;
        }
        try
        {
            while (true)
            {
                var more = await ServeAsync(folder, held, started, stop).ConfigureAwait(false);
                await held.DisposeAsync().ConfigureAwait(false);
                held = null;
                if (!more || stop.IsCancellationRequested)
                {
                    return 0;
                }
                // A job was submitted while this agent was stopping: serve it, unless another agent has already taken over.
                held = JobAgentProcess.TryLock(folder);
                if (held is null)
                {
                    Log("jobs arrived while stopping; another agent has taken over");
                    return 0;
                }
                Log("jobs arrived while stopping; serving them");
                started.Restart();
            }
        }
        finally
        {
            if (held is not null)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<FileStream?> TakeLockAsync(string folder, TimeSpan wait, CancellationToken stop)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (JobAgentProcess.TryLock(folder) is { } stream)
            {
                return stream;
            }
            if (clock.Elapsed >= wait)
            {
                return null;
            }
            await Task.Delay(50, stop).ConfigureAwait(false);
        }
    }

    /// <summary>Serves until idle or stopped; returns whether jobs are waiting after all (submitted while it stopped).</summary>
    private async Task<bool> ServeAsync(string folder, FileStream held, Stopwatch started, CancellationToken stop)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(32));
        IAgentSupervisor? current = null;
        await using var backend = new LocalWorkspaceBackend(folder, jobLauncher: _ => new AgentSelfLauncher(() => Volatile.Read(ref current)));
        var workspaces = new AgentMlflowWorkspaces(backend, Path.Combine(JobAgentProcess.Folder(folder), "mlflow-files"));
        await using var app = await StartServerAsync(workspaces, token, stop).ConfigureAwait(false);
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        var trackingUri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var supervisorId = $"{LocalTrackingStore.CurrentOwner}#agent-{Guid.NewGuid():N}";
        using var supervisor = _supervisors(backend, new AgentSupervisorSettings(trackingUri, token, supervisorId));
        Volatile.Write(ref current, supervisor);
        // Launchers touch job-agent/wake after a submit or a cancel request, so the supervisor acts now rather than at its next poll.
        using var wake = new FileSystemWatcher(JobAgentProcess.Folder(folder), "wake") { NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size };
        wake.Changed += (_, _) => supervisor.Wake();
        wake.Created += (_, _) => supervisor.Wake();
        wake.EnableRaisingEvents = true;

        JobAgentProcess.WriteInfo(folder, new JobAgentInfo
        {
            ProcessId = Environment.ProcessId,
            MlflowPort = port,
            StartedAt = DateTimeOffset.UtcNow,
            IdleTimeoutSeconds = _options.IdleTimeout.TotalSeconds,
            SupervisorId = supervisorId,
            Version = typeof(JobAgent).Assembly.GetName().Version?.ToString(),
        });
        Log($"serving '{folder}' (pid {Environment.ProcessId}, MLflow on {trackingUri}, idle timeout {_options.IdleTimeout.TotalSeconds:0.#} s) after {started.ElapsedMilliseconds} ms");

        using var stopSupervisor = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var running = Task.Run(() => supervisor.RunAsync(stopSupervisor.Token), CancellationToken.None);
        var check = TimeSpan.FromMilliseconds(Math.Clamp(_options.IdleTimeout.TotalMilliseconds / 4, 50, 1000));
        var idleSince = (DateTimeOffset?)null;
        try
        {
            while (!stop.IsCancellationRequested && !running.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(check, stop), running).ConfigureAwait(false);
                var now = DateTimeOffset.UtcNow;
                if (!supervisor.IsIdle)
                {
                    idleSince = null;
                    continue;
                }
                idleSince ??= now;
                if (now - idleSince.Value >= _options.IdleTimeout)
                {
                    Log($"idle for {_options.IdleTimeout.TotalSeconds:0.#} s; stopping");
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        if (stop.IsCancellationRequested)
        {
            Log("asked to stop; the jobs it runs are stopped and end Failed");
        }
        await stopSupervisor.CancelAsync().ConfigureAwait(false);
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            Log($"the job supervisor failed: {ex}");
        }
        try
        {
            File.Delete(JobAgentProcess.InfoPath(folder));
        }
        catch (IOException)
        {
        }
        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        // Release the lock, then look once more: a submitter that saw the lock held before this point stored its job before it
        // looked, so the job is visible now; one that looks after the release starts an agent itself.
        await held.DisposeAsync().ConfigureAwait(false);
        return !stop.IsCancellationRequested && supervisor.HasWaitingJobs();
    }

    private static async Task<WebApplication> StartServerAsync(AgentMlflowWorkspaces workspaces, string token, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        Wire.ServerName = "local job agent";
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = BodyLimits.For(context.Request.Path);
            }
            var header = context.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || !Wire.SecretEquals(header[7..].Trim(), token))
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Wire.MlflowErrorAsync(context, 401, "UNAUTHENTICATED", header.Length == 0
                    ? "The request has no Authorization header: the job agent's MLflow server takes the job's MLFLOW_TRACKING_TOKEN as a bearer token."
                    : "The bearer token is not valid for this job agent.").ConfigureAwait(false);
                return;
            }
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                await Wire.FailureAsync(context, ex).ConfigureAwait(false);
            }
        });
        MlflowEndpoints.Map(app, workspaces);
        MlflowArtifactsEndpoints.Map(app, workspaces);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>One line of the agent's log (stderr, appended to <c>job-agent/agent.log</c> by the launcher).</summary>
    internal static void Log(string message) =>
        Console.Error.WriteLine($"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss.fff}Z job-agent[{Environment.ProcessId}] {message}");

    /// <summary>Leaves the submitter's session and process group (Unix), so signals sent to the terminal's foreground group miss it.</summary>
    internal static void Detach()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        try
        {
            _ = SetSid(); // fails harmlessly (EPERM) when the launcher's setsid already made this process a session leader
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
        }
    }

    [LibraryImport("libc", EntryPoint = "setsid")]
    private static partial int SetSid();
}
