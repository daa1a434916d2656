namespace AzureMlSdk.ContractTests.Assets;

/// <summary>
/// Assets used by jobs on the local workspace: a data asset created from a local folder is an input by <c>azureml:name@latest</c>,
/// and a registered component (its code snapshotted) runs as a command job through <see cref="CommandComponent.ToJob"/>.
/// </summary>
public sealed class LocalAssetJobTests : ContractTestBase
{
    protected override Task<Workspace> CreateWorkspaceAsync(string scratchDirectory) =>
        Task.FromResult(Workspace.Local(Path.Combine(scratchDirectory, "ws")));

    [Fact]
    public async Task A_registered_component_runs_on_a_registered_data_asset()
    {
        var data = Scratch("iris/train.csv");
        await File.WriteAllTextAsync(data, "sepal,petal\n5.1,1.4\n");
        var code = Scratch("src/count.sh");
        await File.WriteAllTextAsync(code, "echo \"rows: $(wc -l < \"$1/train.csv\")\"; echo \"epochs: $2\"\n");
        await Ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "iris", Path = Path.GetDirectoryName(data)! });
        await Ws.Components.CreateOrUpdateAsync(new CommandComponent
        {
            Name = "count_rows",
            Code = Path.GetDirectoryName(code),
            Inputs = { ["training_data"] = new() { Type = InputType.UriFolder }, ["epochs"] = new() { Type = InputType.Integer, Default = 3L } },
            Command = "sh count.sh ${{inputs.training_data}} ${{inputs.epochs}}",
        });
        File.Delete(code); // the job runs from the snapshot, not from the folder

        var component = await Ws.Components.GetAsync("count_rows", label: "latest");
        var job = await Ws.Jobs.CreateOrUpdateAsync(component.ToJob(new() { ["training_data"] = Input.UriFolder("azureml:iris@latest") }));
        var log = new StringWriter();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await job.StreamAsync(log, cts.Token);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains("rows: 2", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("epochs: 3", log.ToString(), StringComparison.Ordinal);
    }
}
