using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MAB.DotIgnore;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// What of a code folder a snapshot holds, as azure-ai-ml decides it: the folder's <c>.amlignore</c> if it has one, else its
/// <c>.gitignore</c>, with git's pattern rules (negation, anchoring, <c>**</c>, folder-only patterns; a file inside an ignored
/// folder cannot be re-included). Ignored folders are not entered. Symbolic links to folders are not followed (no cycles);
/// links to files are read as files. Azure's snapshot limits (<see cref="MaxFiles"/>, <see cref="MaxBytes"/>) are checked
/// while walking, so a huge folder fails fast.
/// </summary>
internal static class CodeFolder
{
    /// <summary>Azure ML's snapshot limit on files.</summary>
    public const int MaxFiles = 2000;

    /// <summary>Azure ML's snapshot limit on size (300 MB).</summary>
    public const long MaxBytes = 300L * 1024 * 1024;

    /// <summary>One file of a snapshot.</summary>
    /// <param name="RelativePath">'/'-separated path in the snapshot.</param>
    /// <param name="FullPath">Where it is on disk.</param>
    /// <param name="Length">Size in bytes.</param>
    public sealed record Entry(string RelativePath, string FullPath, long Length);

    /// <summary>
    /// The files of <paramref name="path"/> (a folder, or one file) that a snapshot holds, sorted by relative path (ordinal).
    /// Throws <see cref="ResourceNotFoundException"/> when it does not exist, <see cref="InvalidInputException"/> past the limits.
    /// </summary>
    public static IReadOnlyList<Entry> List(string path, int maxFiles = MaxFiles, long maxBytes = MaxBytes)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            var info = new FileInfo(full);
            return [new Entry(info.Name, full, info.Length)];
        }
        if (!Directory.Exists(full))
        {
            throw new ResourceNotFoundException($"The code folder '{path}' does not exist.");
        }
        var ignore = IgnoreFileOf(full, out var ignoreFile);
        var entries = new List<Entry>();
        long total = 0;
        var pending = new Stack<string>();
        pending.Push(full);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var item in new DirectoryInfo(folder).EnumerateFileSystemInfos())
            {
                var relative = Path.GetRelativePath(full, item.FullName).Replace('\\', '/');
                var isFolder = item is DirectoryInfo;
                if (ignore is not null && ignore.IsIgnored(relative, isFolder))
                {
                    continue;
                }
                if (isFolder)
                {
                    if (item.LinkTarget is null)
                    {
                        pending.Push(item.FullName);
                    }
                    continue;
                }
                long length;
                try
                {
                    length = item.LinkTarget is null ? ((FileInfo)item).Length : new FileInfo(item.FullName).Length;
                    if (item.LinkTarget is not null && !File.Exists(item.FullName))
                    {
                        continue; // a dangling link
                    }
                }
                catch (FileNotFoundException)
                {
                    continue;
                }
                entries.Add(new Entry(relative, item.FullName, length));
                total += length;
                if (entries.Count > maxFiles || total > maxBytes)
                {
                    throw TooBig(path, ignoreFile, entries.Count, total, maxFiles, maxBytes);
                }
            }
        }
        entries.Sort((a, b) => string.CompareOrdinal(a.RelativePath, b.RelativePath));
        return entries;
    }

    /// <summary>
    /// The content hash of a snapshot: SHA-256 over each file's relative path, length and content, in the order given
    /// (<see cref="List"/>'s). Lowercase hex.
    /// </summary>
    public static async Task<string> HashAsync(IReadOnlyList<Entry> entries, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        foreach (var entry in entries)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{entry.RelativePath}\0{entry.Length}\0")));
            await using var stream = new FileStream(entry.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The ignore rules of <paramref name="folder"/>: its <c>.amlignore</c>, else its <c>.gitignore</c>, else none.</summary>
    public static IgnoreList? IgnoreFileOf(string folder, out string? file)
    {
        foreach (var name in new[] { ".amlignore", ".gitignore" })
        {
            var candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
            {
                file = candidate;
                return new IgnoreList(candidate);
            }
        }
        file = null;
        return null;
    }

    private static InvalidInputException TooBig(string path, string? ignoreFile, int files, long bytes, int maxFiles, long maxBytes)
    {
        var what = files > maxFiles
            ? string.Create(CultureInfo.InvariantCulture, $"more than {maxFiles} files")
            : string.Create(CultureInfo.InvariantCulture, $"more than {maxBytes / (1024 * 1024)} MB");
        var rules = ignoreFile is null ? "it has no .amlignore or .gitignore" : $"after the rules of '{Path.GetFileName(ignoreFile)}'";
        return new InvalidInputException(
            $"The code folder '{path}' holds {what} ({rules}); an Azure ML code snapshot is limited to {maxFiles} files and {maxBytes / (1024 * 1024)} MB. "
            + "List what the job does not need (data, outputs, virtual environments, build output) in an .amlignore file in that folder, or move data to a data input.",
            "code");
    }
}
