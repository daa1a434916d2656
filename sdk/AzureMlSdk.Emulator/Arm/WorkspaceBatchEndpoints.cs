using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Storage.Blobs;
using AzureMlSdk.Emulator.Jobs;
using AzureMlSdk.Serving.Scoring;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// One workspace's batch endpoints: their documents (<see cref="BatchEndpointStore"/>, the ARM truth) and their jobs
/// (<see cref="BatchJobRunner"/>). A batch endpoint hosts nothing until it is invoked: provisioning a deployment checks that its model
/// version can be scored (its files are fetched into the workspace's model cache, shared with the online endpoints, and hold one
/// <c>.onnx</c> file); an invocation starts a job. Operations on one endpoint run one at a time, in arrival order.
/// </summary>
internal sealed class WorkspaceBatchEndpoints : IAsyncDisposable
{
    private readonly SerialOperations _serial;

    public WorkspaceBatchEndpoints(EmulatorWorkspace workspace, ArmOperations operations, ModelMaterializer models, Func<BlobContainerClient> container)
    {
        Workspace = workspace;
        Operations = operations;
        Models = models;
        _serial = new SerialOperations(operations, workspace.SubscriptionId);
        Store = new BatchEndpointStore(workspace.Folder);
        Jobs = new BatchJobRunner(workspace, models, container, TimeProvider.System);
    }

    public EmulatorWorkspace Workspace { get; }

    /// <summary>The Emulator's operations (shared by every workspace).</summary>
    public ArmOperations Operations { get; }

    public ModelMaterializer Models { get; }

    public BatchEndpointStore Store { get; }

    public BatchJobRunner Jobs { get; }

    /// <summary>True when the workspace folder holds batch endpoints or jobs left by an earlier Emulator process.</summary>
    public static bool HasAny(string workspaceFolder) =>
        BatchEndpointStore.HasAny(workspaceFolder) || BatchJobStore.HasAny(workspaceFolder);

    /// <summary>Starts <paramref name="work"/> as an operation that runs after every earlier one on <paramref name="endpointName"/>.</summary>
    public ArmOperation Start(string endpointName, string location, Func<CancellationToken, Task> work, Func<JsonNode?>? result = null) =>
        _serial.Start(endpointName, location, work, result);

    // ------------------------------------------------------------------ operations' work

    /// <summary>An endpoint needs no hosting (jobs are started by the Emulator's invocation route): it is ready once recorded.</summary>
    public Task ProvisionEndpointAsync(string name, long generation, CancellationToken cancellationToken)
    {
        _ = Store.Get(name) ?? throw Gone(name);
        Store.Update(name, d =>
        {
            if (d.Generation == generation)
            {
                d.ProvisioningState = "Succeeded";
            }
        });
        return Task.CompletedTask;
    }

    /// <summary>Checks that the deployment's model version exists and can be scored (one .onnx file), fetching its files once.</summary>
    public async Task ProvisionDeploymentAsync(string endpointName, string name, long generation, CancellationToken cancellationToken)
    {
        var deployment = Store.Get(endpointName)?.Deployments.GetValueOrDefault(name) ?? throw Gone($"{endpointName}/{name}");
        try
        {
            var spec = BatchEndpointResources.DeploymentSpec(Workspace, deployment.Name, deployment.Resource);
            var folder = await Models.MaterializeAsync(spec.ModelName, spec.ModelVersion.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
            if (OnnxScorer.FindModelFile(folder) is null)
            {
                throw new InvalidInputException($"Model {spec.ModelName}:{spec.ModelVersion} has no single .onnx file; the Emulator scores ONNX models (no scoring scripts).", "properties.model");
            }
            Settle(endpointName, name, generation, "Succeeded", null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Settle(endpointName, name, generation, "Failed", Wire.PublicMessage(ex, $"Batch deployment '{endpointName}/{name}'"));
            throw WorkspaceEndpoints.Failure($"Batch deployment '{endpointName}/{name}'", ex);
        }
    }

    private void Settle(string endpointName, string name, long generation, string state, string? error) =>
        Store.Update(endpointName, d =>
        {
            if (d.Deployments.TryGetValue(name, out var deployment) && deployment.Generation == generation)
            {
                deployment.ProvisioningState = state;
                deployment.Error = error;
            }
        });

    /// <summary>Forgets the deployment (jobs it started keep running with the settings they copied).</summary>
    public Task DeleteDeploymentAsync(string endpointName, string name, CancellationToken cancellationToken)
    {
        Store.Update(endpointName, d => d.Deployments.Remove(name));
        return Task.CompletedTask;
    }

    /// <summary>Forgets the endpoint and its deployments (jobs keep running; their runs and outputs stay).</summary>
    public Task DeleteEndpointAsync(string name, CancellationToken cancellationToken)
    {
        Store.Change<bool>(name, _ => (null, true));
        return Task.CompletedTask;
    }

    /// <summary>
    /// Settles what an earlier Emulator process left in progress: deletions are finished, an endpoint being created or updated is
    /// ready (it hosts nothing), a deployment being provisioned is Failed (PUT it again), and unfinished jobs end Failed.
    /// </summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        foreach (var document in Store.List())
        {
            if (document.ProvisioningState == "Deleting")
            {
                Store.Change<bool>(document.Name, _ => (null, true));
                continue;
            }
            Store.Update(document.Name, d =>
            {
                if (d.ProvisioningState is "Creating" or "Updating")
                {
                    d.ProvisioningState = "Succeeded";
                }
                foreach (var deployment in d.Deployments.Values.ToList())
                {
                    if (deployment.ProvisioningState == "Deleting")
                    {
                        d.Deployments.Remove(deployment.Name);
                    }
                    else if (deployment.ProvisioningState is "Creating" or "Updating")
                    {
                        deployment.ProvisioningState = "Failed";
                        deployment.Error = "The Emulator stopped before this deployment was provisioned; PUT it again.";
                    }
                }
            });
        }
        await Jobs.RestoreAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ArmException Gone(string what) =>
        new(409, "Conflict", $"'{what}' was deleted before this operation ran.");

    public ValueTask DisposeAsync() => Jobs.DisposeAsync();
}
