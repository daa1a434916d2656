namespace AzureMlSdk;

/// <summary>The type of a job output.</summary>
public enum OutputType
{
    /// <summary>A folder (<c>uri_folder</c>), the default.</summary>
    UriFolder,
    /// <summary>One file (<c>uri_file</c>).</summary>
    UriFile,
    /// <summary>A folder with an <c>MLTable</c> file (<c>mltable</c>).</summary>
    MLTable,
    /// <summary>A model folder of any format (<c>custom_model</c>).</summary>
    CustomModel,
    /// <summary>An MLflow model folder (<c>mlflow_model</c>).</summary>
    MLFlowModel,
    /// <summary>A Triton model repository (<c>triton_model</c>).</summary>
    TritonModel,
}

/// <summary>How a job's output reaches its storage (<c>mode</c>).</summary>
public enum OutputMode
{
    /// <summary>A mounted folder written as the job runs (<c>rw_mount</c>), Azure ML's default.</summary>
    ReadWriteMount,
    /// <summary>A local folder uploaded when the command ends (<c>upload</c>).</summary>
    Upload,
    /// <summary>The URI itself is passed to the command (<c>direct</c>).</summary>
    Direct,
}

/// <summary>
/// A job output: a folder (or file) the command writes to at <c>${{outputs.name}}</c>, saved to the datastore when the
/// command ends (by default under <c>azureml/&lt;job&gt;/&lt;output&gt;/</c>, or at <see cref="Path"/>), and optionally
/// registered as a data or model asset named <see cref="Name"/>. Immutable.
/// </summary>
public sealed class Output : IEquatable<Output>
{
    private Output(OutputType type, string? path, OutputMode? mode, string? name, string? version, string? description)
    {
        Type = type;
        Path = path;
        Mode = mode;
        Name = name;
        Version = version;
        Description = description;
    }

    /// <summary>The output's type.</summary>
    public OutputType Type { get; }

    /// <summary>Where the output is saved (a datastore path <c>azureml://datastores/&lt;ds&gt;/paths/…</c>); null for Azure ML's default location.</summary>
    public string? Path { get; }

    /// <summary>The delivery mode; null means Azure ML's default (<see cref="OutputMode.ReadWriteMount"/>).</summary>
    public OutputMode? Mode { get; }

    /// <summary>The data or model asset the output is registered as, if any (<c>name</c>).</summary>
    public string? Name { get; }

    /// <summary>
    /// The version of the registered asset (<c>version</c>); needs <see cref="Name"/>. Azure ML's job API (2026-07-01)
    /// takes the name only and numbers the version itself, so a remote workspace rejects it.
    /// </summary>
    public string? Version { get; }

    /// <summary>An optional description.</summary>
    public string? Description { get; }

    /// <summary>A folder output.</summary>
    public static Output UriFolder(string? path = null, OutputMode? mode = null) => new(OutputType.UriFolder, path, mode, null, null, null);

    /// <summary>A one-file output.</summary>
    public static Output UriFile(string? path = null, OutputMode? mode = null) => new(OutputType.UriFile, path, mode, null, null, null);

    /// <summary>An MLTable output.</summary>
    public static Output MLTable(string? path = null, OutputMode? mode = null) => new(OutputType.MLTable, path, mode, null, null, null);

    /// <summary>A model output of any format.</summary>
    public static Output CustomModel(string? path = null, OutputMode? mode = null) => new(OutputType.CustomModel, path, mode, null, null, null);

    /// <summary>An MLflow model output.</summary>
    public static Output MLFlowModel(string? path = null, OutputMode? mode = null) => new(OutputType.MLFlowModel, path, mode, null, null, null);

    /// <summary>A Triton model output.</summary>
    public static Output TritonModel(string? path = null, OutputMode? mode = null) => new(OutputType.TritonModel, path, mode, null, null, null);

    /// <summary>An output of any type, with every setting.</summary>
    public static Output Create(OutputType type, string? path = null, OutputMode? mode = null, string? name = null, string? version = null, string? description = null) =>
        new(type, path, mode, name, version, description);

    /// <summary>A copy registered as the asset <paramref name="name"/> (version optional) when the job completes.</summary>
    public Output RegisterAs(string name, string? version = null) => new(Type, Path, Mode, name, version, Description);

    /// <summary>A copy with another path (the engine, after choosing the default location).</summary>
    public Output WithPath(string? path) => new(Type, path, Mode, Name, Version, Description);

    /// <inheritdoc/>
    public bool Equals(Output? other) =>
        other is not null && Type == other.Type && Path == other.Path && Mode == other.Mode && Name == other.Name && Version == other.Version && Description == other.Description;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Output);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Path, Mode, Name, Version);

    /// <summary><c>type</c> or <c>type: path</c>.</summary>
    public override string ToString() => Path is null ? YamlNames.Of(Type) : $"{YamlNames.Of(Type)}: {Path}";
}
