namespace AzureMlSdk.ContractTests;

// Batch endpoint and deployment lifecycles as operation objects.
public abstract partial class BatchEndpointContractTests
{
    [Fact]
    public async Task Begin_operations_create_deploy_and_delete_a_batch_endpoint()
    {
        var model = await RegisterLinearAsync(0f);

        var create = await Ws.BeginCreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("op-batch") { Description = "via operations" });
        var be = await create.WaitForCompletionAsync();
        var deploy = await be.BeginDeployAsync(new BatchDeploymentSpec("onnx", model));
        var deployed = await deploy.WaitForCompletionAsync();

        Assert.Equal(("op-batch", "via operations"), (be.Name, be.Description));
        Assert.Equal(("Succeeded", "onnx"), (deploy.Status, deployed.DefaultDeployment));
        Assert.Equal(["onnx"], deployed.Deployments);
        Assert.Same(deploy, await Ws.GetOperationAsync(deploy.Id));

        var delete = await deployed.BeginDeleteAsync();
        Assert.True(await delete.WaitForCompletionAsync());
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.GetBatchEndpointAsync("op-batch"));
    }
}
