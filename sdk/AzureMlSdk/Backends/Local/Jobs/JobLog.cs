using System.Text;
using System.Text.RegularExpressions;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// A job's main log file (<c>user_logs/std_log.txt</c>), appended line by line and flushed at once (readers follow it live). Every line
/// passes through <see cref="Mask"/>: the values of environment variables whose names look secret (<see cref="LooksSecret"/>) are
/// replaced by <c>***</c>, so a command that prints its token does not leak it to the log, the job's error or its run's artifacts.
/// The last lines are kept for the error of a failed job.
/// </summary>
internal sealed partial class JobLog : IAsyncDisposable
{
    private const int TailLines = 20;
    private readonly FileStream _file;
    private readonly Lock _lock = new();
    private readonly string[] _secrets;
    private readonly Queue<string> _tail = new();

    public JobLog(string path, IEnumerable<string> secrets)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        FilePath = path;
        _file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 4096);
        // Longest first, so a secret that contains another is masked whole.
        _secrets = secrets.Where(s => s.Length >= 4).Distinct(StringComparer.Ordinal).OrderByDescending(s => s.Length).ToArray();
    }

    /// <summary>The log file.</summary>
    public string FilePath { get; }

    /// <summary>Appends one line (masked) and flushes it.</summary>
    public void WriteLine(string line)
    {
        var masked = Mask(line);
        var bytes = Encoding.UTF8.GetBytes(masked + "\n");
        lock (_lock)
        {
            _file.Write(bytes);
            _file.Flush();
            _tail.Enqueue(masked);
            if (_tail.Count > TailLines)
            {
                _tail.Dequeue();
            }
        }
    }

    /// <summary>The last lines written (at most 20), masked.</summary>
    public IReadOnlyList<string> Tail()
    {
        lock (_lock)
        {
            return _tail.ToList();
        }
    }

    /// <summary><paramref name="text"/> with every known secret value replaced by <c>***</c>.</summary>
    public string Mask(string text)
    {
        foreach (var secret in _secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }
        return text;
    }

    /// <summary>
    /// True for variable names that usually hold secrets: containing KEY, SECRET, TOKEN, PASSWORD, PASSWD, PWD (not as part of a
    /// longer word such as <c>PWD</c> the working folder), CREDENTIAL, CONNECTION_STRING, SAS, AUTH or PRIVATE (any case).
    /// </summary>
    public static bool LooksSecret(string name) =>
        !string.Equals(name, "PWD", StringComparison.OrdinalIgnoreCase) && !string.Equals(name, "OLDPWD", StringComparison.OrdinalIgnoreCase) && SecretName().IsMatch(name);

    [GeneratedRegex(@"(KEY|SECRET|TOKEN|PASSWORD|PASSWD|PWD|CREDENTIAL|CONNECTION_?STRING|(^|_)SAS($|_)|AUTH|PRIVATE)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SecretName();

    public ValueTask DisposeAsync() => _file.DisposeAsync();
}
