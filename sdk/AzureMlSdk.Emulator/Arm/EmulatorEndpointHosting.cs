using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Azure.Storage;
using Azure.Storage.Blobs;
using AzureMlSdk.Serving.Local;

namespace AzureMlSdk.Emulator.Arm;

/// <summary>
/// The online endpoints of every workspace the Emulator serves, hosted for real by the local backend's endpoint hosting
/// (<see cref="LocalEndpointBackend"/>: Kestrel per endpoint on 127.0.0.1, keys, traffic, pinning, limits), with models
/// from the workspace's ARM registry (<see cref="ModelMaterializer"/>). Endpoints are kept in each workspace's folder and
/// hosted again by <see cref="RestoreAsync"/> when the Emulator starts; disposing stops every host.
/// </summary>
internal sealed class EmulatorEndpointHosting : IAsyncDisposable
{
    private readonly WorkspaceRegistry _registry;
    private readonly string _token;
    private readonly ConcurrentDictionary<string, Lazy<WorkspaceEndpoints>> _workspaces = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, Lazy<WorkspaceBatchEndpoints>> _batch = new(StringComparer.OrdinalIgnoreCase);

    public EmulatorEndpointHosting(WorkspaceRegistry registry, EmulatorOptions options)
    {
        _registry = registry;
        _token = options.Token ?? throw new ArgumentException("The Emulator needs a token.", nameof(options));
        Operations = new ArmOperations(options.OperationRetryAfterSeconds);
        RetryAfterSeconds = options.OperationRetryAfterSeconds;
    }

    /// <summary>The <c>Retry-After</c> (seconds) the Emulator asks pollers for: operations and unfinished jobs.</summary>
    public int RetryAfterSeconds { get; }

    /// <summary>The long-running operations of endpoint and deployment changes.</summary>
    public ArmOperations Operations { get; }

    /// <summary>The endpoints of one workspace (created on first use).</summary>
    public WorkspaceEndpoints For(EmulatorWorkspace workspace) =>
        _workspaces.GetOrAdd(workspace.ResourceId, _ => new Lazy<WorkspaceEndpoints>(
            () => new WorkspaceEndpoints(workspace, Operations, () => ContainerOf(workspace), IsEmulatorToken), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>The batch endpoints and jobs of one workspace (created on first use; they share its online endpoints' model cache).</summary>
    public WorkspaceBatchEndpoints BatchFor(EmulatorWorkspace workspace) =>
        _batch.GetOrAdd(workspace.ResourceId, _ => new Lazy<WorkspaceBatchEndpoints>(
            () => new WorkspaceBatchEndpoints(workspace, Operations, For(workspace).Models, () => ContainerOf(workspace)), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    /// <summary>
    /// The Emulator's stand-in for a Microsoft Entra token check (AADToken endpoints): the caller presents the token every Emulator
    /// route takes, as an Azure caller presents its Entra token for https://ml.azure.com.
    /// </summary>
    private bool IsEmulatorToken(string presented) => Wire.SecretEquals(presented, _token);

    /// <summary>The workspace's default datastore container in Azurite.</summary>
    public BlobContainerClient ContainerOf(EmulatorWorkspace workspace)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = 2;
        return new BlobServiceClient(_registry.BlobEndpoint, new StorageSharedKeyCredential(_registry.AccountName, EmulatorOptions.AzuriteKey), options)
            .GetBlobContainerClient(workspace.ContainerName);
    }

    /// <summary>
    /// Hosts again the online endpoints kept in the data folder (an endpoint outlives the Emulator process that created it) and settles
    /// the batch endpoints and jobs an earlier process left in progress.
    /// </summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        var subscriptions = Path.Combine(_registry.Root, "subscriptions");
        if (!Directory.Exists(subscriptions))
        {
            return;
        }
        // <data>/subscriptions/<sub>/resourcegroups/<rg>/workspaces/<name>, as WorkspaceRegistry lays them out.
        var folders =
            from sub in Directory.EnumerateDirectories(subscriptions)
            let groups = Path.Combine(sub, "resourcegroups")
            where Directory.Exists(groups)
            from rg in Directory.EnumerateDirectories(groups)
            let workspaces = Path.Combine(rg, "workspaces")
            where Directory.Exists(workspaces)
            from ws in Directory.EnumerateDirectories(workspaces)
            let online = OnlineEndpointStore.HasAny(ws)
            let batch = WorkspaceBatchEndpoints.HasAny(ws)
            where online || batch
            select (Sub: Path.GetFileName(sub), Rg: Path.GetFileName(rg), Name: Path.GetFileName(ws), Online: online, Batch: batch);
        foreach (var (sub, rg, name, online, batch) in folders.ToList())
        {
            if (_registry.Find(sub, rg, name) is not { } workspace)
            {
                continue;
            }
            if (online)
            {
                await For(workspace).RestoreAsync(cancellationToken).ConfigureAwait(false);
            }
            if (batch)
            {
                await BatchFor(workspace).RestoreAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Cancels running operations and batch jobs, then stops every endpoint host (in-flight scoring requests finish first, bounded).</summary>
    public async ValueTask DisposeAsync()
    {
        await Operations.DisposeAsync().ConfigureAwait(false);
        foreach (var batch in _batch.Values.Where(b => b.IsValueCreated))
        {
            await batch.Value.DisposeAsync().ConfigureAwait(false);
        }
        _batch.Clear();
        foreach (var workspace in _workspaces.Values.Where(w => w.IsValueCreated))
        {
            await workspace.Value.DisposeAsync().ConfigureAwait(false);
        }
        _workspaces.Clear();
    }
}

/// <summary>
/// One workspace's online endpoints: their documents (<see cref="OnlineEndpointStore"/>, the ARM truth: desired settings and
/// provisioning state) and their hosts (<see cref="LocalEndpointBackend"/>). Requests change the documents at once and start an
/// operation that brings the hosts there; operations on one endpoint (and its deployments) run one at a time, in arrival order.
/// </summary>
internal sealed class WorkspaceEndpoints : IAsyncDisposable
{
    private readonly ArmOperations _operations;
    private readonly SerialOperations _serial;

    public WorkspaceEndpoints(EmulatorWorkspace workspace, ArmOperations operations, Func<BlobContainerClient> container, Func<string, bool> entraTokenCheck)
    {
        Workspace = workspace;
        _operations = operations;
        _serial = new SerialOperations(operations, workspace.SubscriptionId);
        Store = new OnlineEndpointStore(workspace.Folder);
        Models = new ModelMaterializer(workspace, container);
        // Model copies of running deployments go to <workspace>/endpoints/. AADToken endpoints accept the Emulator's token.
        Local = new LocalEndpointBackend(Models, workspace.Backend.Tracking, workspace.Backend.Artifacts, workspace.Folder, TimeProvider.System)
        {
            EntraTokenCheck = entraTokenCheck,
        };
    }

    public EmulatorWorkspace Workspace { get; }

    /// <summary>The Emulator's operations (shared by every workspace).</summary>
    public ArmOperations Operations => _operations;

    public OnlineEndpointStore Store { get; }

    public ModelMaterializer Models { get; }

    /// <summary>The hosts.</summary>
    public LocalEndpointBackend Local { get; }

    /// <summary>Starts <paramref name="work"/> as an operation that runs after every earlier one on <paramref name="endpointName"/>.</summary>
    public ArmOperation Start(string endpointName, string location, Func<CancellationToken, Task> work, Func<JsonNode?>? result = null) =>
        _serial.Start(endpointName, location, work, result);

    // ------------------------------------------------------------------ operations' work

    /// <summary>Creates or updates the endpoint's host from its document (auth mode, description, tags, keys, traffic).</summary>
    public async Task ProvisionEndpointAsync(string name, long generation, CancellationToken cancellationToken)
    {
        var document = Store.Get(name) ?? throw Gone(name);
        try
        {
            var data = await HostAsync(document, cancellationToken).ConfigureAwait(false);
            Store.Update(name, d =>
            {
                d.ScoringUri = data.ScoringUri?.AbsoluteUri;
                d.SwaggerUri = data.SwaggerUri?.AbsoluteUri;
                if (d.Generation == generation)
                {
                    d.ProvisioningState = "Succeeded";
                }
            });
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Store.Update(name, d => d.ProvisioningState = d.Generation == generation ? "Failed" : d.ProvisioningState);
            throw Failure($"Endpoint '{name}'", ex);
        }
    }

    private async Task<OnlineEndpointData> HostAsync(EndpointDocument document, CancellationToken cancellationToken)
    {
        var spec = new OnlineEndpointSpec(document.Name)
        {
            AuthMode = document.AuthMode switch
            {
                "AMLToken" => EndpointAuthMode.AmlToken,
                "AADToken" => EndpointAuthMode.AadToken,
                _ => EndpointAuthMode.Key,
            },
            Description = document.Resource["properties"]?["description"]?.GetValue<string>(),
            Tags = (document.Resource["tags"] as JsonObject ?? []).ToDictionary(t => t.Key, t => t.Value?.GetValue<string>() ?? string.Empty),
        };
        if (await IsHostedAsync(document.Name, cancellationToken).ConfigureAwait(false))
        {
            return await Local.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec(document.Name)
            {
                AuthMode = spec.AuthMode,
                Description = spec.Description,
                Tags = spec.Tags,
                Traffic = document.Traffic,
            }, null, cancellationToken).ConfigureAwait(false);
        }
        var port = Uri.TryCreate(document.ScoringUri, UriKind.Absolute, out var previous) ? previous.Port : 0;
        return await Local.CreateOrUpdateEndpointAsync(spec, new EndpointKeys(document.PrimaryKey, document.SecondaryKey), port, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> IsHostedAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Local.GetEndpointAsync(name, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ResourceNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Creates or replaces the deployment's scorer from its document (the model's files come through <see cref="Models"/>).</summary>
    public async Task ProvisionDeploymentAsync(string endpointName, string name, long generation, CancellationToken cancellationToken)
    {
        var deployment = Store.Get(endpointName)?.Deployments.GetValueOrDefault(name) ?? throw Gone($"{endpointName}/{name}");
        try
        {
            var spec = OnlineEndpointResources.DeploymentSpec(Workspace, deployment.Name, deployment.Resource);
            if (!await IsHostedAsync(endpointName, cancellationToken).ConfigureAwait(false))
            {
                throw new ArmException(400, "UserError", $"Endpoint '{endpointName}' is {Store.Get(endpointName)?.ProvisioningState ?? "gone"} and hosts no deployments; update the endpoint first.");
            }
            await Local.CreateOrUpdateDeploymentAsync(endpointName, spec, null, cancellationToken).ConfigureAwait(false);
            SettleDeployment(endpointName, name, generation, "Succeeded", null);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            SettleDeployment(endpointName, name, generation, "Failed", Wire.PublicMessage(ex, $"Deployment '{endpointName}/{name}'"));
            throw Failure($"Deployment '{endpointName}/{name}'", ex);
        }
    }

    private void SettleDeployment(string endpointName, string name, long generation, string state, string? error) =>
        Store.Update(endpointName, d =>
        {
            if (d.Deployments.TryGetValue(name, out var deployment) && deployment.Generation == generation)
            {
                deployment.ProvisioningState = state;
                deployment.Error = error;
            }
        });

    /// <summary>
    /// Stops the deployment's scorer and forgets it (the request checked that its traffic weight is 0). If the host refuses
    /// (an earlier traffic change failed, so it still routes to it), the deployment goes back to <paramref name="stateBefore"/>.
    /// </summary>
    public async Task DeleteDeploymentAsync(string endpointName, string name, long generation, string stateBefore, CancellationToken cancellationToken)
    {
        try
        {
            await Local.DeleteDeploymentAsync(endpointName, name, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            // Never hosted (it failed before an Emulator restart): nothing runs.
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            SettleDeployment(endpointName, name, generation, stateBefore, null);
            throw Failure($"Deleting deployment '{endpointName}/{name}'", ex);
        }
        Store.Update(endpointName, d =>
        {
            d.Deployments.Remove(name);
            var traffic = d.Traffic;
            if (traffic.Remove(name) && d.Resource["properties"] is JsonObject p)
            {
                p["traffic"] = OnlineEndpointResources.TrafficJson(traffic);
            }
        });
    }

    /// <summary>Stops the endpoint's host and every deployment, and forgets the endpoint.</summary>
    public async Task DeleteEndpointAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await Local.DeleteEndpointAsync(name, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            // Never hosted: nothing runs.
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            Store.Update(name, d => d.ProvisioningState = "Failed");
            throw Failure($"Deleting endpoint '{name}'", ex);
        }
        Store.Change<bool>(name, _ => (null, true));
    }

    /// <summary>Sets one key on the host, then in the document (listKeys reads the document: it never shows a key the host refuses).</summary>
    public async Task RegenerateKeyAsync(string name, EndpointKeyType keyType, string? keyValue, CancellationToken cancellationToken)
    {
        var value = keyValue ?? OnlineEndpointResources.NewKey();
        if (await IsHostedAsync(name, cancellationToken).ConfigureAwait(false))
        {
            await Local.RegenerateKeyAsync(name, keyType, value, cancellationToken).ConfigureAwait(false);
        }
        Store.Update(name, d =>
        {
            if (keyType == EndpointKeyType.Primary)
            {
                d.PrimaryKey = value;
            }
            else
            {
                d.SecondaryKey = value;
            }
        });
    }

    /// <summary>Hosts again every endpoint and deployment of the store (at Emulator start); what fails to come back is marked Failed.</summary>
    public async Task RestoreAsync(CancellationToken cancellationToken)
    {
        foreach (var document in Store.List())
        {
            if (document.ProvisioningState == "Deleting")
            {
                Store.Change<bool>(document.Name, _ => (null, true));
                continue;
            }
            // The host starts without traffic; the split goes on last, once the deployments it names serve again.
            var traffic = document.Traffic;
            try
            {
                var data = await HostAsync(document, cancellationToken).ConfigureAwait(false);
                Store.Update(document.Name, d =>
                {
                    d.ScoringUri = data.ScoringUri?.AbsoluteUri;
                    d.SwaggerUri = data.SwaggerUri?.AbsoluteUri;
                    d.ProvisioningState = "Succeeded";
                });
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Store.Update(document.Name, d => d.ProvisioningState = "Failed");
                continue;
            }
            foreach (var deployment in document.Deployments.Values)
            {
                if (deployment.ProvisioningState == "Deleting")
                {
                    Store.Update(document.Name, d => d.Deployments.Remove(deployment.Name));
                    continue;
                }
                if (deployment.ProvisioningState == "Failed")
                {
                    continue;
                }
                try
                {
                    var spec = OnlineEndpointResources.DeploymentSpec(Workspace, deployment.Name, deployment.Resource);
                    await Local.CreateOrUpdateDeploymentAsync(document.Name, spec, null, cancellationToken).ConfigureAwait(false);
                    SettleDeployment(document.Name, deployment.Name, deployment.Generation, "Succeeded", null);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    SettleDeployment(document.Name, deployment.Name, deployment.Generation, "Failed", Wire.PublicMessage(ex, $"Deployment '{document.Name}/{deployment.Name}'"));
                }
            }
            var serving = Store.Get(document.Name)?.Deployments.Values.Where(d => d.ProvisioningState == "Succeeded").Select(d => d.Name).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? [];
            if (traffic.Values.Any(w => w > 0) && traffic.Where(t => t.Value > 0).All(t => serving.Contains(t.Key)))
            {
                try
                {
                    await Local.SetTrafficAsync(document.Name, traffic, cancellationToken).ConfigureAwait(false);
                }
                catch (AzureMlException)
                {
                    // The document keeps the split; requests pinned to a deployment are still served.
                }
            }
        }
    }

    /// <summary>The operation's error: the request was valid, the work failed (an ARM error keeps its code).</summary>
    internal static ArmException Failure(string what, Exception ex)
    {
        if (ex is ArmException arm)
        {
            return arm;
        }
        if (ex is not AzureMlException)
        {
            return new ArmException(500, "InternalServerError", Wire.PublicMessage(ex, what));
        }
        var message = ex.Message.StartsWith(what, StringComparison.Ordinal) ? ex.Message : $"{what} failed: {ex.Message}";
        return ex is AzureMlException { Status: >= 400 and < 500 }
            ? new ArmException(400, "UserError", message)
            : new ArmException(500, "InternalServerError", message);
    }

    private static ArmException Gone(string what) =>
        new(409, "Conflict", $"'{what}' was deleted before this operation ran.");

    public ValueTask DisposeAsync() => Local.DisposeAsync();
}
