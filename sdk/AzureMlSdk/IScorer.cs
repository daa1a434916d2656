using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace AzureMlSdk;

/// <summary>
/// A custom scorer: Azure ML's <c>score.py</c> (<c>init()</c> / <c>run(raw_data)</c>) in .NET. One instance serves
/// one deployment; <see cref="RunAsync"/> is called concurrently (up to the deployment's concurrency limit).
/// Throw <see cref="InvalidInputException"/> to answer 400 with its message; any other exception answers 502.
/// Implement <see cref="IAsyncDisposable"/> or <see cref="IDisposable"/> to be told when the deployment stops.
/// </summary>
public interface IScorer
{
    /// <summary>Loads the model; called once before the deployment is ready (Azure ML's <c>init()</c>).</summary>
    /// <param name="context">The model folder (<c>AZUREML_MODEL_DIR</c>), the deployment's environment variables and a logger.</param>
    /// <param name="cancellationToken">Cancels the deployment.</param>
    Task InitAsync(ScorerContext context, CancellationToken cancellationToken);

    /// <summary>Scores one request (Azure ML's <c>run(raw_data)</c>): the request body in, the response body (JSON) out.</summary>
    /// <param name="requestJson">The request body.</param>
    /// <param name="cancellationToken">Signalled when the request times out or the caller goes away.</param>
    Task<string> RunAsync(string requestJson, CancellationToken cancellationToken);

    /// <summary>JSON schemas of the request and response bodies, for <c>/swagger.json</c>; null when unknown.</summary>
    ScoringSchema? Schema => null;
}

/// <summary>What a scorer is given at start-up.</summary>
public sealed class ScorerContext
{
    /// <summary>Creates a context.</summary>
    public ScorerContext(string modelDirectory, string endpointName, string deploymentName, IReadOnlyDictionary<string, string> environmentVariables, ILogger logger)
    {
        ModelDirectory = modelDirectory;
        EndpointName = endpointName;
        DeploymentName = deploymentName;
        EnvironmentVariables = environmentVariables;
        Logger = logger;
    }

    /// <summary>The folder holding the model version's files (Azure ML's <c>AZUREML_MODEL_DIR</c>).</summary>
    public string ModelDirectory { get; }

    /// <summary>The endpoint name.</summary>
    public string EndpointName { get; }

    /// <summary>The deployment name.</summary>
    public string DeploymentName { get; }

    /// <summary>The deployment's environment variables, with <c>AZUREML_MODEL_DIR</c> added.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; }

    /// <summary>Writes to the deployment's logs (<see cref="OnlineDeployment.GetLogsAsync"/>).</summary>
    public ILogger Logger { get; }
}

/// <summary>JSON schemas (OpenAPI 2.0 schema objects) of a scorer's request and response bodies.</summary>
/// <param name="Request">The request body schema.</param>
/// <param name="Response">The response body schema.</param>
public sealed record ScoringSchema(JsonObject Request, JsonObject Response);
