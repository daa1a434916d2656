using System.Globalization;

namespace AzureMlSdk;

public partial class Job
{
    /// <summary>Azure's property naming the best trial of an AutoML job.</summary>
    public const string AutoMLBestChildRunIdProperty = "automl_best_child_run_id";

    /// <summary>
    /// Registers the best trial of this AutoML job as a new version of model <paramref name="name"/>: the trial's
    /// <c>outputs/model.onnx</c> (the whole pipeline, featurisation included), tagged with its algorithm and score, as azure-ai-ml's
    /// AutoML samples register <c>azureml://jobs/&lt;best child&gt;/outputs/artifacts/outputs/...</c>. The best trial is the job's
    /// <c>automl_best_child_run_id</c> property.
    /// </summary>
    /// <param name="name">The model's name.</param>
    /// <param name="tags">Tags added to the version (with <c>automl_algorithm</c> and the primary metric's score).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidStateException">This is not an AutoML job, or it has not completed (no best trial yet).</exception>
    public virtual async Task<Model> RegisterBestModelAsync(string name, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        if (Type != JobType.AutoML)
        {
            throw new InvalidStateException($"Job '{Name}' is a {JobDefinition.YamlType(Type)} job; RegisterBestModelAsync registers the best trial of an AutoML job.");
        }
        if (!Properties.ContainsKey(AutoMLBestChildRunIdProperty) && !Status.IsTerminal())
        {
            await RefreshAsync(cancellationToken).ConfigureAwait(false);
        }
        if (!Properties.TryGetValue(AutoMLBestChildRunIdProperty, out var bestRunId) || string.IsNullOrEmpty(bestRunId))
        {
            throw new InvalidStateException(Status == JobStatus.Completed
                ? $"AutoML job '{Name}' has no '{AutoMLBestChildRunIdProperty}' property: no trial produced a model."
                : $"AutoML job '{Name}' is {Status}: it has no best model{(Status.IsTerminal() ? "" : " yet; wait for it to complete (WaitAsync)")}.");
        }
        var best = await _workspace.GetRunAsync(bestRunId, cancellationToken).ConfigureAwait(false);
        var allTags = new Dictionary<string, string>(StringComparer.Ordinal);
        if (best.Params.TryGetValue("run_algorithm", out var algorithm))
        {
            allTags["automl_algorithm"] = algorithm;
        }
        if (Properties.TryGetValue("primary_metric", out var metric) && Properties.TryGetValue("score", out var score))
        {
            allTags[metric] = score;
        }
        foreach (var (key, value) in tags ?? new Dictionary<string, string>())
        {
            allTags[key] = value;
        }
        var description = string.Create(CultureInfo.InvariantCulture, $"AutoML best model ({algorithm ?? "unknown algorithm"}) of job {Name}, trial {bestRunId}");
        return await best.RegisterModelAsync(name, "outputs/model.onnx", allTags, description, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
