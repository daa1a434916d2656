using System.Text.Json;
using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests.Jobs.Local;

/// <summary>The job agent's files and launch command as the core sees them (the agent process itself: integration tests).</summary>
public sealed class JobAgentProcessTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "azureml-agentproc-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void The_folder_lock_is_exclusive_until_released()
    {
        Assert.False(JobAgentProcess.IsRunning(_dir));
        using (var held = JobAgentProcess.TryLock(_dir))
        {
            Assert.NotNull(held);
            Assert.Null(JobAgentProcess.TryLock(_dir));
            Assert.True(JobAgentProcess.IsRunning(_dir));
        }
        Assert.False(JobAgentProcess.IsRunning(_dir));
        using var again = JobAgentProcess.TryLock(_dir);
        Assert.NotNull(again);
    }

    [Fact]
    public void The_agent_is_started_detached_with_dotnet_exec_this_apps_deps_and_a_runtimeconfig_naming_aspnetcore()
    {
        var info = JobAgentProcess.StartInfo(_dir, "/opt/app/AzureMlSdk.Server.dll", TimeSpan.FromSeconds(30));
        var args = info.ArgumentList.ToList();

        Assert.Equal("/bin/sh", info.FileName);
        Assert.Contains("setsid", args[1], StringComparison.Ordinal);
        Assert.Contains("</dev/null", args[1], StringComparison.Ordinal);
        var exec = args.IndexOf("exec");
        Assert.True(exec > 0, string.Join(' ', args));
        Assert.EndsWith("dotnet", args[exec - 1], StringComparison.Ordinal);
        var runtimeConfig = args[args.IndexOf("--runtimeconfig") + 1];
        var deps = args[args.IndexOf("--depsfile") + 1];
        Assert.EndsWith("AzureMlSdk.Tests.deps.json", deps, StringComparison.Ordinal);
        Assert.Equal(["/opt/app/AzureMlSdk.Server.dll", "job-agent", "--workspace", Path.GetFullPath(_dir), "--idle-timeout", "30000ms"], args.Skip(args.IndexOf("/opt/app/AzureMlSdk.Server.dll")));
        Assert.Equal(JobAgentProcess.LogPath(_dir), info.Environment["AZUREML_JOB_AGENT_LOG"]);

        using var config = JsonDocument.Parse(File.ReadAllText(runtimeConfig));
        var frameworks = config.RootElement.GetProperty("runtimeOptions").GetProperty("frameworks").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString(), f.GetProperty("version").GetString())).ToList();
        var version = $"{Environment.Version.Major}.{Environment.Version.Minor}.0";
        Assert.Equal([("Microsoft.NETCore.App", version), ("Microsoft.AspNetCore.App", version)], frameworks);
    }

    [Fact]
    public void Without_the_server_package_the_error_names_it()
    {
        var error = JobAgentProcess.MissingError();
        Assert.Contains("dotnet add package AzureMlSdk.Server", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_idle_timeout_comes_from_the_environment_in_seconds()
    {
        var before = Environment.GetEnvironmentVariable(JobAgentProcess.IdleTimeoutVariable);
        try
        {
            Environment.SetEnvironmentVariable(JobAgentProcess.IdleTimeoutVariable, "2.5");
            Assert.Equal(TimeSpan.FromSeconds(2.5), JobAgentProcess.ConfiguredIdleTimeout());
            Environment.SetEnvironmentVariable(JobAgentProcess.IdleTimeoutVariable, "soon");
            Assert.Null(JobAgentProcess.ConfiguredIdleTimeout());
        }
        finally
        {
            Environment.SetEnvironmentVariable(JobAgentProcess.IdleTimeoutVariable, before);
        }
    }

    [Fact]
    public void Agent_info_round_trips_through_its_file()
    {
        JobAgentProcess.TryLock(_dir)?.Dispose(); // creates the folder
        var info = new JobAgentInfo { ProcessId = 42, MlflowPort = 5123, StartedAt = DateTimeOffset.UnixEpoch, IdleTimeoutSeconds = 300, SupervisorId = "s" };
        JobAgentProcess.WriteInfo(_dir, info);
        Assert.Equal(info, JobAgentProcess.ReadInfo(_dir));
        Assert.DoesNotContain("token", File.ReadAllText(JobAgentProcess.InfoPath(_dir)), StringComparison.OrdinalIgnoreCase);
    }
}
