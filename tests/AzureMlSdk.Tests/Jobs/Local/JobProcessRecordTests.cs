using System.Diagnostics;
using System.Globalization;
using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests.Jobs.Local;

/// <summary>
/// The record of a job's running command that lets a reader kill what a dead supervisor left behind: it kills the recorded process (and
/// its group) only when the pid still names the process recorded — same host, same start time — never a process that reused the id.
/// </summary>
public sealed class JobProcessRecordTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "azureml-jobproc-" + Guid.NewGuid().ToString("N"));

    public JobProcessRecordTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static Process Sleep()
    {
        var start = new ProcessStartInfo(JobProcessRecord.SetSid ?? "/bin/sh") { UseShellExecute = false };
        if (JobProcessRecord.SetSid is not null)
        {
            start.ArgumentList.Add("/bin/sh");
        }
        foreach (var argument in new[] { "-c", "sleep 120" })
        {
            start.ArgumentList.Add(argument);
        }
        return Process.Start(start)!;
    }

    private string RecordPath => Path.Combine(_folder, "process");

    [Fact]
    public async Task The_recorded_command_is_killed_and_the_record_forgotten()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        using var sleeper = Sleep();
        try
        {
            JobProcessRecord.Write(_folder, sleeper, JobProcessRecord.SetSid is not null);
            Assert.True(File.Exists(RecordPath));

            var killed = JobProcessRecord.KillLeftover(_folder);

            Assert.Equal(sleeper.Id, killed);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await sleeper.WaitForExitAsync(timeout.Token);
            Assert.False(File.Exists(RecordPath));
            Assert.Null(JobProcessRecord.KillLeftover(_folder)); // nothing recorded any more
        }
        finally
        {
            if (!sleeper.HasExited)
            {
                sleeper.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [InlineData("another-host", 0)]     // a shared folder: another machine's pid means nothing here
    [InlineData(null, -3_600_000)]      // same pid, but the process started an hour later than recorded: the id was reused
    public void A_record_of_another_host_or_a_reused_pid_kills_nothing(string? host, long startShiftMs)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        using var sleeper = Sleep();
        try
        {
            var started = new DateTimeOffset(sleeper.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() + startShiftMs;
            File.WriteAllText(RecordPath, string.Create(CultureInfo.InvariantCulture, $"{host ?? Environment.MachineName}\n{sleeper.Id}\n{started}\n1\n"));

            Assert.Null(JobProcessRecord.KillLeftover(_folder));

            Assert.False(sleeper.WaitForExit(200)); // still running
        }
        finally
        {
            sleeper.Kill(entireProcessTree: true);
            sleeper.WaitForExit();
        }
    }
}
