namespace AzureMlSdk;

/// <summary>
/// What an online deployment should be, for <see cref="OnlineEndpoint.DeployAsync"/>: a model version, how
/// to score it, and the ARM <c>OnlineDeployment</c> settings (instance count, request settings, probes,
/// environment variables).
/// </summary>
public sealed class OnlineDeploymentSpec
{
    /// <summary>Creates a spec deploying <paramref name="model"/> as <paramref name="name"/>.</summary>
    /// <param name="name">Deployment name (same rule as endpoint names: <c>^[a-zA-Z][a-zA-Z0-9-]{2,31}$</c>).</param>
    /// <param name="model">The registered model version to serve.</param>
    public OnlineDeploymentSpec(string name, Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Name = AzureMlSdk.Validate.DeploymentName(name);
        ModelName = AzureMlSdk.Validate.ModelName(model.Name, nameof(model));
        ModelVersion = AzureMlSdk.Validate.ModelVersion(model.Version, nameof(model));
    }

    /// <summary>Creates a spec deploying version <paramref name="modelVersion"/> of <paramref name="modelName"/> as <paramref name="name"/>.</summary>
    /// <param name="name">Deployment name (<c>^[a-zA-Z][a-zA-Z0-9-]{2,31}$</c>).</param>
    /// <param name="modelName">A registered model's name.</param>
    /// <param name="modelVersion">Its version.</param>
    public OnlineDeploymentSpec(string name, string modelName, int modelVersion)
    {
        Name = AzureMlSdk.Validate.DeploymentName(name);
        ModelName = AzureMlSdk.Validate.ModelName(modelName, nameof(modelName));
        ModelVersion = AzureMlSdk.Validate.ModelVersion(modelVersion, nameof(modelVersion));
    }

    /// <summary>The deployment name.</summary>
    public string Name { get; }

    /// <summary>The model name.</summary>
    public string ModelName { get; }

    /// <summary>The model version.</summary>
    public int ModelVersion { get; }

    /// <summary>
    /// Creates the scorer of each instance. When null the model's files decide: a folder with one <c>.onnx</c>
    /// file is served by ONNX Runtime. A custom scorer runs in-process on local endpoints; remote workspaces do not take one.
    /// </summary>
    public Func<IScorer>? Scorer { get; init; }

    /// <summary>Instances (ARM <c>sku.capacity</c> / default scale settings). Locally all instances share one scorer, and the concurrency limit is per instance times this. Default 1.</summary>
    public int InstanceCount { get; init; } = 1;

    /// <summary>Instance type (ARM <c>instanceType</c>). Ignored by the local backend.</summary>
    public string? InstanceType { get; init; }

    /// <summary>Request settings: concurrency limit and timeout.</summary>
    public OnlineRequestSettings RequestSettings { get; init; } = new();

    /// <summary>Liveness probe settings.</summary>
    public ProbeSettings? LivenessProbe { get; init; }

    /// <summary>Readiness probe settings.</summary>
    public ProbeSettings? ReadinessProbe { get; init; }

    /// <summary>Environment variables of the deployment. Local scorers receive them in <see cref="ScorerContext.EnvironmentVariables"/>; the process environment is left alone.</summary>
    public IReadOnlyDictionary<string, string>? EnvironmentVariables { get; init; }

    /// <summary>Description.</summary>
    public string? Description { get; init; }

    /// <summary>Send all of the endpoint's traffic to this deployment once it is ready (like <c>az ml online-deployment create --all-traffic</c>).</summary>
    public bool AllTraffic { get; init; }

    /// <summary>Returns the spec with a scorer of type <typeparamref name="TScorer"/> (one created per deployment).</summary>
    public OnlineDeploymentSpec WithScorer<TScorer>() where TScorer : IScorer, new() => With(() => new TScorer());

    internal OnlineDeploymentSpec With(Func<IScorer> scorer) => new(Name, ModelName, ModelVersion)
    {
        Scorer = scorer,
        InstanceCount = InstanceCount,
        InstanceType = InstanceType,
        RequestSettings = RequestSettings,
        LivenessProbe = LivenessProbe,
        ReadinessProbe = ReadinessProbe,
        EnvironmentVariables = EnvironmentVariables,
        Description = Description,
        AllTraffic = AllTraffic,
    };

    internal void Validate()
    {
        if (InstanceCount < 1)
        {
            throw new InvalidInputException($"InstanceCount must be at least 1; got {InstanceCount}.", nameof(InstanceCount));
        }
        ArgumentNullException.ThrowIfNull(RequestSettings, nameof(RequestSettings));
        RequestSettings.Validate(nameof(RequestSettings));
    }
}
