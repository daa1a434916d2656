using System.Globalization;

namespace AzureMlSdk.Assets;

/// <summary>
/// What every backend does to a definition before recording it, as azure-ai-ml does before its PUT: local data and build
/// contexts uploaded to a datastore (<c>LocalUpload/&lt;content hash&gt;/&lt;name&gt;</c>, skipped when that content is already
/// there), conda files embedded, a component's code folder snapshotted as a code asset, environment labels resolved to versions.
/// </summary>
internal static class AssetPreparation
{
    /// <summary>The folder azure-ai-ml uploads local asset content under.</summary>
    public const string UploadFolder = "LocalUpload";

    /// <summary>A data asset as stored: a local path uploaded and replaced by its datastore URI.</summary>
    public static async Task<DataAsset> PrepareDataAsync(DataAsset data, IDatastoreBackend datastores, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var path = data.Path;
        if (AssetReference.Parse(path) is { Kind: AssetReferenceKind.LocalPath } local)
        {
            path = await UploadAsync(Path.GetFullPath(local.Path!), data.Datastore, datastores, progress, cancellationToken).ConfigureAwait(false);
        }
        return new DataAsset
        {
            Name = data.Name,
            Version = data.Version,
            Type = data.Type,
            Path = path,
            Description = data.Description,
            Tags = Copy(data.Tags),
            Properties = Copy(data.Properties),
            Datastore = data.Datastore,
        };
    }

    /// <summary>An environment as stored: conda file content embedded, a local build context uploaded.</summary>
    public static async Task<EnvironmentAsset> PrepareEnvironmentAsync(EnvironmentAsset env, IDatastoreBackend datastores, CancellationToken cancellationToken)
    {
        var conda = env.CondaSpecification;
        var condaFile = env.CondaFile;
        if (condaFile is not null && AssetReference.Parse(condaFile) is { Kind: AssetReferenceKind.LocalPath } condaLocal)
        {
            var full = Path.GetFullPath(condaLocal.Path!);
            if (!File.Exists(full))
            {
                throw new InvalidInputException($"Environment '{env}': the conda file '{condaFile}' does not exist.", "conda_file");
            }
            conda = (await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false)).TrimEnd();
            condaFile = null;
        }
        var build = env.Build;
        if (build is not null && AssetReference.Parse(build.Path) is { Kind: AssetReferenceKind.LocalPath } buildLocal)
        {
            var uri = await UploadAsync(Path.GetFullPath(buildLocal.Path!), env.Datastore, datastores, null, cancellationToken).ConfigureAwait(false);
            build = build with { Path = uri };
        }
        return new EnvironmentAsset
        {
            Name = env.Name,
            Version = env.Version,
            Description = env.Description,
            Tags = Copy(env.Tags),
            Properties = Copy(env.Properties),
            Image = env.Image,
            CondaFile = condaFile,
            CondaSpecification = conda,
            Build = build,
            OsType = env.OsType,
            InferenceConfig = env.InferenceConfig,
            Datastore = env.Datastore,
        };
    }

    /// <summary>
    /// A component as stored: its local code folder (with its additional includes) snapshotted as a code asset and referred to by id,
    /// an inline environment prepared, an environment label (<c>azureml:name@latest</c>) resolved to the version it names now.
    /// </summary>
    public static async Task<CommandComponent> PrepareComponentAsync(CommandComponent component, IAssetBackend assets, IDatastoreBackend datastores,
        IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var code = component.Code;
        if (code is not null && AssetReference.Parse(code) is { Kind: AssetReferenceKind.LocalPath } local)
        {
            code = await SnapshotAsync(component, Path.GetFullPath(local.Path!), assets, progress, cancellationToken).ConfigureAwait(false);
        }
        else if (component.AdditionalIncludes.Count > 0)
        {
            throw new InvalidInputException($"Component '{component.Name}': additional_includes need a local code folder to be copied into.", "additional_includes");
        }
        JobEnvironment? environment = component.Environment;
        if (environment?.Inline is { } inline)
        {
            environment = JobEnvironment.FromDefinition(await PrepareEnvironmentAsync(inline, datastores, cancellationToken).ConfigureAwait(false));
        }
        else if (environment?.ParsedReference is { Kind: AssetReferenceKind.Asset } reference)
        {
            var found = await assets.GetEnvironmentAsync(reference.Name!, reference.Version, reference.Version is null ? reference.Label ?? "latest" : null, cancellationToken).ConfigureAwait(false);
            environment = JobEnvironment.FromReference($"azureml:{found.Name}:{found.Version}");
        }
        // The additional includes are in the snapshot now (and a stored component's spec has no local paths).
        return new CommandComponent(component) { Code = code, Environment = environment, AdditionalIncludes = [] };
    }

    /// <summary>
    /// Uploads a local file or folder to <c>LocalUpload/&lt;hash&gt;/&lt;name&gt;</c> of a datastore unless the same files are already
    /// there; returns its datastore URI.
    /// </summary>
    public static async Task<string> UploadAsync(string localPath, string? datastore, IDatastoreBackend datastores, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var hash = await ContentHash.ComputeAsync(localPath, cancellationToken).ConfigureAwait(false);
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(localPath));
        var destination = $"{UploadFolder}/{hash}/{name}";
        var store = datastore ?? datastores.DefaultDatastoreName;
        var uri = DatastoreUri(store, destination);
        if (await AlreadyUploadedAsync(localPath, uri, datastores, cancellationToken).ConfigureAwait(false))
        {
            return Directory.Exists(localPath) ? uri + "/" : uri;
        }
        var uploaded = await datastores.UploadAsync(localPath, destination, store, progress, cancellationToken).ConfigureAwait(false);
        return Directory.Exists(localPath) && !uploaded.EndsWith('/') ? uploaded + "/" : uploaded;
    }

    /// <summary><c>azureml://datastores/&lt;store&gt;/paths/&lt;path&gt;</c>.</summary>
    public static string DatastoreUri(string datastore, string path) => $"azureml://datastores/{datastore}/paths/{path.TrimStart('/')}";

    private static async Task<bool> AlreadyUploadedAsync(string localPath, string uri, IDatastoreBackend datastores, CancellationToken cancellationToken)
    {
        IReadOnlyList<DatastoreFile> there;
        try
        {
            there = await datastores.ListFilesAsync(uri, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            return false;
        }
        if (File.Exists(localPath))
        {
            return there.Count == 1 && there[0].Length == new FileInfo(localPath).Length;
        }
        var root = Path.GetFullPath(localPath);
        var local = Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint })
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), f => new FileInfo(f).Length, StringComparer.Ordinal);
        return local.Count > 0 && there.Count == local.Count && there.All(f => local.TryGetValue(f.Path, out var length) && length == f.Length);
    }

    private static async Task<string> SnapshotAsync(CommandComponent component, string codePath, IAssetBackend assets, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        if (Directory.Exists(codePath) && component.AdditionalIncludes.Count == 0)
        {
            return (await assets.CreateCodeAsync(codePath, progress, cancellationToken).ConfigureAwait(false)).Id;
        }
        // A single file, or a folder plus additional includes: snapshot a copy holding them all (azure-ai-ml does the same).
        var staging = Path.Combine(Path.GetTempPath(), "azureml-code-" + Guid.NewGuid().ToString("N"), Path.GetFileName(Path.TrimEndingDirectorySeparator(codePath)));
        try
        {
            CopyInto(codePath, staging);
            foreach (var include in component.AdditionalIncludes)
            {
                var full = Path.GetFullPath(include);
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    throw new InvalidInputException($"Component '{component.Name}': the additional include '{include}' does not exist.", "additional_includes");
                }
                var target = Path.Combine(staging, Path.GetFileName(Path.TrimEndingDirectorySeparator(full)));
                if (File.Exists(target) || Directory.Exists(target))
                {
                    throw new InvalidInputException($"Component '{component.Name}': the additional include '{include}' would replace '{Path.GetFileName(target)}' of the code folder.", "additional_includes");
                }
                CopyInto(full, target);
            }
            return (await assets.CreateCodeAsync(staging, progress, cancellationToken).ConfigureAwait(false)).Id;
        }
        finally
        {
            try
            {
                Directory.Delete(Path.GetDirectoryName(staging)!, recursive: true);
            }
            catch (IOException)
            {
                // Temp files; the OS cleans them.
            }
        }
    }

    /// <summary>Copies a file into folder <paramref name="target"/>, or a folder's content as <paramref name="target"/>.</summary>
    private static void CopyInto(string source, string target)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(target);
            File.Copy(source, Path.Combine(target, Path.GetFileName(source)));
            return;
        }
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        }
        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)));
        }
    }

    /// <summary>The next version of a name: one more than its highest integer version (1 when it has none).</summary>
    public static string NextVersion(IEnumerable<string> existing)
    {
        long max = 0;
        foreach (var v in existing)
        {
            if (long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > max)
            {
                max = n;
            }
        }
        return (max + 1).ToString(CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string> Copy(IDictionary<string, string> source) => new(source, StringComparer.Ordinal);
}
