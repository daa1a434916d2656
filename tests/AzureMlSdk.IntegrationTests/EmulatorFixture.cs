using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Azure.Core;
using AzureMlSdk.Backends;
using AzureMlSdk.Emulator;

namespace AzureMlSdk.IntegrationTests;

/// <summary>
/// One Emulator (in this process, on Kestrel at 127.0.0.1:0: real HTTP) over one Azurite (a child process from
/// <c>eng/tools</c>, installed by <c>eng/services.sh install</c>), with temp data folders; both stopped at the end.
/// </summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "azureml-emulator-tests-" + Guid.NewGuid().ToString("N"));
    private EmulatorHost? _host;

    /// <summary>The bearer token the Emulator accepts.</summary>
    public string Token { get; } = "test-" + Guid.NewGuid().ToString("N");

    internal EmulatorHost Host => _host ?? throw new InvalidOperationException("The Emulator is not running.");

    /// <summary>The Emulator's base URL (the ARM endpoint).</summary>
    public Uri BaseAddress => Host.BaseAddress;

    /// <summary>An authenticated client of the Emulator.</summary>
    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _host = await EmulatorHost.StartAsync(new EmulatorOptions
        {
            Port = 0,
            DataDirectory = _data,
            Token = Token,
            StartAzurite = true,
            // Clients poll at once; the Emulator still answers each operation's first poll InProgress and holds later ones briefly.
            OperationRetryAfterSeconds = 0,
        }, timeout.Token);
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public async Task DisposeAsync()
    {
        Http?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // SQLite files still closing; the OS cleans temp.
        }
    }

    /// <summary>The ARM path of a workspace in the default subscription and resource group.</summary>
    public static string WorkspacePath(string name) =>
        $"/subscriptions/{WorkspaceInfo.LocalSubscriptionId}/resourceGroups/{WorkspaceInfo.LocalName}/providers/Microsoft.MachineLearningServices/workspaces/{name}";

    /// <summary>A workspace's MLflow tracking URI, as its ARM <c>mlFlowTrackingUri</c> gives it (absolute, no trailing slash).</summary>
    public string TrackingUri(string workspace) => new Uri(BaseAddress, $"/mlflow/v1.0{WorkspacePath(workspace)}").AbsoluteUri;

    /// <summary>The MLflow artifacts proxy base of a workspace (ends with <c>/api/2.0/mlflow-artifacts/</c>).</summary>
    public string ArtifactsBase(string workspace) => $"/mlflow/v1.0{WorkspacePath(workspace)}/api/2.0/mlflow-artifacts/";

    /// <summary>The MLflow API base of a workspace (ends with <c>/api/2.0/mlflow/</c>).</summary>
    public string MlflowBase(string workspace) => $"/mlflow/v1.0{WorkspacePath(workspace)}/api/2.0/mlflow/";

    /// <summary>Creates a fresh workspace through ARM (PUT) and returns its name.</summary>
    public async Task<string> CreateWorkspaceAsync()
    {
        var name = "ws-" + Guid.NewGuid().ToString("N")[..20];
        using var content = new StringContent("""{"location":"local","properties":{"friendlyName":"test"}}""", Encoding.UTF8, "application/json");
        using var response = await Http.PutAsync(WorkspacePath(name) + "?api-version=2026-07-01", content);
        response.EnsureSuccessStatusCode();
        return name;
    }

    /// <summary>Opens a workspace through the Remote backend, as a user would.</summary>
    public Task<Workspace> OpenAsync(string name, Action<WorkspaceOptions>? configure = null)
    {
        var options = new WorkspaceOptions { ResourceManagerEndpoint = BaseAddress };
        configure?.Invoke(options);
        return Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, name, new StaticTokenCredential(Token), options);
    }

    /// <summary>Switches fault injection (and resets the counters).</summary>
    public async Task SetFaultsAsync(double rate, int seed = 1, int maxRetryAfter = 1)
    {
        using var response = await Http.PostAsJsonAsync("/_emulator/faults", new { rate, seed, max_retry_after = maxRetryAfter, reset_stats = true });
        response.EnsureSuccessStatusCode();
    }
}

/// <summary>A credential that always returns one token (the Emulator's static token).</summary>
public sealed class StaticTokenCredential(string token) : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(token, DateTimeOffset.UtcNow.AddHours(1));

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Emulator";
}
