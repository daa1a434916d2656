using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.DependencyInjection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AzureMlSdk.Tests.Backends.Remote;

public sealed class AddAzureMlTests
{
    [Fact]
    public async Task AddAzureMl_registers_typed_refit_clients_with_auth_and_the_workspace_provider()
    {
        await using var server = await LoopbackServer.StartAsync();
        server.Handle = (ctx, req) => req.Path.EndsWith("/models/iris", StringComparison.Ordinal)
            ? LoopbackServer.JsonAsync(ctx, 200, """{"name":"iris","properties":{"latestVersion":"4"}}""")
            : LoopbackServer.JsonAsync(ctx, 200, $$$"""{"name":"ws1","properties":{"mlFlowTrackingUri":"{{{server.BaseUri.AbsoluteUri}}}mlflow"}}""");
        var time = new FakeTimeProvider();
        var services = new ServiceCollection().AddAzureMl(o =>
        {
            o.SubscriptionId = "00000000-1111-2222-3333-444444444444";
            o.ResourceGroup = "rg";
            o.WorkspaceName = "ws1";
            o.Credential = new CountingCredential(time, TimeSpan.FromHours(1));
            o.ResourceManagerEndpoint = server.BaseUri;
            o.TimeProvider = time;
        });
        await using var provider = services.BuildServiceProvider();

        var models = provider.GetRequiredService<IArmModelsApi>();
        var container = await models.GetContainerAsync("00000000-1111-2222-3333-444444444444", "rg", "ws1", "iris", default);
        Assert.Equal("4", container.Properties!.LatestVersion);
        Assert.StartsWith("Bearer tok-SECRET-", server.Requests.Last().Authorization, StringComparison.Ordinal);

        var workspace = await provider.GetRequiredService<IAzureMlWorkspaceProvider>().GetWorkspaceAsync();
        Assert.Equal("ws1", workspace.Name);
        Assert.Equal(WorkspaceKind.Remote, workspace.Kind);
        Assert.Equal(new Uri(server.BaseUri, "/mlflow"), workspace.TrackingUri);
    }
}
