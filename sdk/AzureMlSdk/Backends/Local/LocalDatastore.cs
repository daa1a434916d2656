using System.Security.Cryptography;
using AzureMlSdk.Assets;

namespace AzureMlSdk.Backends.Local;

/// <summary>
/// The local workspace's datastores: a folder per datastore under <c>&lt;workspace&gt;/datastores/</c> (Azure ML's four
/// built-in names exist from the start; <c>workspaceblobstore</c> is the default). URIs are Azure ML's
/// <c>azureml://datastores/&lt;name&gt;/paths/&lt;path&gt;</c> (the long form with subscription and workspace is read too).
/// </summary>
/// <remarks>
/// <para>Upload: a file goes to <c>destinationPath</c> itself, or into it under its own name when <c>destinationPath</c> ends with
/// '/'; a folder's files go below <c>destinationPath</c>. Each file is copied to the workspace's <c>tmp/</c> folder, read back and
/// checked against the SHA-256 of what was read from the source, then moved into place: readers see the old file or the whole new
/// one, never a partial file, and a mismatch fails the upload leaving nothing behind.</para>
/// <para>Download: a file URI is written as <c>destination/&lt;file name&gt;</c>; a folder URI's files are written below
/// <c>destination</c> (its content, not the folder itself), each through a temp file checked the same way.</para>
/// <para><see cref="TryGetLocalPath"/> answers every existing file or folder: a local job reads datastore content in place.</para>
/// </remarks>
internal sealed class LocalDatastore : IDatastoreBackend
{
    /// <summary>The datastores every workspace has (Azure ML creates the same four).</summary>
    internal static readonly string[] BuiltIn = ["workspaceblobstore", "workspaceartifactstore", "workspacefilestore", "workspaceworkingdirectory"];

    private const string PartialSuffix = ".azureml-partial";
    private const int BufferSize = 1024 * 1024;

    private readonly string _root;
    private readonly string _tempRoot;

    public LocalDatastore(string workspaceRoot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workspaceRoot);
        var root = Path.GetFullPath(workspaceRoot);
        _root = Path.Combine(root, "datastores");
        _tempRoot = LocalArtifactStore.TempFolder(root);
    }

    /// <summary>The folder that holds the datastores.</summary>
    internal string Root => _root;

    public string DefaultDatastoreName => "workspaceblobstore";

    /// <summary>The URI of <paramref name="path"/> ('/'-separated, relative) in datastore <paramref name="datastore"/> (default: the default one).</summary>
    public static string UriOf(string? datastore, string path) =>
        $"azureml://datastores/{datastore ?? "workspaceblobstore"}/paths/{path.TrimStart('/')}";

    public async Task<string> UploadAsync(string localPath, string destinationPath, string? datastoreName, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(localPath);
        var datastore = DatastoreFolder(datastoreName ?? DefaultDatastoreName);
        var intoFolder = destinationPath.EndsWith('/') || destinationPath.EndsWith('\\');
        var relative = ValidPath(destinationPath, nameof(destinationPath));
        var source = Path.GetFullPath(localPath);
        var reporter = RunningTotal.Of(progress);
        if (File.Exists(source))
        {
            var targetRelative = intoFolder || relative.Length == 0 ? Combine(relative, Path.GetFileName(source)) : relative;
            await CopyVerifiedAsync(source, Target(datastore, targetRelative), reporter, cancellationToken).ConfigureAwait(false);
            return UriOf(datastoreName ?? DefaultDatastoreName, targetRelative);
        }
        if (Directory.Exists(source))
        {
            var targetFolder = relative.Length == 0 ? datastore : Target(datastore, relative);
            if (File.Exists(targetFolder))
            {
                throw new InvalidInputException($"'{UriOf(datastoreName, relative)}' is a file; a folder cannot be uploaded over it.", nameof(destinationPath));
            }
            Directory.CreateDirectory(targetFolder);
            foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                var rel = Path.GetRelativePath(source, file).Replace('\\', '/');
                await CopyVerifiedAsync(file, Target(datastore, Combine(relative, rel)), reporter, cancellationToken).ConfigureAwait(false);
            }
            return UriOf(datastoreName ?? DefaultDatastoreName, relative.Length == 0 ? "" : relative + "/");
        }
        throw new ResourceNotFoundException($"'{localPath}' does not exist: nothing to upload.");
    }

    public async Task<IReadOnlyList<string>> DownloadAsync(string datastoreUri, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(destinationDirectory);
        var source = Resolve(datastoreUri, mustExist: true)!;
        var destination = Path.GetFullPath(destinationDirectory);
        Directory.CreateDirectory(destination);
        var reporter = RunningTotal.Of(progress);
        var written = new List<string>();
        if (File.Exists(source))
        {
            var target = DownloadTargets.Resolve(destination, Path.GetFileName(source), "File");
            await CopyVerifiedAsync(source, target, reporter, cancellationToken).ConfigureAwait(false);
            written.Add(target);
            return written;
        }
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (file.EndsWith(PartialSuffix, StringComparison.Ordinal))
            {
                continue;
            }
            var rel = Path.GetRelativePath(source, file);
            var target = DownloadTargets.Resolve(destination, rel, "File");
            await CopyVerifiedAsync(file, target, reporter, cancellationToken).ConfigureAwait(false);
            written.Add(target);
        }
        return written;
    }

    public Task<IReadOnlyList<DatastoreFile>> ListFilesAsync(string datastoreUri, CancellationToken cancellationToken)
    {
        try
        {
            var source = Resolve(datastoreUri, mustExist: false);
            var files = new List<DatastoreFile>();
            if (source is not null && File.Exists(source))
            {
                files.Add(new DatastoreFile(Path.GetFileName(source), new FileInfo(source).Length));
            }
            else if (source is not null && Directory.Exists(source))
            {
                foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    if (!file.EndsWith(PartialSuffix, StringComparison.Ordinal))
                    {
                        files.Add(new DatastoreFile(Path.GetRelativePath(source, file).Replace('\\', '/'), new FileInfo(file).Length));
                    }
                }
                files.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            }
            return Task.FromResult<IReadOnlyList<DatastoreFile>>(files);
        }
        catch (Exception ex)
        {
            return Task.FromException<IReadOnlyList<DatastoreFile>>(ex);
        }
    }

    public string? TryGetLocalPath(string datastoreUri)
    {
        var path = Resolve(datastoreUri, mustExist: false);
        return path is not null && (File.Exists(path) || Directory.Exists(path)) ? path : null;
    }

    /// <summary>The local path of <paramref name="datastoreUri"/> whether or not anything is there yet (job outputs are written there).</summary>
    internal string PathOf(string datastoreUri) => Resolve(datastoreUri, mustExist: false)!;

    /// <summary>
    /// The local path of a datastore URI; throws <see cref="InvalidInputException"/> for a URI that is not a datastore path or escapes
    /// its datastore, <see cref="ResourceNotFoundException"/> for an unknown datastore or (when <paramref name="mustExist"/>) a missing path.
    /// </summary>
    private string? Resolve(string datastoreUri, bool mustExist)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(datastoreUri);
        var reference = AssetReference.Parse(datastoreUri);
        if (reference.Kind != AssetReferenceKind.DatastorePath || string.IsNullOrEmpty(reference.Datastore))
        {
            throw new InvalidInputException($"'{Validate.Shorten(datastoreUri)}' is not a datastore URI; write azureml://datastores/<name>/paths/<path>.", "datastoreUri");
        }
        var folder = DatastoreFolder(reference.Datastore);
        var relative = ValidPath(Uri.UnescapeDataString(reference.Path ?? ""), "datastoreUri");
        var path = relative.Length == 0 ? folder : Target(folder, relative);
        if (mustExist && !File.Exists(path) && !Directory.Exists(path))
        {
            throw new ResourceNotFoundException($"Nothing is stored at '{datastoreUri}' in the local workspace.");
        }
        return path;
    }

    private string DatastoreFolder(string name)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\', ':']) >= 0 || name is "." or "..")
        {
            throw new InvalidInputException($"Datastore name '{name}' is invalid.", "datastoreName");
        }
        var folder = Path.Combine(_root, name);
        if (!Directory.Exists(folder))
        {
            if (!BuiltIn.Contains(name, StringComparer.Ordinal))
            {
                throw new ResourceNotFoundException($"Datastore '{name}' does not exist in the local workspace; it has {string.Join(", ", BuiltIn)}.");
            }
            Directory.CreateDirectory(folder);
        }
        return folder;
    }

    /// <summary>A relative datastore path: '/'-separated, no '.', '..' or empty segments; "" for the datastore's root.</summary>
    private static string ValidPath(string path, string parameterName)
    {
        var normalized = (path ?? "").Replace('\\', '/').Trim('/');
        if (normalized.Length == 0)
        {
            return "";
        }
        if (Path.IsPathRooted(path) && !path!.StartsWith('/') || (normalized.Length >= 2 && normalized[1] == ':'))
        {
            throw new InvalidInputException($"Datastore path '{Validate.Shorten(path!)}' must be relative.", parameterName);
        }
        foreach (var segment in normalized.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".." || segment.Any(char.IsControl))
            {
                throw new InvalidInputException($"Datastore path '{Validate.Shorten(path!)}' is invalid: it may not contain empty, '.' or '..' segments or control characters.", parameterName);
            }
        }
        return normalized;
    }

    private static string Combine(string a, string b) => a.Length == 0 ? b : a + "/" + b;

    private static string Target(string datastoreFolder, string relative)
    {
        var target = Path.GetFullPath(Path.Combine(datastoreFolder, relative.Replace('/', Path.DirectorySeparatorChar)));
        var rest = Path.GetRelativePath(datastoreFolder, target);
        if (rest.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(rest))
        {
            throw new InvalidInputException($"Datastore path '{Validate.Shorten(relative)}' escapes its datastore.", "path");
        }
        return target;
    }

    /// <summary>
    /// Copies <paramref name="source"/> to <paramref name="target"/> through a temp file: hashes what is read, reads the temp file back
    /// and compares, then moves it into place. A mismatch (or any failure) deletes the temp file and throws.
    /// </summary>
    internal async Task CopyVerifiedAsync(string source, string target, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var parent = Path.GetDirectoryName(target)!;
        if (File.Exists(parent))
        {
            throw new InvalidInputException($"'{target}' cannot be written: '{parent}' is a file.", "path");
        }
        Directory.CreateDirectory(parent);
        if (Directory.Exists(target))
        {
            throw new InvalidInputException($"'{target}' is a folder; a file cannot replace it.", "path");
        }
        Directory.CreateDirectory(_tempRoot);
        var temporary = TempFiles.Owned(_tempRoot, PartialSuffix);
        try
        {
            byte[] sourceHash;
            await using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1, FileOptions.Asynchronous | FileOptions.SequentialScan))
            await using (var output = new FileStream(temporary, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, BufferSize = 1, Options = FileOptions.Asynchronous, PreallocationSize = input.Length }))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(BufferSize);
                try
                {
                    int read;
                    while ((read = await input.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        hash.AppendData(buffer, 0, read);
                        await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                        progress?.Report(read);
                    }
                }
                finally
                {
                    System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
                }
                await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                sourceHash = hash.GetHashAndReset();
            }
            byte[] writtenHash;
            await using (var check = new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan))
            {
                writtenHash = await SHA256.HashDataAsync(check, cancellationToken).ConfigureAwait(false);
            }
            if (!sourceHash.AsSpan().SequenceEqual(writtenHash))
            {
                throw new IOException($"The copy of '{source}' to '{target}' does not match its SHA-256 ({Convert.ToHexStringLower(sourceHash)} read, {Convert.ToHexStringLower(writtenHash)} written); nothing was kept.");
            }
            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // swept at the next open
            }
            throw;
        }
    }

    /// <summary>Reports the running total of the byte counts reported to it, synchronously, to the caller's progress.</summary>
    internal sealed class RunningTotal(IProgress<long> inner) : IProgress<long>
    {
        private long _total;

        public static RunningTotal? Of(IProgress<long>? progress) => progress is null ? null : new RunningTotal(progress);

        public void Report(long value) => inner.Report(Interlocked.Add(ref _total, value));
    }
}
