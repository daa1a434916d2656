using System.Security.Cryptography;
using System.Text;

namespace AzureMlSdk.Assets;

/// <summary>
/// The content hash of a local file or folder, naming where its upload goes (<c>LocalUpload/&lt;hash&gt;/&lt;name&gt;</c>, as
/// azure-ai-ml names uploads of data and build contexts), so the same content is uploaded once. SHA-256 over each file's
/// '/'-separated relative path and its bytes, in ordinal path order; a single file is hashed by its name and bytes.
/// </summary>
internal static class ContentHash
{
    /// <summary>The lower-case hex SHA-256 of <paramref name="path"/> (a file or a folder).</summary>
    public static async Task<string> ComputeAsync(string path, CancellationToken cancellationToken)
    {
        using var total = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (File.Exists(path))
        {
            await AppendAsync(total, Path.GetFileName(path), path, cancellationToken).ConfigureAwait(false);
        }
        else if (Directory.Exists(path))
        {
            var root = Path.GetFullPath(path);
            var files = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
                .Select(f => (Relative: Path.GetRelativePath(root, f).Replace('\\', '/'), Full: f))
                .OrderBy(f => f.Relative, StringComparer.Ordinal);
            foreach (var (relative, full) in files)
            {
                await AppendAsync(total, relative, full, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            throw new InvalidInputException($"'{path}' does not exist.", "path");
        }
        return Convert.ToHexStringLower(total.GetHashAndReset());
    }

    private static async Task AppendAsync(IncrementalHash total, string relative, string file, CancellationToken cancellationToken)
    {
        total.AppendData(Encoding.UTF8.GetBytes(relative));
        total.AppendData([0]);
        await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var content = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        total.AppendData(content);
    }
}
