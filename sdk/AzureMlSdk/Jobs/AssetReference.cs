namespace AzureMlSdk;

/// <summary>What an az ml path or reference string points at (<see cref="AssetReference"/>).</summary>
public enum AssetReferenceKind
{
    /// <summary>A file or folder on this machine (<c>./data</c>, <c>/abs/path</c>, <c>file:./x</c>), uploaded at submit.</summary>
    LocalPath,
    /// <summary>A workspace asset by name: <c>azureml:name:version</c>, <c>azureml:name@label</c> (or bare <c>azureml:name</c>).</summary>
    Asset,
    /// <summary>An ARM resource id: <c>azureml:/subscriptions/…</c> or <c>/subscriptions/…</c>.</summary>
    ArmId,
    /// <summary>An asset in a registry: <c>azureml://registries/&lt;r&gt;/&lt;type&gt;/&lt;name&gt;/versions/&lt;v&gt;</c> or <c>…/labels/&lt;l&gt;</c>.</summary>
    RegistryAsset,
    /// <summary>A path in a datastore: <c>azureml://datastores/&lt;ds&gt;/paths/&lt;path&gt;</c> (or the long form with subscription and workspace).</summary>
    DatastorePath,
    /// <summary>A job's named output: <c>azureml://jobs/&lt;job&gt;/outputs/&lt;output&gt;/paths/&lt;path&gt;</c>.</summary>
    JobOutput,
    /// <summary>A cloud URL: <c>https://</c>, <c>http://</c>, <c>wasbs://</c>, <c>abfss://</c>, <c>adl://</c>, <c>s3://</c>, <c>gs://</c>, <c>runs:/</c>, <c>git+https://</c>.</summary>
    Url,
}

/// <summary>
/// An az ml path or asset reference, parsed once: the <c>path</c> of an input or data asset, the <c>environment</c> or
/// <c>code</c> of a job. See <see href="https://learn.microsoft.com/azure/machine-learning/reference-yaml-core-syntax">az ml's core syntax</see>.
/// </summary>
public sealed record AssetReference
{
    private static readonly string[] UrlSchemes = ["git+https://", "git+ssh://", "git://", "https://", "http://", "wasbs://", "wasb://", "abfss://", "abfs://", "adl://", "s3://", "gs://", "runs:/"];

    /// <summary>The text as written.</summary>
    public required string Text { get; init; }

    /// <summary>What it points at.</summary>
    public required AssetReferenceKind Kind { get; init; }

    /// <summary>The asset's name (<see cref="AssetReferenceKind.Asset"/>, <see cref="AssetReferenceKind.RegistryAsset"/>, <see cref="AssetReferenceKind.ArmId"/> of an asset).</summary>
    public string? Name { get; init; }

    /// <summary>The asset's version, when the reference names one.</summary>
    public string? Version { get; init; }

    /// <summary>The asset's label (<c>latest</c> in <c>azureml:name@latest</c>), when the reference names one.</summary>
    public string? Label { get; init; }

    /// <summary>The registry (<see cref="AssetReferenceKind.RegistryAsset"/>).</summary>
    public string? Registry { get; init; }

    /// <summary>The asset type segment of a registry or ARM reference: <c>environments</c>, <c>data</c>, <c>models</c>, <c>components</c>, <c>codes</c>.</summary>
    public string? AssetType { get; init; }

    /// <summary>The datastore (<see cref="AssetReferenceKind.DatastorePath"/>).</summary>
    public string? Datastore { get; init; }

    /// <summary>The job (<see cref="AssetReferenceKind.JobOutput"/>).</summary>
    public string? Job { get; init; }

    /// <summary>The job's output name (<see cref="AssetReferenceKind.JobOutput"/>).</summary>
    public string? Output { get; init; }

    /// <summary>The path: in the datastore or job output, or the local path (without a <c>file:</c> prefix).</summary>
    public string? Path { get; init; }

    /// <summary>True for a reference to something already in Azure ML or the cloud (nothing to upload).</summary>
    public bool IsRemote => Kind != AssetReferenceKind.LocalPath;

    /// <summary>Parses a path or reference. Never fails: anything that is not a known reference form is a local path.</summary>
    public static AssetReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.StartsWith("azureml://", StringComparison.OrdinalIgnoreCase))
        {
            return ParseAzureMlUri(t);
        }
        if (t.StartsWith("azureml:/", StringComparison.OrdinalIgnoreCase) || t.StartsWith("/subscriptions/", StringComparison.OrdinalIgnoreCase))
        {
            return ParseArmId(t);
        }
        if (t.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase))
        {
            var rest = t["azureml:".Length..];
            var at = rest.IndexOf('@', StringComparison.Ordinal);
            var colon = rest.IndexOf(':', StringComparison.Ordinal);
            return at >= 0
                ? new AssetReference { Text = text, Kind = AssetReferenceKind.Asset, Name = rest[..at], Label = rest[(at + 1)..] }
                : colon >= 0
                    ? new AssetReference { Text = text, Kind = AssetReferenceKind.Asset, Name = rest[..colon], Version = rest[(colon + 1)..] }
                    : new AssetReference { Text = text, Kind = AssetReferenceKind.Asset, Name = rest };
        }
        foreach (var scheme in UrlSchemes)
        {
            if (t.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return new AssetReference { Text = text, Kind = AssetReferenceKind.Url, Path = t };
            }
        }
        var local = t.StartsWith("file:", StringComparison.OrdinalIgnoreCase) ? t["file:".Length..] : t;
        return new AssetReference { Text = text, Kind = AssetReferenceKind.LocalPath, Path = local };
    }

    private static AssetReference ParseAzureMlUri(string t)
    {
        var segments = t["azureml://".Length..].Split('/');
        // azureml://registries/<r>/<type>/<name>/(versions|labels)/<v>
        if (segments.Length >= 6 && Is(segments[0], "registries") && (Is(segments[4], "versions") || Is(segments[4], "labels")))
        {
            var version = Is(segments[4], "versions");
            return new AssetReference
            {
                Text = t,
                Kind = AssetReferenceKind.RegistryAsset,
                Registry = segments[1],
                AssetType = segments[2],
                Name = segments[3],
                Version = version ? segments[5] : null,
                Label = version ? null : segments[5],
            };
        }
        var ds = Array.FindIndex(segments, s => Is(s, "datastores"));
        if (ds >= 0 && segments.Length > ds + 2 && Is(segments[ds + 2], "paths"))
        {
            return new AssetReference
            {
                Text = t,
                Kind = AssetReferenceKind.DatastorePath,
                Datastore = segments[ds + 1],
                Path = string.Join('/', segments.Skip(ds + 3)),
            };
        }
        if (segments.Length >= 4 && Is(segments[0], "jobs") && Is(segments[2], "outputs"))
        {
            var path = segments.Length > 5 && Is(segments[4], "paths") ? string.Join('/', segments.Skip(5)) : null;
            return new AssetReference { Text = t, Kind = AssetReferenceKind.JobOutput, Job = segments[1], Output = segments[3], Path = path };
        }
        return new AssetReference { Text = t, Kind = AssetReferenceKind.Url, Path = t };
    }

    private static AssetReference ParseArmId(string t)
    {
        var id = t.StartsWith("azureml:", StringComparison.OrdinalIgnoreCase) ? t["azureml:".Length..] : t;
        var segments = id.Trim('/').Split('/');
        var versions = Array.FindLastIndex(segments, s => Is(s, "versions"));
        if (versions >= 2 && versions + 1 < segments.Length)
        {
            return new AssetReference
            {
                Text = t,
                Kind = AssetReferenceKind.ArmId,
                AssetType = segments[versions - 2],
                Name = segments[versions - 1],
                Version = segments[versions + 1],
                Path = id,
            };
        }
        return new AssetReference
        {
            Text = t,
            Kind = AssetReferenceKind.ArmId,
            AssetType = segments.Length >= 2 ? segments[^2] : null,
            Name = segments[^1],
            Path = id,
        };
    }

    private static bool Is(string segment, string word) => string.Equals(segment, word, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Local paths of definitions: relative ones resolve against the YAML file's folder.</summary>
internal static class PathResolution
{
    /// <summary>
    /// A path or reference as a definition keeps it: local paths made absolute against <paramref name="baseDirectory"/>
    /// (a <c>file:</c> prefix dropped), everything else as written.
    /// </summary>
    public static string Resolve(string path, string baseDirectory)
    {
        var reference = AssetReference.Parse(path);
        if (reference.Kind != AssetReferenceKind.LocalPath)
        {
            return path;
        }
        var local = reference.Path!;
        var expanded = local.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), local[2..])
            : local;
        return System.IO.Path.GetFullPath(System.IO.Path.Combine(baseDirectory, expanded));
    }
}
