using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk;

/// <summary>A Docker build context (<c>build</c>): a folder with a Dockerfile.</summary>
public sealed record BuildContext
{
    /// <summary>The context folder: a local path (absolute when loaded from YAML) or a URL.</summary>
    public required string Path { get; init; }

    /// <summary>The Dockerfile, relative to <see cref="Path"/> (<c>dockerfile_path</c>; default <c>Dockerfile</c>).</summary>
    public string? DockerfilePath { get; init; }
}

/// <summary>
/// An environment definition (az ml's <c>environment.schema.json</c>): a Docker image, optionally with a conda file, or a
/// Docker build context. Registered with <c>ws.Environments</c>, or written inline in a job's <c>environment</c>.
/// On local compute the host's environment is used and the definition is recorded, not built.
/// </summary>
public sealed partial class EnvironmentAsset
{
    internal static readonly string[] YamlKeys = ["$schema", "name", "version", "description", "tags", "properties", "image", "conda_file", "build", "os_type", "inference_config", "datastore"];

    /// <summary>The environment's name (required to register it; not allowed inline in a job).</summary>
    public string? Name { get; init; }

    /// <summary>The version; null lets the workspace number it.</summary>
    public string? Version { get; init; }

    /// <summary>A description.</summary>
    public string? Description { get; init; }

    /// <summary>Tags.</summary>
    public IDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Properties.</summary>
    public IDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The Docker image (<c>image</c>), e.g. <c>mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04</c>.</summary>
    public string? Image { get; init; }

    /// <summary>A conda specification file to add to <see cref="Image"/> (<c>conda_file</c>; absolute when loaded from YAML).</summary>
    public string? CondaFile { get; init; }

    /// <summary>An inline conda specification (<c>conda_file</c> written as a mapping), as YAML text; null when <see cref="CondaFile"/> names a file.</summary>
    public string? CondaSpecification { get; init; }

    /// <summary>A Docker build context instead of an image (<c>build</c>).</summary>
    public BuildContext? Build { get; init; }

    /// <summary><c>linux</c> (default) or <c>windows</c> (<c>os_type</c>).</summary>
    public string? OsType { get; init; }

    /// <summary>The datastore to upload a build context to (<c>datastore</c>).</summary>
    public string? Datastore { get; init; }

    /// <summary>Inference settings for serving (<c>inference_config</c>: liveness/readiness/scoring routes), kept as given.</summary>
    public IReadOnlyDictionary<string, object?>? InferenceConfig { get; init; }

    /// <summary>The YAML file it was loaded from, or null.</summary>
    public string? SourcePath => Source?.FilePath;

    internal SourceMap? Source { get; init; }

    /// <summary>Reads an environment YAML file (<c>az ml environment create -f</c>). Relative paths resolve against its folder.</summary>
    /// <param name="path">The YAML file.</param>
    /// <param name="set">az ml's <c>--set key.path=value</c> overrides (e.g. <c>version=2</c>), applied before reading.</param>
    public static EnvironmentAsset Load(string path, IEnumerable<string>? set = null)
    {
        var (context, root) = YamlContext.Open(path);
        if (set is not null)
        {
            root = Overrides.Apply(context, root, set);
        }
        var env = AssetYaml.ReadEnvironment(context, root, "", inline: false);
        context.ThrowIfProblems();
        env!.Validate();
        return env;
    }

    /// <summary>Checks the definition: an image or a build context (not both), a conda file only with an image.</summary>
    public void Validate()
    {
        var problems = new Problems(Source);
        CollectProblems(problems, "", inline: Name is null);
        problems.ThrowIfAny();
    }

    internal void CollectProblems(Problems problems, string at, bool inline)
    {
        string K(string key) => at.Length == 0 ? key : $"{at}.{key}";
        if (Image is null && Build is null)
        {
            problems.Add(at.Length == 0 ? "image" : at, "an environment needs an 'image' or a 'build' context.");
        }
        if (Image is not null && Build is not null)
        {
            problems.Add(K("build"), "an environment has an 'image' or a 'build' context, not both.");
        }
        if (CondaFile is not null && CondaSpecification is not null)
        {
            problems.Add(K("conda_file"), "give a conda file's path or an inline conda specification, not both.");
        }
        if ((CondaFile ?? CondaSpecification) is not null && Image is null)
        {
            problems.Add(K("conda_file"), "'conda_file' goes with an 'image'; with a 'build' context, install packages in the Dockerfile.");
        }
        if (!inline && Name is not null && !Jobs.AssetNames.IsValid(Name))
        {
            problems.Add(K("name"), $"environment name '{Short(Name)}' is invalid: use letters, digits, '-', '_' or '.', starting with a letter or digit.");
        }
        if (CondaFile is not null && AssetReference.Parse(CondaFile).Kind == AssetReferenceKind.LocalPath && !File.Exists(CondaFile))
        {
            problems.Add(K("conda_file"), $"the conda file '{CondaFile}' does not exist.");
        }
        if (Build is { } build && AssetReference.Parse(build.Path).Kind == AssetReferenceKind.LocalPath)
        {
            if (!Directory.Exists(build.Path))
            {
                problems.Add(K("build.path"), $"the build context '{build.Path}' does not exist.");
            }
            else if (!File.Exists(Path.Combine(build.Path, build.DockerfilePath ?? "Dockerfile")))
            {
                problems.Add(K("build.dockerfile_path"), $"the build context '{build.Path}' has no {build.DockerfilePath ?? "Dockerfile"}.");
            }
        }
        if (OsType is not null && OsType is not ("linux" or "windows"))
        {
            problems.Add(K("os_type"), $"'os_type' must be linux or windows, not '{OsType}'.");
        }
    }

    private static string Short(string value) => global::AzureMlSdk.Validate.Shorten(value);

    /// <summary><c>name:version</c>, the image, or the build context.</summary>
    public override string ToString() => Name is not null ? $"{Name}:{Version ?? "?"}" : Image ?? Build?.Path ?? "(empty environment)";
}

/// <summary>
/// A job's environment (<c>environment</c>): a reference to a registered one (<c>azureml:name:version</c>,
/// <c>azureml:name@latest</c>, <c>azureml://registries/&lt;r&gt;/environments/&lt;n&gt;/versions/&lt;v&gt;</c> or <c>…/labels/latest</c>,
/// an ARM id) or an inline <see cref="EnvironmentAsset"/>. Converts from either implicitly:
/// <c>Environment = "azureml:dotnet-10@latest"</c>.
/// </summary>
public sealed class JobEnvironment : IEquatable<JobEnvironment>
{
    private JobEnvironment(string? reference, EnvironmentAsset? inline)
    {
        Reference = reference;
        Inline = inline;
    }

    /// <summary>The reference to a registered environment, or null for an inline one.</summary>
    public string? Reference { get; }

    /// <summary>The inline definition, or null for a reference.</summary>
    public EnvironmentAsset? Inline { get; }

    /// <summary>The parsed <see cref="Reference"/>.</summary>
    public AssetReference? ParsedReference => Reference is null ? null : AssetReference.Parse(Reference);

    /// <summary>A reference to a registered environment.</summary>
    public static JobEnvironment FromReference(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        return new JobEnvironment(reference, null);
    }

    /// <summary>An inline environment.</summary>
    public static JobEnvironment FromDefinition(EnvironmentAsset definition) => new(null, definition ?? throw new ArgumentNullException(nameof(definition)));

    /// <summary>A reference to a registered environment.</summary>
    public static implicit operator JobEnvironment(string reference) => FromReference(reference);

    /// <summary>An inline environment.</summary>
    public static implicit operator JobEnvironment(EnvironmentAsset definition) => FromDefinition(definition);

    /// <inheritdoc/>
    public bool Equals(JobEnvironment? other) => other is not null && Reference == other.Reference && ReferenceEquals(Inline, other.Inline);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as JobEnvironment);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Reference, Inline);

    /// <summary>The reference, or the inline definition.</summary>
    public override string ToString() => Reference ?? Inline!.ToString();
}
