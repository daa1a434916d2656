using System.Collections.Concurrent;
using AzureMlSdk.Operations;

namespace AzureMlSdk.ContractTests;

// Long-running work as operation objects: begin, poll, value, failure, finding it again by id.
public abstract partial class EndpointContractTests
{
    private sealed class Collect : IProgress<string>
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public void Report(string value) => Messages.Enqueue(value);
    }

    [Fact]
    public async Task Begin_operations_are_polled_until_done_and_give_their_value()
    {
        var model = await RegisterLinearAsync(0.5f);
        var heard = new Collect();

        var create = await Ws.BeginCreateOrUpdateEndpointAsync(new OnlineEndpointSpec("op-ep"), heard);
        while (!await create.UpdateStatusAsync())
        {
            Assert.Throws<InvalidOperationException>(() => create.Value);
            await Task.Delay(20);
        }
        var ep = create.Value;
        var deploy = await ep.BeginDeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true }, heard);
        var blue = await deploy.WaitForCompletionAsync();

        Assert.True(create.HasValue);
        Assert.Equal("Succeeded", create.Status);
        Assert.Equal("op-ep", ep.Name);
        Assert.False(string.IsNullOrEmpty(create.Id));
        Assert.NotEqual(create.Id, deploy.Id);
        Assert.Equal(("blue", ProvisioningState.Succeeded), (blue.Name, blue.ProvisioningState));
        Assert.Equal(6.5, Score(await ep.InvokeAsync(OneRow)));
        Assert.Contains(heard.Messages, m => m.Contains("blue", StringComparison.Ordinal));
        Assert.Equal(heard.Messages.Last(m => m.Contains("blue", StringComparison.Ordinal)), deploy.LastMessage);

        var delete = await ep.BeginDeleteAsync();
        Assert.True(await delete.WaitForCompletionAsync());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetEndpointAsync("op-ep"));
    }

    [Fact]
    public async Task A_failed_operation_throws_the_state_error_with_the_service_code_when_waited_for()
    {
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("op-broken"));
        var notOnnx = Scratch("weights/weights.bin");
        await File.WriteAllTextAsync(notOnnx, "not a model");
        var unservable = await Ws.RegisterModelAsync("op-weights", notOnnx);

        // An unknown version is refused before anything starts; a version that cannot be served fails the operation.
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => ep.BeginDeployAsync(new OnlineDeploymentSpec("blue", "ghost", 7)));
        var deploy = await ep.BeginDeployAsync(new OnlineDeploymentSpec("blue", unservable));
        var error = await Assert.ThrowsAsync<InvalidStateException>(() => deploy.WaitForCompletionAsync());

        Assert.False(string.IsNullOrEmpty(error.ErrorCode));
        Assert.Equal(("Failed", true, false), (deploy.Status, deploy.HasCompleted, deploy.HasValue));
        Assert.Same(error, Assert.Throws<InvalidStateException>(() => deploy.Value));
        Assert.Equal(ProvisioningState.Failed, (await ep.GetDeploymentAsync("blue")).ProvisioningState);
        if (Ws.Kind == WorkspaceKind.Remote)
        {
            OperationRunner.Forget(deploy.Id); // as another process sees it: only the id
            var resumed = await Ws.GetOperationAsync<OnlineDeployment>(deploy.Id);
            var again = await Assert.ThrowsAsync<InvalidStateException>(() => resumed.WaitForCompletionAsync());
            Assert.Equal(error.ErrorCode, again.ErrorCode);
        }
    }

    [Fact]
    public async Task An_operation_is_found_again_by_id_here_and_elsewhere_only_when_the_service_keeps_it()
    {
        var model = await RegisterLinearAsync(1f);
        var ep = await Ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("op-again"));
        var deploy = await ep.BeginDeployAsync(new OnlineDeploymentSpec("blue", model));

        Assert.Same(deploy, await Ws.GetOperationAsync<OnlineDeployment>(deploy.Id));
        Assert.Same(deploy, await Ws.GetOperationAsync(deploy.Id));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.GetOperationAsync<BatchEndpoint>(deploy.Id));
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.GetOperationAsync("not-an-operation"));
        await deploy.WaitForCompletionAsync();

        OperationRunner.Forget(deploy.Id); // as another process sees it: only the id
        if (Ws.Kind == WorkspaceKind.Remote)
        {
            var resumed = await Ws.GetOperationAsync<OnlineDeployment>(deploy.Id);
            var blue = await resumed.WaitForCompletionAsync();
            Assert.NotSame(deploy, resumed);
            Assert.Equal(("blue", ProvisioningState.Succeeded), (blue.Name, blue.ProvisioningState));
        }
        else
        {
            // Local work runs in the process that started it; another process cannot find it.
            await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetOperationAsync<OnlineDeployment>(deploy.Id));
        }
    }
}
