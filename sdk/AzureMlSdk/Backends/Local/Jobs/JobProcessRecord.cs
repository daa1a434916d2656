using System.Diagnostics;
using System.Globalization;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Which process runs a job's command, written beside its log (<c>&lt;workspace&gt;/jobs/&lt;name&gt;/process</c>: host, pid, start time,
/// whether it leads its own process group) while it runs, so that a reader who finds the job's supervisor dead
/// (<see cref="LocalJobStore.FailOrphans"/>) can kill what the supervisor left running: a SIGKILLed agent cannot kill its jobs' processes,
/// which then run on, reparented, holding files, ports and GPU memory. On Unix the command's shell leads a process group of its own
/// (<c>setsid</c>), so the group kill also reaches the background processes it started. A pid is trusted only on the same host and only
/// while the process it names has the recorded start time (pids are reused).
/// </summary>
internal static class JobProcessRecord
{
    private const string FileName = "process";

    /// <summary>The <c>setsid</c> tool that starts the command's shell as a process group leader; null when there is none (Windows, macOS).</summary>
    internal static string? SetSid { get; } = OperatingSystem.IsWindows() ? null : new[] { "/usr/bin/setsid", "/bin/setsid" }.FirstOrDefault(File.Exists);

    /// <summary>Records <paramref name="process"/> (just started) as the command of the job whose folder is <paramref name="jobFolder"/>.</summary>
    public static void Write(string jobFolder, Process process, bool groupLeader)
    {
        try
        {
            var started = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds();
            var text = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}\n{process.Id}\n{started}\n{(groupLeader ? 1 : 0)}\n");
            Directory.CreateDirectory(jobFolder);
            var path = Path.Combine(jobFolder, FileName);
            var temp = path + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // best effort: without the record a lost supervisor's command is not killed by readers (as before)
        }
    }

    /// <summary>Forgets the record once the job's command has ended and its group was cleaned up.</summary>
    public static void Clear(string jobFolder)
    {
        try
        {
            File.Delete(Path.Combine(jobFolder, FileName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a stale record names a process that is gone (or another one, refused by its start time)
        }
    }

    /// <summary>
    /// Kills the recorded command of the job in <paramref name="jobFolder"/> if it still runs (its process group, else its process tree),
    /// and forgets the record. Returns the pid killed, or null when nothing recorded was running on this host.
    /// </summary>
    public static int? KillLeftover(string jobFolder)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(jobFolder, FileName));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (lines.Length < 4
            || !string.Equals(lines[0], Environment.MachineName, StringComparison.OrdinalIgnoreCase)
            || !int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            || !long.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out var startedMs)
            || pid == Environment.ProcessId)
        {
            return null;
        }
        var groupLeader = lines[3] == "1";
        Process? leader = null;
        try
        {
            leader = Process.GetProcessById(pid);
            if (leader.HasExited)
            {
                leader.Dispose();
                leader = null;
            }
            else if (Math.Abs(new DateTimeOffset(leader.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() - startedMs) > 1000)
            {
                leader.Dispose();
                Clear(jobFolder);
                return null; // the pid names another process now: not ours to kill (nor its group)
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            leader?.Dispose();
            leader = null; // no such process (or not ours to see)
        }
        int? killed = null;
        using (leader)
        {
            // With the leader gone the group may still hold what its shell started in the background; its id cannot have been reused
            // while any member lives (the kernel keeps a process group's id allocated), so the group kill reaches only ours.
            if (groupLeader)
            {
                KillGroup(pid);
            }
            if (leader is not null)
            {
                try
                {
                    leader.Kill(entireProcessTree: true);
                }
                catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
                {
                    // ended meanwhile
                }
                killed = pid;
            }
        }
        Clear(jobFolder);
        return killed;
    }

    /// <summary>SIGKILL to process group <paramref name="pgid"/> (the command's shell and everything it started that stayed in its group).</summary>
    internal static void KillGroup(int pgid)
    {
        if (OperatingSystem.IsWindows() || pgid <= 1)
        {
            return;
        }
        try
        {
            var start = new ProcessStartInfo("kill") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { "-KILL", "--", "-" + pgid.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }
            using var kill = Process.Start(start);
            if (kill is not null && !kill.WaitForExit(5000))
            {
                kill.Kill();
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // no kill tool: the tree kill still ran
        }
    }
}
