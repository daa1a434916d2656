using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// The local job agent's files and process, as both sides see them: the launcher in the submitting process
/// (<c>AgentJobLauncher</c>) and the agent itself (<c>AzureMlSdk.Server</c>'s <c>job-agent</c> command). Everything lives in the
/// workspace folder's <c>job-agent/</c> folder:
/// <list type="bullet">
/// <item><c>agent.lock</c> — held (an exclusive OS lock, <see cref="FileShare.None"/>) by the one running agent of the folder.
/// The OS drops it when the agent's process ends, however it ends, so a killed agent leaves no stale lock: the next start takes
/// it over.</item>
/// <item><c>agent.json</c> — the running agent's process id, MLflow port and start time (<see cref="JobAgentInfo"/>; diagnostics).</item>
/// <item><c>agent.log</c> — the agent's log (appended; moved to <c>agent.log.1</c> past 10 MiB).</item>
/// <item><c>agent.runtimeconfig.json</c> — the runtime the agent is started with (see <see cref="StartInfo"/>).</item>
/// </list>
/// </summary>
internal static class JobAgentProcess
{
    /// <summary>The package (and assembly) that holds the agent.</summary>
    internal const string PackageName = "AzureMlSdk.Server";

    /// <summary>The agent's command (first argument of the agent assembly).</summary>
    internal const string Command = "job-agent";

    /// <summary>How long an agent with nothing to do waits before it stops, unless configured (<see cref="IdleTimeoutVariable"/>).</summary>
    internal static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Environment variable overriding <see cref="DefaultIdleTimeout"/> for agents this process starts (seconds, e.g. <c>30</c>).</summary>
    internal const string IdleTimeoutVariable = "AZUREML_JOB_AGENT_IDLE_TIMEOUT";

    /// <summary>The agent folder of a workspace folder.</summary>
    public static string Folder(string workspaceDirectory) => Path.Combine(Path.GetFullPath(workspaceDirectory), "job-agent");

    /// <summary>The lock file.</summary>
    public static string LockPath(string workspaceDirectory) => Path.Combine(Folder(workspaceDirectory), "agent.lock");

    /// <summary>The running agent's description.</summary>
    public static string InfoPath(string workspaceDirectory) => Path.Combine(Folder(workspaceDirectory), "agent.json");

    /// <summary>The file a launcher touches to make the agent look for work now (it watches it; it also polls).</summary>
    public static string WakePath(string workspaceDirectory) => Path.Combine(Folder(workspaceDirectory), "wake");

    /// <summary>Tells a running agent to look for work now (best effort: it polls anyway).</summary>
    public static void Wake(string workspaceDirectory)
    {
        try
        {
            File.WriteAllText(WakePath(workspaceDirectory), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The agent's log.</summary>
    public static string LogPath(string workspaceDirectory) => Path.Combine(Folder(workspaceDirectory), "agent.log");

    /// <summary>
    /// Takes the folder's agent lock; null when another process holds it. The caller owns the returned stream: the lock lasts
    /// until it is disposed or the process ends.
    /// </summary>
    public static FileStream? TryLock(string workspaceDirectory)
    {
        Directory.CreateDirectory(Folder(workspaceDirectory));
        try
        {
            return new FileStream(LockPath(workspaceDirectory), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
        }
        catch (IOException)
        {
            return null; // held by the running agent (or a launcher probing it this instant)
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Whether an agent holds the folder's lock right now.</summary>
    public static bool IsRunning(string workspaceDirectory)
    {
        using var probe = TryLock(workspaceDirectory);
        return probe is null;
    }

    /// <summary>The running agent's description, or null (none, or not written yet).</summary>
    public static JobAgentInfo? ReadInfo(string workspaceDirectory)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(InfoPath(workspaceDirectory)), JobAgentJsonContext.Default.JobAgentInfo);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    /// <summary>Writes the agent's description (the agent does, once it serves).</summary>
    public static void WriteInfo(string workspaceDirectory, JobAgentInfo info)
    {
        var path = InfoPath(workspaceDirectory);
        var temp = path + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(info, JobAgentJsonContext.Default.JobAgentInfo));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The error when the application does not reference the agent's package.</summary>
    internal static AzureMlNotSupportedException MissingError() =>
        new($"Jobs on the local workspace run in a background job agent (one per workspace folder, so that a job outlives the process that submitted it), which is in the {PackageName} package; this application does not reference it. Add it: dotnet add package {PackageName}");

    /// <summary>The agent assembly's file, or null when the application does not reference the package.</summary>
    public static string? FindAgentAssembly()
    {
        try
        {
            var location = Assembly.Load(new AssemblyName(PackageName)).Location;
            return string.IsNullOrEmpty(location) ? null : location;
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (FileLoadException)
        {
            return null;
        }
    }

    /// <summary>
    /// The <c>dotnet</c> host that runs this process's runtime: <c>DOTNET_HOST_PATH</c> (set by <c>dotnet run</c>/<c>dotnet test</c>),
    /// this process when it is the host, else <c>&lt;dotnet root&gt;/dotnet</c> above the runtime folder, else <c>dotnet</c> on the PATH.
    /// </summary>
    public static string FindHost()
    {
        var exe = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
        {
            return hostPath;
        }
        if (Environment.ProcessPath is { } self && string.Equals(Path.GetFileName(self), exe, StringComparison.OrdinalIgnoreCase))
        {
            return self;
        }
        // <root>/shared/Microsoft.NETCore.App/<version>/ → <root>/dotnet
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        if (root is not null && File.Exists(Path.Combine(root, exe)))
        {
            return Path.Combine(root, exe);
        }
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } dotnetRoot && File.Exists(Path.Combine(dotnetRoot, exe)))
        {
            return Path.Combine(dotnetRoot, exe);
        }
        return exe;
    }

    /// <summary>
    /// How to start the agent for <paramref name="workspaceDirectory"/>: <c>dotnet exec --runtimeconfig &lt;agent.runtimeconfig.json&gt;
    /// --depsfile &lt;this application's .deps.json&gt; &lt;AzureMlSdk.Server.dll&gt; job-agent --workspace &lt;folder&gt;</c>. The agent
    /// assembly is a library to the application (its own runtimeconfig is not copied from a package), so the launcher writes a
    /// runtimeconfig naming this process's runtime and ASP.NET Core (the agent serves MLflow on Kestrel), and resolves the agent's
    /// dependencies with the application's own deps file — they are the application's dependencies (core, SQLite and its native
    /// library). This works the same for a project, a test host, an app referencing the packages and a <c>dotnet run x.cs</c> app.
    /// </summary>
    public static ProcessStartInfo StartInfo(string workspaceDirectory, string agentAssembly, TimeSpan? idleTimeout)
    {
        var folder = Folder(workspaceDirectory);
        Directory.CreateDirectory(folder);
        var runtimeConfig = Path.Combine(folder, "agent.runtimeconfig.json");
        var version = $"{Environment.Version.Major}.{Environment.Version.Minor}.0";
        var tfm = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        var config = "{\"runtimeOptions\":{\"tfm\":\"" + tfm + "\",\"frameworks\":["
            + "{\"name\":\"Microsoft.NETCore.App\",\"version\":\"" + version + "\"},"
            + "{\"name\":\"Microsoft.AspNetCore.App\",\"version\":\"" + version + "\"}],"
            + "\"configProperties\":{\"System.GC.Concurrent\":false,\"System.Globalization.Invariant\":true}}}";

        if (!File.Exists(runtimeConfig) || File.ReadAllText(runtimeConfig) != config)
        {
            var temp = runtimeConfig + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + ".tmp";
            File.WriteAllText(temp, config);
            File.Move(temp, runtimeConfig, overwrite: true);
        }

        var info = new ProcessStartInfo { UseShellExecute = false, WorkingDirectory = folder };
        var host = FindHost();
        var arguments = new List<string> { host, "exec", "--runtimeconfig", runtimeConfig };
        if (DepsFile() is { } deps)
        {
            arguments.Add("--depsfile");
            arguments.Add(deps);
        }
        arguments.AddRange([agentAssembly, Command, "--workspace", Path.GetFullPath(workspaceDirectory)]);
        if (idleTimeout is { } idle)
        {
            arguments.Add("--idle-timeout");
            arguments.Add(((long)idle.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
        }
        if (OperatingSystem.IsWindows())
        {
            info.FileName = arguments[0];
            foreach (var argument in arguments.Skip(1))
            {
                info.ArgumentList.Add(argument);
            }
            info.CreateNoWindow = true;
            return info;
        }
        // Detached: a new session (setsid: no controlling terminal, its own process group, so the terminal's Ctrl+C and hang-up
        // do not reach it), stdin from /dev/null, stdout/stderr appended to its log, and the shell returns at once (the agent is
        // re-parented to init). The agent also calls setsid() itself where the command is missing.
        info.FileName = "/bin/sh";
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add("if command -v setsid >/dev/null 2>&1; then exec setsid \"$@\" </dev/null >>\"$AZUREML_JOB_AGENT_LOG\" 2>&1 & else exec \"$@\" </dev/null >>\"$AZUREML_JOB_AGENT_LOG\" 2>&1 & fi");
        info.ArgumentList.Add("azureml-job-agent");
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["AZUREML_JOB_AGENT_LOG"] = LogPath(workspaceDirectory);
        return info;
    }

    /// <summary>This application's deps file (the first of the host's <c>APP_CONTEXT_DEPS_FILES</c>), when it has one.</summary>
    private static string? DepsFile()
    {
        var files = AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string;
        var first = files?.Split(';', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return first is not null && File.Exists(first) ? first : null;
    }

    /// <summary>
    /// Makes sure an agent serves <paramref name="workspaceDirectory"/>: returns at once when one holds the lock; otherwise starts one
    /// (detached) and waits until it holds the lock, or fails with its log's last lines when it exits first or does not come up
    /// within <paramref name="startTimeout"/>. Two processes starting agents at once is harmless: one takes the lock, the other
    /// agent exits.
    /// </summary>
    /// <returns>Whether this call started an agent.</returns>
    public static async Task<bool> EnsureRunningAsync(string workspaceDirectory, TimeSpan? idleTimeout, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        if (IsRunning(workspaceDirectory))
        {
            return false;
        }
        var assembly = FindAgentAssembly() ?? throw MissingError();
        RotateLog(workspaceDirectory);
        var logStart = File.Exists(LogPath(workspaceDirectory)) ? new FileInfo(LogPath(workspaceDirectory)).Length : 0;
        using (var started = Process.Start(StartInfo(workspaceDirectory, assembly, idleTimeout ?? ConfiguredIdleTimeout()))
            ?? throw new AzureMlException("The local job agent could not be started."))
        {
            if (!OperatingSystem.IsWindows())
            {
                await started.WaitForExitAsync(cancellationToken).ConfigureAwait(false); // the shell, which returns at once
            }
        }
        var deadline = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(10);
        while (deadline.Elapsed < startTimeout)
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(100, delay.TotalMilliseconds * 1.5));
            if (IsRunning(workspaceDirectory))
            {
                return true;
            }
            if (ReadLogFrom(workspaceDirectory, logStart) is { } text && text.Contains(FailedMarker, StringComparison.Ordinal))
            {
                throw new AzureMlException($"The local job agent for '{workspaceDirectory}' failed to start: {Tail(text)}");
            }
        }
        throw new AzureMlException($"The local job agent for '{workspaceDirectory}' did not start within {startTimeout.TotalSeconds:0} s. Its log ({LogPath(workspaceDirectory)}) ends: {Tail(ReadLogFrom(workspaceDirectory, logStart) ?? string.Empty)}");
    }

    /// <summary>What the agent writes to its log when it cannot start (the launcher stops waiting when it sees it).</summary>
    internal const string FailedMarker = "job agent failed to start";

    /// <summary>The idle timeout for agents this process starts: <see cref="IdleTimeoutVariable"/> (seconds) or the default.</summary>
    internal static TimeSpan? ConfiguredIdleTimeout() =>
        Environment.GetEnvironmentVariable(IdleTimeoutVariable) is { Length: > 0 } text
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private static void RotateLog(string workspaceDirectory)
    {
        var log = LogPath(workspaceDirectory);
        try
        {
            if (File.Exists(log) && new FileInfo(log).Length > 10 * 1024 * 1024)
            {
                File.Move(log, log + ".1", overwrite: true);
            }
        }
        catch (IOException)
        {
            // another launcher rotated it
        }
    }

    private static string? ReadLogFrom(string workspaceDirectory, long offset)
    {
        try
        {
            using var stream = new FileStream(LogPath(workspaceDirectory), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= offset)
            {
                return null;
            }
            stream.Position = offset;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return lines.Length == 0 ? "(empty)" : string.Join(" | ", lines.TakeLast(8));
    }
}

/// <summary>What a running job agent writes to <c>job-agent/agent.json</c>.</summary>
internal sealed record JobAgentInfo
{
    /// <summary>The agent's process id.</summary>
    public int ProcessId { get; init; }

    /// <summary>The loopback port of its MLflow server.</summary>
    public int MlflowPort { get; init; }

    /// <summary>When it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>How long it waits idle before it stops.</summary>
    public double IdleTimeoutSeconds { get; init; }

    /// <summary>Its supervisor id (stored on the jobs it runs).</summary>
    public string? SupervisorId { get; init; }

    /// <summary>The SDK version it runs.</summary>
    public string? Version { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(JobAgentInfo))]
internal sealed partial class JobAgentJsonContext : JsonSerializerContext;
