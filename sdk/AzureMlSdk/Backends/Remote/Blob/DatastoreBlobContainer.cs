using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage;
using Azure.Storage.Blobs;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Http;

namespace AzureMlSdk.Backends.Remote.Blob;

/// <summary>
/// The blob container behind a workspace's default datastore (an <c>AzureBlob</c> datastore), reached with the
/// credentials <c>Datastores_ListSecrets</c> returns (account key or SAS) or, for identity-based datastores, the
/// workspace's <see cref="TokenCredential"/>. Resolved once and cached.
/// </summary>
internal sealed class DatastoreBlobContainer(
    IArmDatastoresApi datastores,
    WorkspaceCoordinates workspace,
    WorkspaceOptions options,
    TokenCredential? credential,
    HttpClient blobHttp) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ResolvedDatastore? _resolved;

    /// <summary>The default datastore's name and container client.</summary>
    public async Task<ResolvedDatastore> GetAsync(CancellationToken cancellationToken)
    {
        if (_resolved is { } r)
        {
            return r;
        }
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _resolved ??= await ResolveAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<ResolvedDatastore> ResolveAsync(CancellationToken cancellationToken)
    {
        var page = await datastores.ListAsync(workspace.SubscriptionId, workspace.ResourceGroup, workspace.WorkspaceName, null, true, cancellationToken).ConfigureAwait(false);
        var datastore = page.Value?.FirstOrDefault(d => d.Properties?.IsDefault == true) ?? page.Value?.FirstOrDefault();
        datastore ??= await datastores.GetAsync(workspace.SubscriptionId, workspace.ResourceGroup, workspace.WorkspaceName, "workspaceblobstore", cancellationToken).ConfigureAwait(false);
        var props = datastore.Properties ?? throw new AzureMlException("The workspace's default datastore has no properties.");
        if (!string.Equals(props.DatastoreType, "AzureBlob", StringComparison.OrdinalIgnoreCase))
        {
            throw new AzureMlNotSupportedException($"The workspace's default datastore '{datastore.Name}' is of type {props.DatastoreType}; artifacts and models need an AzureBlob datastore.");
        }
        var name = datastore.Name ?? "workspaceblobstore";
        var serviceUri = options.BlobServiceUri ?? BlobServiceUri(props);
        var containerUri = new Uri(RemoteHttp.WithoutTrailingSlash(serviceUri).AbsoluteUri + "/" + props.ContainerName);
        var clientOptions = new BlobClientOptions();
        clientOptions.Retry.MaxRetries = Math.Max(0, options.MaxRetries);
        clientOptions.Retry.NetworkTimeout = options.AttemptTimeout;
        clientOptions.Retry.Mode = RetryMode.Exponential;
        // Azure.Core sends x-ms-client-request-id (the same on its retries) and its own User-Agent; the SDK's name goes in front.
        clientOptions.Diagnostics.ApplicationId = BlobApplicationId(options.ApplicationId);
        // The SDK's blob client (IHttpClientFactory: its diagnostics handler over the shared transport); Azure.Core's retry
        // policy above it is the one retry layer for blob transfers (it rewinds streams and retries per block).
        clientOptions.Transport = new HttpClientTransport(blobHttp);

        BlobContainerClient client;
        var credentialsType = props.Credentials?.CredentialsType;
        if (string.Equals(credentialsType, "None", StringComparison.OrdinalIgnoreCase) && credential is not null)
        {
            client = new BlobContainerClient(containerUri, credential, clientOptions);
        }
        else
        {
            var secrets = await datastores.ListSecretsAsync(workspace.SubscriptionId, workspace.ResourceGroup, workspace.WorkspaceName, name, new SecretExpiry(), cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(secrets.Key))
            {
                client = new BlobContainerClient(containerUri, new StorageSharedKeyCredential(props.AccountName, secrets.Key), clientOptions);
            }
            else if (!string.IsNullOrEmpty(secrets.SasToken))
            {
                client = new BlobContainerClient(containerUri, new AzureSasCredential(secrets.SasToken), clientOptions);
            }
            else if (credential is not null)
            {
                client = new BlobContainerClient(containerUri, credential, clientOptions);
            }
            else
            {
                throw new AzureMlAuthenticationException($"Datastore '{name}' returned no account key or SAS token and no credential was given.");
            }
        }
        return new ResolvedDatastore(name, client);
    }

    /// <inheritdoc />
    public void Dispose() => _gate.Dispose();

    /// <summary>Azure.Core's application id (at most 24 characters): the caller's when it fits, else the SDK's name and version.</summary>
    internal static string BlobApplicationId(string? applicationId)
    {
        var sdk = $"{AzureMlDiagnostics.SourceName}/{AzureMlDiagnostics.Version}";
        return applicationId is { Length: > 0 } app && app.Length + 1 + sdk.Length <= 24 ? $"{app} {sdk}"
            : sdk.Length <= 24 ? sdk : AzureMlDiagnostics.SourceName;
    }

    /// <summary><c>{protocol}://{account}.blob.{endpoint}</c>; an endpoint given as a full http(s) URL (an emulator) is used as is.</summary>
    internal static Uri BlobServiceUri(DatastoreProperties props)
    {
        var endpoint = props.Endpoint ?? "core.windows.net";
        if (endpoint.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || endpoint.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri(endpoint);
        }
        var protocol = string.IsNullOrEmpty(props.Protocol) ? "https" : props.Protocol;
        return new Uri($"{protocol}://{props.AccountName}.blob.{endpoint}");
    }

    /// <summary>Maps a storage error to the SDK's errors without its message (which lists request headers).</summary>
    internal static AzureMlException Map(RequestFailedException ex, string what)
    {
        var requestId = ex.GetRawResponse()?.Headers.RequestId;
        return RemoteErrors.Create(ex.Status == 0 ? 503 : ex.Status, ex.ErrorCode, $"Blob storage answered {ex.Status} {ex.ErrorCode} for {what}.", requestId);
    }
}

/// <summary>A resolved datastore: its name (for <c>azureml://…/datastores/&lt;name&gt;/paths/…</c> URIs) and its container.</summary>
internal sealed record ResolvedDatastore(string Name, BlobContainerClient Container);

/// <summary>Where a workspace is in ARM.</summary>
internal sealed record WorkspaceCoordinates(string SubscriptionId, string ResourceGroup, string WorkspaceName)
{
    /// <summary>The workspace's ARM resource id.</summary>
    public string ResourceId => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{WorkspaceName}";
}
