using System.Net;
using System.Net.Sockets;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Serving;

namespace AzureMlSdk.Tests.Endpoints;

/// <summary>
/// Creating an endpoint with given keys on a preferred port: how a server that keeps endpoints across its restarts (the Emulator)
/// brings one back with the same credentials and, when it can, the same scoring URI.
/// </summary>
public sealed class LocalEndpointRestoreTests : EndpointTestBase
{
    private const string Body = """{"inputs": {"features": [[1, 1, 1]]}}""";

    private LocalWorkspaceBackend Local => (LocalWorkspaceBackend)Ws.Backend;

    [Fact]
    public async Task An_endpoint_comes_back_with_its_keys_on_its_port_when_free_and_on_another_when_taken()
    {
        var keys = new EndpointKeys("primary-0123456789abcdef", "secondary-0123456789abcdef");
        int freePort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            freePort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var onFree = await Local.LocalEndpoints.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("restore-free"), keys, freePort, null, Ct);

        Assert.Equal(freePort, onFree.ScoringUri!.Port);
        Assert.Equal(keys, await Local.Endpoints.GetKeysAsync("restore-free", Ct));
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenPort = ((IPEndPoint)taken.LocalEndpoint).Port;

        var moved = await Local.LocalEndpoints.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("restore-taken"), keys, takenPort, null, Ct);

        Assert.NotEqual(takenPort, moved.ScoringUri!.Port);
        var model = await RegisterAsync("linear", TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        var ep = await Ws.GetEndpointAsync("restore-taken", Ct);
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true }, cancellationToken: Ct);
        await ep.RefreshAsync(Ct);
        using var withSecondary = await PostAsync(ep, Body, keys.SecondaryKey);
        using var withOther = await PostAsync(ep, Body, "another-key-0123456789");
        Assert.Equal(HttpStatusCode.OK, withSecondary.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withOther.StatusCode);
    }
}
