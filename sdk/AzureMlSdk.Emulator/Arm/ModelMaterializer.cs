using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using AzureMlSdk.Backends;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// Makes a workspace's ARM model versions (metadata in <see cref="ModelAssetStore"/>, files in the workspace's blob container
/// under the version's <c>modelUri</c>) available as local folders, for the local backend's hosts. A version's files are
/// downloaded once into <c>&lt;workspace&gt;/model-cache/&lt;name&gt;/&lt;version&gt;-&lt;uri hash&gt;/</c> (checked against the
/// SDK's SHA-256 manifest when the version has one) and reused by every deployment of it, across Emulator restarts.
/// As an <see cref="IModelRegistry"/> it is a read-only view (<see cref="GetVersionAsync"/>, <see cref="GetLatestVersionAsync"/>,
/// <see cref="DownloadAsync"/>): pass it to <c>LocalEndpointBackend</c> (online and batch deployments) as their model source.
/// </summary>
internal sealed class ModelMaterializer : IModelRegistry
{
    private const string FilesProperty = "azureml.sdk.files";
    private const string FrameworkProperty = "azureml.sdk.framework";
    private const int LogCapacity = 200;

    private readonly EmulatorWorkspace _workspace;
    private readonly Func<BlobContainerClient> _container;
    private readonly string _cacheRoot;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Queue<string>> _logs = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="workspace">The workspace whose models are served.</param>
    /// <param name="container">The workspace's default datastore container (Azurite).</param>
    public ModelMaterializer(EmulatorWorkspace workspace, Func<BlobContainerClient> container)
    {
        _workspace = workspace;
        _container = container;
        _cacheRoot = Path.Combine(workspace.Folder, "model-cache");
    }

    /// <summary>
    /// The local folder holding the files of model <paramref name="name"/> version <paramref name="version"/>, downloading them
    /// first when they are not cached. Throws <see cref="ResourceNotFoundException"/> for an unknown version,
    /// <see cref="InvalidInputException"/> when its <c>modelUri</c> is not in the workspace's default datastore or holds no files.
    /// </summary>
    public async Task<string> MaterializeAsync(string name, string version, CancellationToken cancellationToken)
    {
        var row = _workspace.Assets.GetVersion(name, version)
            ?? throw new ResourceNotFoundException($"Model '{name}' version '{version}' does not exist in workspace '{_workspace.Name}'.");
        var modelUri = row.Properties["modelUri"]?.GetValue<string>()
            ?? throw new InvalidInputException($"Model '{name}' version '{version}' has no modelUri, so it has no files to serve.", "modelUri");
        var prefix = BlobPrefix(modelUri, name, version);
        var folder = Path.Combine(_cacheRoot, row.Name.ToLowerInvariant(), $"{version}-{ShortHash(modelUri)}");
        var gate = _gates.GetOrAdd(folder, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Directory.Exists(folder))
            {
                Log(name, version, $"Model {name}:{version}: using the cached copy in {folder}");
                return folder;
            }
            Log(name, version, $"Model {name}:{version}: downloading {modelUri}");
            var temp = folder + ".partial-" + Guid.NewGuid().ToString("N");
            try
            {
                var (files, bytes) = await DownloadPrefixAsync(prefix, temp, Manifest(row.Properties), name, version, cancellationToken).ConfigureAwait(false);
                Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
                Directory.Move(temp, folder);
                Log(name, version, $"Model {name}:{version}: {files} file(s), {bytes} byte(s) ready in {folder}");
                return folder;
            }
            catch (Exception ex)
            {
                Log(name, version, $"Model {name}:{version}: download failed: {ex.Message}");
                TryDelete(temp);
                throw;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The storage-initializer log of a model version: what materializing it did (the latest lines).</summary>
    public string LogOf(string name, string version, int tail)
    {
        if (!_logs.TryGetValue(Key(name, version), out var lines))
        {
            return string.Empty;
        }
        lock (lines)
        {
            return string.Join('\n', lines.Skip(Math.Max(0, lines.Count - tail)));
        }
    }

    private void Log(string name, string version, string message)
    {
        var lines = _logs.GetOrAdd(Key(name, version), _ => new Queue<string>());
        lock (lines)
        {
            lines.Enqueue(string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} INFO {message}"));
            while (lines.Count > LogCapacity)
            {
                lines.Dequeue();
            }
        }
    }

    private static string Key(string name, string version) => $"{name}:{version}";

    /// <summary>
    /// The blob name prefix of a <c>modelUri</c> in the default datastore: <c>azureml://subscriptions/…/workspaces/…/datastores/workspaceblobstore/paths/&lt;p&gt;</c>
    /// or the short <c>azureml://datastores/workspaceblobstore/paths/&lt;p&gt;</c>.
    /// </summary>
    internal static string BlobPrefix(string modelUri, string name, string version)
    {
        const string marker = "/datastores/workspaceblobstore/paths/";
        var at = modelUri.IndexOf(marker, StringComparison.OrdinalIgnoreCase);
        if (!modelUri.StartsWith("azureml://", StringComparison.OrdinalIgnoreCase) || at < 0)
        {
            throw new InvalidInputException(
                $"Model '{name}' version '{version}' has modelUri '{modelUri}'; the Emulator serves models stored in the workspace's default datastore (azureml://…/datastores/workspaceblobstore/paths/…).",
                "modelUri");
        }
        var path = Uri.UnescapeDataString(modelUri[(at + marker.Length)..]).TrimStart('/');
        if (path.Length == 0 || path.Split('/').Any(s => s is "." or ".."))
        {
            throw new InvalidInputException($"Model '{name}' version '{version}' has modelUri '{modelUri}', which names no folder or file.", "modelUri");
        }
        return path;
    }

    private static Dictionary<string, string> Manifest(JsonObject versionProperties)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var text = (versionProperties["properties"] as JsonObject)?[FilesProperty]?.GetValue<string>();
            if (string.IsNullOrEmpty(text))
            {
                return result;
            }
            foreach (var entry in JsonNode.Parse(text)?.AsArray() ?? [])
            {
                if (entry?["path"]?.GetValue<string>() is { } path && entry["sha256"]?.GetValue<string>() is { } sha)
                {
                    result[path] = sha;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Not the SDK's manifest: files are taken as they are.
        }
        return result;
    }

    private async Task<(int Files, long Bytes)> DownloadPrefixAsync(string prefix, string target, Dictionary<string, string> manifest, string name, string version, CancellationToken cancellationToken)
    {
        var container = _container();
        // A folder URI ends with '/'; a file URI names one blob (its name becomes the file's).
        var folderPrefix = prefix.EndsWith('/') ? prefix : prefix + "/";
        var blobs = new List<(string Blob, string Relative)>();
        try
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = folderPrefix }, cancellationToken).ConfigureAwait(false))
            {
                if (!item.Name.EndsWith('/'))
                {
                    blobs.Add((item.Name, item.Name[folderPrefix.Length..])); // a name ending with '/' is a folder marker
                }
            }
            if (blobs.Count == 0 && !prefix.EndsWith('/') && await container.GetBlobClient(prefix).ExistsAsync(cancellationToken).ConfigureAwait(false))
            {
                blobs.Add((prefix, prefix[(prefix.LastIndexOf('/') + 1)..]));
            }
        }
        catch (RequestFailedException ex)
        {
            throw new ServiceUnavailableException($"Model '{name}' version '{version}': listing its files in blob container '{container.Name}' failed ({ex.Status} {ex.ErrorCode}).", innerException: ex);
        }
        if (blobs.Count == 0)
        {
            throw new InvalidInputException($"Model '{name}' version '{version}' has no files under '{prefix}' in the workspace's default datastore.", "modelUri");
        }
        var root = Path.GetFullPath(target);
        long bytes = 0;
        foreach (var (blob, relative) in blobs)
        {
            var file = Path.GetFullPath(Path.Combine(root, relative));
            if (!file.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new InvalidInputException($"Model '{name}' version '{version}' has a file '{relative}' that would land outside its folder.", "modelUri");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            try
            {
                await using (var output = File.Create(file))
                {
                    await container.GetBlobClient(blob).DownloadToAsync(output, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RequestFailedException ex)
            {
                throw new ServiceUnavailableException($"Model '{name}' version '{version}': downloading '{relative}' failed ({ex.Status} {ex.ErrorCode}).", innerException: ex);
            }
            if (manifest.TryGetValue(relative, out var expected))
            {
                string actual;
                await using (var check = File.OpenRead(file))
                {
                    actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(check, cancellationToken).ConfigureAwait(false));
                }
                if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
                {
                    throw new AzureMlException($"Model '{name}' version '{version}' file '{relative}' failed its SHA-256 check.", AzureMlErrorCodes.DataLoss, 500);
                }
            }
            bytes += new FileInfo(file).Length;
        }
        return (blobs.Count, bytes);
    }

    // ---- IModelRegistry (read-only) ----

    public async Task<IReadOnlyList<string>> DownloadAsync(string name, int version, string destinationDirectory, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var source = await MaterializeAsync(name, version.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        var root = Path.GetFullPath(destinationDirectory);
        var written = new List<string>();
        long copied = 0;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var target = Path.Combine(root, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
            copied += new FileInfo(target).Length;
            progress?.Report(copied);
            written.Add(target);
        }
        return written;
    }

    public Task<ModelVersionData> GetVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        var text = version.ToString(CultureInfo.InvariantCulture);
        var row = _workspace.Assets.GetVersion(name, text)
            ?? throw new ResourceNotFoundException($"Model '{name}' version '{text}' does not exist in workspace '{_workspace.Name}'.");
        return Task.FromResult(ToData(row));
    }

    public Task<ModelVersionData> GetLatestVersionAsync(string name, CancellationToken cancellationToken)
    {
        var rows = _workspace.Assets.ListVersions(name)
            .Select(r => (Row: r, Number: int.TryParse(r.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0))
            .Where(r => r.Number > 0)
            .OrderBy(r => r.Row.Properties["isArchived"]?.GetValue<bool>() == true ? 0 : 1)
            .ThenBy(r => r.Number)
            .ToList();
        return rows.Count == 0
            ? throw new ResourceNotFoundException($"Model '{name}' has no versions in workspace '{_workspace.Name}'.")
            : Task.FromResult(ToData(rows[^1].Row));
    }

    private static ModelVersionData ToData(VersionRow row)
    {
        var p = row.Properties;
        var all = (p["properties"] as JsonObject ?? []).ToDictionary(e => e.Key, e => e.Value?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal);
        var files = Manifest(p).Select(e => new ModelFile(e.Key, 0, e.Value)).ToList();
        return new ModelVersionData(
            row.Name,
            int.TryParse(row.Version, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0,
            p["description"]?.GetValue<string>(),
            (p["tags"] as JsonObject ?? []).ToDictionary(e => e.Key, e => e.Value?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal),
            all.Where(e => !e.Key.StartsWith("azureml.sdk.", StringComparison.Ordinal)).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal),
            all.TryGetValue(FrameworkProperty, out var fw) && Enum.TryParse<ModelFramework>(fw, out var framework) ? framework : ModelFramework.Custom,
            p["jobName"]?.GetValue<string>(),
            p["stage"]?.GetValue<string>(),
            p["isArchived"]?.GetValue<bool>() == true,
            [],
            row.CreatedAt,
            files,
            p["modelUri"]?.GetValue<string>());
    }

    private static AzureMlNotSupportedException ReadOnly() =>
        new("The Emulator's endpoint hosts see the workspace's models read-only; register and change models through the ARM model routes.");

    public Task<ModelVersionData> CreateVersionAsync(NewModelVersion model, IProgress<long>? progress, CancellationToken cancellationToken) => Task.FromException<ModelVersionData>(ReadOnly());

    public Task<ModelVersionData> GetVersionByAliasAsync(string name, string alias, CancellationToken cancellationToken) => Task.FromException<ModelVersionData>(ReadOnly());

    public Task SetAliasAsync(string name, string alias, int version, CancellationToken cancellationToken) => Task.FromException(ReadOnly());

    public Task DeleteAliasAsync(string name, string alias, CancellationToken cancellationToken) => Task.FromException(ReadOnly());

    public Task<ResultPage<ModelVersionData>> ListVersionsAsync(ModelQuery query, CancellationToken cancellationToken) => Task.FromException<ResultPage<ModelVersionData>>(ReadOnly());

    public Task<ModelVersionData> UpdateVersionAsync(string name, int version, ModelVersionUpdate update, CancellationToken cancellationToken) => Task.FromException<ModelVersionData>(ReadOnly());

    public Task DeleteVersionAsync(string name, int version, CancellationToken cancellationToken) => Task.FromException(ReadOnly());

    private static string ShortHash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)).AsSpan(0, 4));

    private static void TryDelete(string directory)
    {
        try
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
