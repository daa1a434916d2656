using System.Net;
using AzureMlSdk.Backends.Local.Jobs;
using AzureMlSdk.Emulator.Arm;
using AzureMlSdk.Emulator.Hosting;
using AzureMlSdk.Emulator.Jobs;
using AzureMlSdk.Studio;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace AzureMlSdk.Emulator;

/// <summary>
/// The running Emulator: Kestrel with the ARM and MLflow routes over one local backend per workspace, the online
/// endpoints it hosts and the batch jobs it runs, plus the Azurite it started (if any). Disposing stops them all.
/// </summary>
internal sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly AzuriteProcess? _azurite;
    private readonly EmulatorEndpointHosting _endpoints;
    private readonly EmulatorStudio _studio;

    private EmulatorHost(WebApplication app, Uri baseAddress, WorkspaceRegistry workspaces, EmulatorEndpointHosting endpoints, FaultInjector faults, EmulatorStats stats, AzuriteProcess? azurite, EmulatorStudio studio)
    {
        _app = app;
        _studio = studio;
        _endpoints = endpoints;
        BaseAddress = baseAddress;
        Workspaces = workspaces;
        Faults = faults;
        Stats = stats;
        _azurite = azurite;
    }

    /// <summary>Where the Emulator listens, e.g. <c>http://127.0.0.1:5123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The workspaces it serves.</summary>
    public WorkspaceRegistry Workspaces { get; }

    /// <summary>The fault injector (tests switch it on and off).</summary>
    public FaultInjector Faults { get; }

    /// <summary>Request and fault counters.</summary>
    public EmulatorStats Stats { get; }

    /// <summary>The online endpoints it hosts and the batch jobs it runs.</summary>
    public EmulatorEndpointHosting Endpoints => _endpoints;

    /// <summary>Azurite's blob endpoint the datastores describe.</summary>
    public Uri BlobEndpoint => Workspaces.BlobEndpoint;

    /// <summary>Starts Azurite when asked, creates the default workspace and starts listening.</summary>
    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        AzuriteProcess? azurite = null;
        EmulatorEndpointHosting? endpoints = null;
        EmulatorStudio? studio = null;
        try
        {
            if (options.StartAzurite)
            {
                // Blobs live beside the workspaces, so a restarted Emulator still has its models and artifacts.
                azurite = await AzuriteProcess.StartAsync(options.AzuritePath ?? AzuriteProcess.FindExecutable(), Path.Combine(options.DataDirectory, "azurite"), cancellationToken).ConfigureAwait(false);
                options.BlobEndpoint = azurite.BlobEndpoint;
            }

            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var address = options.Host is "localhost" ? IPAddress.Loopback : IPAddress.Parse(options.Host);
            builder.WebHost.ConfigureKestrel(k =>
            {
                k.Listen(address, options.Port);
                k.Limits.MaxRequestBodySize = 64 * 1024 * 1024;
            });

            var stats = new EmulatorStats();
            var faults = new FaultInjector(options.FaultRate, options.FaultSeed, options.FaultMaxRetryAfterSeconds);
            var workspaces = new WorkspaceRegistry(options);
            await workspaces.InitializeAsync(cancellationToken).ConfigureAwait(false);
            endpoints = new EmulatorEndpointHosting(workspaces, options);
            await endpoints.RestoreAsync(cancellationToken).ConfigureAwait(false);

            var app = builder.Build();
            app.UseEmulatorPipeline(options.Token!, faults, stats);
            studio = new EmulatorStudio(options.Token!);
            app.UseAzureMlStudio(EmulatorStudio.PathPrefix, studio.GetAsync, options.Token!);
            AdminEndpoints.Map(app, faults, stats);
            ArmEndpoints.Map(app, workspaces);
            AssetRoutes.Map(app, workspaces);
            CodeAndComputeRoutes.Map(app, workspaces);
            OnlineEndpointRoutes.Map(app, workspaces, endpoints);
            BatchEndpointRoutes.Map(app, workspaces, endpoints);
            JobRoutes.Map(app, workspaces, endpoints);
            var mlflow = workspaces.ForMlflow(stats);
            MlflowEndpoints.Map(app, mlflow);
            MlflowArtifactsEndpoints.Map(app, mlflow);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);

            var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var port = new Uri(bound).Port;
            var shownHost = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) ? "127.0.0.1" : address.ToString();
            if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && !address.Equals(IPAddress.IPv6Any))
            {
                shownHost = $"[{shownHost}]";
            }
            var baseAddress = new Uri($"http://{shownHost}:{port}/");
            // Jobs log into their run through the Emulator's own MLflow routes for their workspace, with its token.
            var token = options.Token!;
            workspaces.HostJobs(ws => new JobSupervisorOptions
            {
                TrackingUri = new Uri($"{baseAddress.AbsoluteUri.TrimEnd('/')}/mlflow/v1.0{ws.ResourceId}"),
                TrackingToken = token,
            });
            return new EmulatorHost(app, baseAddress, workspaces, endpoints, faults, stats, azurite, studio);
        }
        catch
        {
            if (studio is not null)
            {
                await studio.DisposeAsync().ConfigureAwait(false);
            }
            if (endpoints is not null)
            {
                await endpoints.DisposeAsync().ConfigureAwait(false);
            }
            if (azurite is not null)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>Waits until the process is asked to stop (Ctrl+C, SIGTERM).</summary>
    public Task WaitForShutdownAsync() => _app.WaitForShutdownAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
            await _studio.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _endpoints.DisposeAsync().ConfigureAwait(false);
            await Workspaces.DisposeAsync().ConfigureAwait(false);
            if (_azurite is not null)
            {
                await _azurite.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
