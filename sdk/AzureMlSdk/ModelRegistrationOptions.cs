namespace AzureMlSdk;

/// <summary>Extra settings for registering a model version.</summary>
public sealed class ModelRegistrationOptions
{
    /// <summary>Properties: immutable key/values recorded with the version.</summary>
    public IReadOnlyDictionary<string, string>? Properties { get; init; }

    /// <summary>The framework; inferred from the file extension when null (<c>.onnx</c> → ONNX, <c>.zip</c> → ML.NET, else custom).</summary>
    public ModelFramework? Framework { get; init; }

    /// <summary>Receives the count of bytes uploaded so far.</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>
    /// The run (or job: a job's run id is its name) that produced the files, recorded as the version's <see cref="Model.RunId"/>
    /// when the files come from a local path, e.g. a job output downloaded first (<c>azml model create --path azureml://jobs/…</c>).
    /// </summary>
    public string? RunId { get; init; }

    internal static ModelFramework InferFramework(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".onnx" => ModelFramework.Onnx,
        ".zip" => ModelFramework.MlNet,
        _ => ModelFramework.Custom,
    };
}

/// <summary>Filters for <see cref="Workspace.ListModelsAsync"/>.</summary>
public sealed class ModelListOptions
{
    /// <summary>Only versions carrying all these tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>Include archived versions. Default false.</summary>
    public bool IncludeArchived { get; init; }

    /// <summary>Only each model's latest version. Default false.</summary>
    public bool LatestOnly { get; init; }
}
