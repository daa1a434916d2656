using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

/// <summary>
/// A data asset definition (az ml's <c>data.schema.json</c>): a versioned name for a file (<c>uri_file</c>), a folder
/// (<c>uri_folder</c>) or an MLTable folder (<c>mltable</c>), from a local path (uploaded to the default datastore when
/// created) or a cloud path. Registered with <c>ws.Data</c>; used by jobs as <c>azureml:name:version</c> or <c>azureml:name@latest</c>.
/// </summary>
public sealed partial class DataAsset
{
    internal static readonly string[] YamlKeys = ["$schema", "name", "version", "description", "tags", "properties", "type", "path", "datastore"];

    /// <summary>The asset's name.</summary>
    public required string Name { get; init; }

    /// <summary>The version; null lets the workspace number it.</summary>
    public string? Version { get; init; }

    /// <summary><see cref="InputType.UriFile"/>, <see cref="InputType.UriFolder"/> (default) or <see cref="InputType.MLTable"/>.</summary>
    public InputType Type { get; init; } = InputType.UriFolder;

    /// <summary>The data: a local path (absolute when loaded from YAML), a datastore path or a URL.</summary>
    public required string Path { get; init; }

    /// <summary>A description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags.</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Properties.</summary>
    public IDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The datastore local data is uploaded to (<c>datastore</c>); null for the workspace's default.</summary>
    public string? Datastore { get; init; }

    /// <summary>The YAML file it was loaded from, or null.</summary>
    public string? SourcePath => Source?.FilePath;

    internal SourceMap? Source { get; init; }

    /// <summary>Reads a data YAML file (<c>az ml data create -f</c>). A relative <c>path</c> resolves against the file's folder.</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set key.path=value</c> overrides (e.g. <c>version=2</c>), applied before reading.</param>
    public static DataAsset Load(string path, IEnumerable<string>? set = null)
    {
        var (context, root) = YamlContext.Open(path);
        if (set is not null)
        {
            root = Overrides.Apply(context, root, set);
        }
        var data = AssetYaml.ReadData(context, root);
        context.ThrowIfProblems();
        data!.Validate();
        return data;
    }

    /// <summary>Checks the name, the type, and that local data exists and is a file or folder as its type says.</summary>
    public void Validate()
    {
        var problems = new Problems(Source);
        if (string.IsNullOrWhiteSpace(Name) || !Jobs.AssetNames.IsValid(Name))
        {
            problems.Add("name", $"data asset name '{Name}' is invalid: use letters, digits, '-', '_' or '.', starting with a letter or digit.");
        }
        if (Type is not (InputType.UriFile or InputType.UriFolder or InputType.MLTable))
        {
            problems.Add("type", $"a data asset is uri_file, uri_folder or mltable, not {YamlNames.Of(Type)}.");
        }
        if (string.IsNullOrWhiteSpace(Path))
        {
            problems.Add("path", "a data asset needs a 'path'.");
        }
        else if (AssetReference.Parse(Path) is { Kind: AssetReferenceKind.LocalPath } local)
        {
            var full = System.IO.Path.GetFullPath(local.Path!);
            var isFile = File.Exists(full);
            var isFolder = Directory.Exists(full);
            if (!isFile && !isFolder)
            {
                problems.Add("path", $"the data path '{Path}' does not exist.");
            }
            else if (Type == InputType.UriFile && !isFile)
            {
                problems.Add("path", $"'{Path}' is a folder; a uri_file data asset is one file (use type uri_folder).");
            }
            else if (Type != InputType.UriFile && !isFolder)
            {
                problems.Add("path", $"'{Path}' is a file; a {YamlNames.Of(Type)} data asset is a folder (use type uri_file).");
            }
            else if (Type == InputType.MLTable && !File.Exists(System.IO.Path.Combine(full, "MLTable")))
            {
                problems.Add("path", $"the mltable folder '{Path}' has no MLTable file.");
            }
        }
        else if (AssetReference.Parse(Path).Kind is AssetReferenceKind.Asset or AssetReferenceKind.ArmId or AssetReferenceKind.RegistryAsset)
        {
            problems.Add("path", $"a data asset's path is data (a local path, azureml://datastores/…, a URL), not the asset reference '{Path}'.");
        }
        problems.ThrowIfAny();
    }

    /// <summary>This asset as a job input (<c>azureml:name:version</c>, or <c>@latest</c> without a version).</summary>
    public Input ToInput(InputMode? mode = null) => Input.Data(Type, Version is null ? $"azureml:{Name}@latest" : $"azureml:{Name}:{Version}", mode);

    /// <summary><c>name:version</c>.</summary>
    public override string ToString() => $"{Name}:{Version ?? "?"}";
}
