using System.Diagnostics;
using System.Globalization;
using AzureMlSdk.Backends.Local.Jobs;
using Microsoft.Data.Sqlite;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// The local job agent across processes: jobs are submitted by helper processes (the test worker) that exit at once, and followed
/// from this process through another Workspace instance, as <c>azml job create</c> then <c>azml job stream</c> would. Each test has
/// its own workspace folder and kills what agent it leaves behind.
/// </summary>
public sealed class JobAgentTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "azureml-agent-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await KillAgentAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // a job process still writing: the temp folder is swept later
        }
    }

    [Fact]
    public async Task A_job_outlives_the_process_that_submitted_it_and_another_process_streams_it_to_Completed()
    {
        var submitted = Stopwatch.StartNew();
        var (name, _) = await SubmitAsync("sleep 1; echo finished-after-the-submitter");
        var workerGone = submitted.Elapsed;

        await using var ws = Workspace.Local(_dir);
        var log = new StringWriter();
        using var timeout = new CancellationTokenSource(Patience);
        var job = await ws.Jobs.StreamAsync(name, log, timeout.Token);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains("finished-after-the-submitter", log.ToString(), StringComparison.Ordinal);
        Assert.True(job.EndedAt > job.CreatedAt + TimeSpan.FromSeconds(1), "the job slept a second after it was submitted");
        Assert.True(workerGone < submitted.Elapsed, "the submitter exited before the job ended");
        Assert.True(JobAgentProcess.IsRunning(_dir), "the agent serves the folder");
    }

    [Fact]
    public async Task Ctrl_C_in_the_submitters_terminal_does_not_reach_the_agent_or_its_job()
    {
        // A "terminal": a process group led by a shell that runs the submitter and then waits; Ctrl+C is SIGINT to that group.
        var info = new ProcessStartInfo("setsid") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "/bin/sh", "-c", "\"$0\" \"$@\"; exec sleep 60", JobAgentProcess.FindHost(),
            Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll"), "submit-job", _dir, "agent-tests", "sleep 2; echo survived-ctrl-c" })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment[JobAgentProcess.IdleTimeoutVariable] = "20";
        using var terminal = Process.Start(info) ?? throw new InvalidOperationException("could not start the shell");
        using var timeout = new CancellationTokenSource(Patience);
        var line = await terminal.StandardOutput.ReadLineAsync(timeout.Token) ?? string.Empty;
        Assert.StartsWith("JOB ", line, StringComparison.Ordinal);
        var name = line.Split(' ')[1];
        var agent = JobAgentProcess.ReadInfo(_dir);
        await WaitForAsync(() => Task.FromResult((agent = JobAgentProcess.ReadInfo(_dir)) is not null), "the agent serves");

        // SIGKILL to the whole group rather than SIGINT: a shell started in the background by a non-interactive shell (a CI runner's
        // `cmd &`) inherits SIGINT ignored, and then Ctrl+C proves nothing. SIGKILL cannot be ignored and reaches every process of the group.
        using (var interrupt = Process.Start("kill", ["-KILL", "--", "-" + terminal.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(timeout.Token);
        }
        await terminal.WaitForExitAsync(timeout.Token); // the group got it: the waiting shell is gone

        await using var ws = Workspace.Local(_dir);
        var log = new StringWriter();
        var job = await ws.Jobs.StreamAsync(name, log, timeout.Token);
        Assert.True(job.Status == JobStatus.Completed, $"{job.Status} {job.Error?.Message}");
        Assert.Contains("survived-ctrl-c", log.ToString(), StringComparison.Ordinal);
        Assert.True(IsAlive(agent!.ProcessId), "the agent outlived the interrupt");
    }

    [Fact]
    public async Task A_killed_agent_leaves_its_job_Failed_when_next_read_and_a_new_agent_runs_the_next_job()
    {
        var (name, _) = await SubmitAsync("echo started; sleep 15");
        await using var ws = Workspace.Local(_dir);
        await WaitForAsync(async () => (await ws.Jobs.GetAsync(name)).Status == JobStatus.Running, "the job runs");
        var first = JobAgentProcess.ReadInfo(_dir) ?? throw new InvalidOperationException("no agent.json");

        using (var agent = Process.GetProcessById(first.ProcessId))
        {
            agent.Kill(); // SIGKILL: no chance to mark anything
            await agent.WaitForExitAsync();
        }

        var dead = await ws.Jobs.GetAsync(name);
        Assert.Equal(JobStatus.Failed, dead.Status);
        Assert.NotNull(dead.Error);

        var (second, _) = await SubmitAsync("echo second-agent");
        using var timeout = new CancellationTokenSource(Patience);
        var log = new StringWriter();
        var done = await ws.Jobs.StreamAsync(second, log, timeout.Token);
        Assert.Equal(JobStatus.Completed, done.Status);
        Assert.Contains("second-agent", log.ToString(), StringComparison.Ordinal);
        var now = JobAgentProcess.ReadInfo(_dir);
        Assert.NotNull(now);
        Assert.NotEqual(first.ProcessId, now.ProcessId);
    }

    [Fact]
    public async Task A_killed_agents_job_command_and_its_background_processes_are_killed_by_the_reader_that_fails_the_job()
    {
        var shellPid = Path.Combine(_dir, "shell.pid");
        var childPid = Path.Combine(_dir, "child.pid");
        var (name, _) = await SubmitAsync($"echo $$ > '{shellPid}.tmp' && mv '{shellPid}.tmp' '{shellPid}'; sleep 300 & echo $! > '{childPid}.tmp' && mv '{childPid}.tmp' '{childPid}'; wait");
        await using var ws = Workspace.Local(_dir);
        await WaitForAsync(() => Task.FromResult(File.Exists(shellPid) && File.Exists(childPid)), "the command and its background child run");
        var shell = int.Parse(await File.ReadAllTextAsync(shellPid), CultureInfo.InvariantCulture);
        var child = int.Parse(await File.ReadAllTextAsync(childPid), CultureInfo.InvariantCulture);
        Assert.True(IsRunning(shell) && IsRunning(child), "both run before the agent dies");
        var first = JobAgentProcess.ReadInfo(_dir) ?? throw new InvalidOperationException("no agent.json");

        using (var agent = Process.GetProcessById(first.ProcessId))
        {
            agent.Kill(); // SIGKILL: the agent cannot stop the job's processes; they are reparented and run on
            await agent.WaitForExitAsync();
        }
        Assert.True(IsRunning(shell), "the agent's death alone does not end the command");

        var dead = await ws.Jobs.GetAsync(name);

        Assert.Equal(JobStatus.Failed, dead.Status);
        Assert.Equal("SupervisorLost", dead.Error!.Code);
        Assert.Contains($"process {shell}", dead.Error.Message, StringComparison.Ordinal);
        await WaitForAsync(() => Task.FromResult(!IsRunning(shell) && !IsRunning(child)), "the job's shell and its background child are gone");
    }

    [Fact]
    public async Task Concurrent_submits_from_4_processes_start_one_agent_that_runs_all_their_jobs()
    {
        var submits = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => SubmitAsync($"echo job-{i}")));

        await using var ws = Workspace.Local(_dir);
        using var timeout = new CancellationTokenSource(Patience);
        foreach (var (name, _) in submits)
        {
            Assert.Equal(JobStatus.Completed, (await ws.Jobs.WaitAsync(name, timeout.Token)).Status);
        }
        var log = await File.ReadAllTextAsync(JobAgentProcess.LogPath(_dir));
        var serving = log.Split('\n').Count(line => line.Contains(" serving '", StringComparison.Ordinal));
        Assert.True(serving == 1, $"one agent served the folder; the log says:\n{log}");
    }

    [Fact]
    public async Task The_agent_stops_by_itself_once_idle_for_its_timeout()
    {
        var (name, _) = await SubmitAsync("true", idleTimeoutSeconds: 1);
        await using var ws = Workspace.Local(_dir);
        using var timeout = new CancellationTokenSource(Patience);
        Assert.Equal(JobStatus.Completed, (await ws.Jobs.WaitAsync(name, timeout.Token)).Status);
        var info = JobAgentProcess.ReadInfo(_dir) ?? throw new InvalidOperationException("no agent.json");
        Assert.Equal(1, info.IdleTimeoutSeconds);

        await WaitForAsync(() => Task.FromResult(!JobAgentProcess.IsRunning(_dir)), "the agent released its lock");
        await WaitForAsync(() => Task.FromResult(!IsAlive(info.ProcessId)), "the agent process ended");
        Assert.False(File.Exists(JobAgentProcess.InfoPath(_dir)));
        Assert.Contains("idle for 1 s; stopping", await File.ReadAllTextAsync(JobAgentProcess.LogPath(_dir)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_jobs_MLflow_client_and_its_Run_GetContext_log_into_the_jobs_run_through_the_agent()
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll");
        var dotnet = JobAgentProcess.FindHost();
        var curl = FindOnPath("curl");
        var command = $"\"{dotnet}\" \"{worker}\" mlflow-log-metric accuracy 0.93 && \"{dotnet}\" \"{worker}\" context";
        if (curl is not null)
        {
            command += " && curl -sf -H \"Authorization: Bearer $MLFLOW_TRACKING_TOKEN\" -H 'Content-Type: application/json' "
                + "-d \"{\\\"run_id\\\":\\\"$MLFLOW_RUN_ID\\\",\\\"key\\\":\\\"curl_metric\\\",\\\"value\\\":7,\\\"timestamp\\\":0,\\\"step\\\":0}\" "
                + "\"$MLFLOW_TRACKING_URI/api/2.0/mlflow/runs/log-metric\"";
        }
        var (name, _) = await SubmitAsync(command);

        await using var ws = Workspace.Local(_dir);
        using var timeout = new CancellationTokenSource(Patience);
        var log = new StringWriter();
        var job = await ws.Jobs.StreamAsync(name, log, timeout.Token);
        Assert.True(job.Status == JobStatus.Completed, $"{job.Status} {job.Error?.Message}\n{log}");
        Assert.Contains("LOGGED accuracy 0.93", log.ToString(), StringComparison.Ordinal);

        var run = await ws.GetRunAsync(name);
        var metrics = await run.GetMetricsAsync();
        Assert.Equal(0.93, metrics["accuracy"].Single().Value);
        Assert.Equal(42, metrics["context_metric"].Single().Value);
        Assert.Contains("mlflow/accuracy.txt", await run.GetFileNamesAsync());
        if (curl is not null)
        {
            Assert.Equal(7, metrics["curl_metric"].Single().Value);
        }
    }

    [Fact]
    public async Task The_agents_MLflow_server_refuses_requests_without_the_jobs_token()
    {
        var (name, _) = await SubmitAsync("sleep 5");
        await using var ws = Workspace.Local(_dir);
        await WaitForAsync(async () => (await ws.Jobs.GetAsync(name)).Status == JobStatus.Running, "the job runs");
        var info = JobAgentProcess.ReadInfo(_dir) ?? throw new InvalidOperationException("no agent.json");

        using var http = new HttpClient();
        using var anonymous = await http.PostAsync(new Uri($"http://127.0.0.1:{info.MlflowPort}/api/2.0/mlflow/experiments/search"), new StringContent("{}"));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("UNAUTHENTICATED", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var wrong = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{info.MlflowPort}/api/2.0/mlflow/experiments/search") { Content = new StringContent("{}") };
        wrong.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "not-the-token");
        using var refused = await http.SendAsync(wrong);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    /// <summary>Submits through a worker process that exits right after; returns the job name and the worker's submit time (ms).</summary>
    private async Task<(string Name, long SubmitMs)> SubmitAsync(string command, int idleTimeoutSeconds = 20)
    {
        var info = new ProcessStartInfo(JobAgentProcess.FindHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll"));
        foreach (var argument in new[] { "submit-job", _dir, "agent-tests", command })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment[JobAgentProcess.IdleTimeoutVariable] = idleTimeoutSeconds.ToString(CultureInfo.InvariantCulture);
        foreach (var variable in new[] { "AZUREML_RUN_ID", "AZUREML_LOCAL_DIR", "MLFLOW_TRACKING_URI", "MLFLOW_RUN_ID", "MLFLOW_TRACKING_TOKEN" })
        {
            info.Environment.Remove(variable);
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker");
        using var timeout = new CancellationTokenSource(Patience);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        var output = (await stdout).Trim();
        Assert.True(process.ExitCode == 0 && output.StartsWith("JOB ", StringComparison.Ordinal), $"worker exited with {process.ExitCode}: {output} {await stderr}");
        var parts = output.Split(' ');
        return (parts[1], long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < Patience, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Whether <paramref name="pid"/> runs (a zombie left unreaped by this container's init counts as ended).</summary>
    private static bool IsRunning(int pid)
    {
        var stat = $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat";
        if (!OperatingSystem.IsLinux())
        {
            return IsAlive(pid);
        }
        try
        {
            var text = File.ReadAllText(stat);
            var state = text[(text.LastIndexOf(')') + 2)..].TrimStart()[0];
            return state is not ('Z' or 'X');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static string? FindOnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, tool))
            .FirstOrDefault(File.Exists);

    private async Task KillAgentAsync()
    {
        if (JobAgentProcess.ReadInfo(_dir) is { } info && IsAlive(info.ProcessId))
        {
            try
            {
                using var agent = Process.GetProcessById(info.ProcessId);
                agent.Kill(entireProcessTree: true);
                await agent.WaitForExitAsync();
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }
    }
}
