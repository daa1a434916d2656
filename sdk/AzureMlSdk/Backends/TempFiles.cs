using System.Diagnostics;
using System.Globalization;

namespace AzureMlSdk.Backends;

/// <summary>
/// Short, owner-stamped temporary file names, and the sweep that removes those a dead process left behind.
/// <list type="bullet">
/// <item>A temp name never grows with its target's name (a 255-character file name is legal, and a temp name that appends
/// to it is not): <see cref="Beside"/> gives <c>.azureml-&lt;8 hex&gt;.partial</c> in the target's folder (25 characters);
/// <see cref="Owned"/> gives <c>&lt;pid&gt;-&lt;16 hex&gt;&lt;suffix&gt;</c> in a workspace temp folder.</item>
/// <item><see cref="Sweep"/> deletes an owned temp file when its owner is dead (no process with that id, or one started after
/// the file was last written — the id was reused), and any temp file untouched for <see cref="AbandonedAfter"/>.</item>
/// </list>
/// </summary>
internal static class TempFiles
{
    /// <summary>How long any temp file must have been left untouched before a sweep removes it whatever its name says.</summary>
    internal static readonly TimeSpan AbandonedAfter = TimeSpan.FromHours(24);

    /// <summary>A temp name in <paramref name="target"/>'s folder, 25 characters whatever the target's name.</summary>
    public static string Beside(string target) =>
        Path.Combine(Path.GetDirectoryName(target) ?? ".", $".azureml-{Random.Shared.Next():x8}.partial");

    /// <summary>A temp name in <paramref name="folder"/> stamped with this process's id: <c>&lt;pid&gt;-&lt;16 hex&gt;&lt;suffix&gt;</c>.</summary>
    public static string Owned(string folder, string suffix) =>
        Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Random.Shared.NextInt64():x16}{suffix}"));

    /// <summary>
    /// Deletes, in <paramref name="folder"/> (not below), the temp files whose owner process is dead, and every file untouched for
    /// <see cref="AbandonedAfter"/>. Files in use or already gone are skipped. Returns how many were deleted.
    /// </summary>
    public static int Sweep(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return 0;
        }
        var deleted = 0;
        var cutoff = DateTime.UtcNow - AbandonedAfter; // file times are the OS clock, not an injected one
        IEnumerable<string> files;
        try
        {
            files = Directory.EnumerateFiles(folder).ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
        foreach (var file in files)
        {
            try
            {
                var written = File.GetLastWriteTimeUtc(file);
                if (written < cutoff || OwnerIsDead(Path.GetFileName(file), written))
                {
                    File.Delete(file);
                    deleted++;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Held open by another process: it is not abandoned, or the next sweep removes it.
            }
        }
        return deleted;
    }

    /// <summary>True when <paramref name="fileName"/> names an owner (<c>&lt;pid&gt;-…</c>) that no longer runs.</summary>
    internal static bool OwnerIsDead(string fileName, DateTime lastWriteUtc)
    {
        var dash = fileName.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !int.TryParse(fileName.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return false; // not an owned name: only its age decides
        }
        return !ProcessIsAlive(pid, lastWriteUtc);
    }

    /// <summary>True when process <paramref name="pid"/> runs and started no later than <paramref name="notStartedAfterUtc"/>.</summary>
    internal static bool ProcessIsAlive(int pid, DateTime notStartedAfterUtc)
    {
        if (pid == Environment.ProcessId)
        {
            return true;
        }
        try
        {
            using var process = Process.GetProcessById(pid);
            if (process.HasExited)
            {
                return false;
            }
            // A process started after the owner's last sign of life reuses its id: the owner is dead.
            return process.StartTime.ToUniversalTime() <= notStartedAfterUtc.AddSeconds(1);
        }
        catch (ArgumentException)
        {
            return false; // no such process
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException or UnauthorizedAccessException)
        {
            return true; // cannot tell: assume alive, the age rule still applies
        }
    }

    /// <summary>
    /// The SDK error for a path the file system refuses as too long (a segment over 255 bytes, or the whole path over the OS
    /// limit): an <see cref="InvalidInputException"/> naming the path, in place of a raw <see cref="PathTooLongException"/>.
    /// </summary>
    public static InvalidInputException TooLong(string path, string parameterName, Exception inner) =>
        new($"Path '{Validate.Shorten(path)}' is too long for the file system (each name at most 255 bytes, the whole path at most the OS limit).", parameterName, innerException: inner);
}

/// <summary>Where downloads may write: below the folder the caller named, never through a symbolic link found inside it.</summary>
internal static class DownloadTargets
{
    /// <summary>
    /// The full path of <paramref name="relative"/> under <paramref name="root"/> (itself a full path), after checking that it stays
    /// below the root and that no folder or file on the way from the root to it is a symbolic link (or another reparse point):
    /// a link placed in the destination (a folder linked to <c>/etc</c>, a file linked to <c>~/.bashrc</c>) would make the
    /// download write outside the destination. The root itself may be a link: the caller chose it.
    /// </summary>
    public static string Resolve(string root, string relative, string what)
    {
        var target = Path.GetFullPath(Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar)));
        var rest = Path.GetRelativePath(root, target);
        if (rest == "." || rest.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rest))
        {
            throw new InvalidInputException($"{what} '{Validate.Shorten(relative)}' would be written outside '{root}'.", "path");
        }
        var current = root;
        foreach (var part in rest.Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(current) ? new DirectoryInfo(current) : new FileInfo(current);
            if (info.Exists || info.LinkTarget is not null)
            {
                if (info.LinkTarget is not null || info.Attributes.HasFlag(FileAttributes.ReparsePoint))
                {
                    throw new InvalidInputException(
                        $"{what} '{Validate.Shorten(relative)}' would be written through '{current}', a symbolic link inside the destination; the download refuses to follow links. Remove the link or choose another folder.", "path");
                }
            }
            else
            {
                break; // the rest does not exist yet: nothing on it can be a link
            }
        }
        return target;
    }
}
