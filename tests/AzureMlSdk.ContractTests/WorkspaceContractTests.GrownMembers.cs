namespace AzureMlSdk.ContractTests;

// Members the tracking contract gained after its first release (default experiment, experiment-tag deletion, run
// inputs/outputs, MLflow 3 logged models): every backend answers them the same way.
public abstract partial class WorkspaceContractTests
{
    private ITrackingStore Tracking => Ws.Backend.Tracking;

    private async Task<RunData> NewRunAsync(string experiment)
    {
        var e = await Tracking.CreateExperimentAsync(experiment, null, CancellationToken.None);
        return await Tracking.CreateRunAsync(new NewRun(e.ExperimentId, "r", DateTimeOffset.UtcNow), CancellationToken.None);
    }

    private static RunDatasetInput Dataset(string name, string digest, string context) =>
        new(new DatasetData(name, digest, "local", """{"uri":"data.csv"}""", """{"mlflow_colspec":[]}"""), [new("mlflow.data.context", context)]);

    [Fact]
    public async Task EnsureDefaultExperiment_gives_the_Default_experiment_and_is_idempotent()
    {
        var first = await Tracking.EnsureDefaultExperimentAsync(CancellationToken.None);
        var second = await Tracking.EnsureDefaultExperimentAsync(CancellationToken.None);

        Assert.NotNull(first);
        Assert.Equal("Default", first.Name);
        Assert.Equal(first.ExperimentId, second!.ExperimentId);
        Assert.Equal("Default", (await Ws.GetExperimentAsync("Default"))?.Name);
    }

    [Fact]
    public async Task DeleteExperimentTag_removes_the_tag_and_a_second_delete_is_not_found()
    {
        var e = await Tracking.CreateExperimentAsync("tagged", new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, CancellationToken.None);

        await Tracking.DeleteExperimentTagAsync(e.ExperimentId, "a", CancellationToken.None);

        var tags = (await Tracking.GetExperimentAsync(e.ExperimentId, CancellationToken.None)).Tags;
        Assert.False(tags.ContainsKey("a"));
        Assert.Equal("2", tags["b"]);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tracking.DeleteExperimentTagAsync(e.ExperimentId, "a", CancellationToken.None));
    }

    [Fact]
    public async Task Run_inputs_and_outputs_are_kept_in_logging_order_and_a_replay_changes_nothing()
    {
        var run = await NewRunAsync("io");
        var train = Dataset("iris", "d1", "training");
        var eval = Dataset("iris-eval", "d2", "evaluation");

        await Tracking.LogInputsAsync(run.RunId, [train, eval], ["m-in"], CancellationToken.None);
        await Tracking.LogInputsAsync(run.RunId, [train], ["m-in"], CancellationToken.None); // replay
        await Tracking.LogOutputsAsync(run.RunId, [new RunModelOutput("m-out", 3), new RunModelOutput("m-out", 3)], CancellationToken.None);

        var io = await Tracking.GetRunInputsOutputsAsync(run.RunId, CancellationToken.None);
        Assert.Equal(["iris", "iris-eval"], io.DatasetInputs.Select(d => d.Dataset.Name));
        Assert.Equal(train.Dataset, io.DatasetInputs[0].Dataset);
        Assert.Equal([new KeyValuePair<string, string>("mlflow.data.context", "training")], io.DatasetInputs[0].Tags);
        Assert.Equal(["m-in"], io.ModelInputs);
        Assert.Equal([new RunModelOutput("m-out", 3)], io.ModelOutputs);
    }

    [Fact]
    public async Task Run_inputs_of_a_run_without_any_are_empty_and_of_an_unknown_run_not_found()
    {
        var run = await NewRunAsync("io-empty");

        var io = await Tracking.GetRunInputsOutputsAsync(run.RunId, CancellationToken.None);

        Assert.Empty(io.DatasetInputs);
        Assert.Empty(io.ModelInputs);
        Assert.Empty(io.ModelOutputs);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tracking.GetRunInputsOutputsAsync("0123456789abcdef0123456789abcdef", CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tracking.LogInputsAsync("0123456789abcdef0123456789abcdef", [Dataset("x", "d", "training")], [], CancellationToken.None));
    }

    [Fact]
    public async Task Logged_model_goes_from_pending_to_ready_and_keeps_tags_and_params()
    {
        var run = await NewRunAsync("logged");

        var created = await Tracking.CreateLoggedModelAsync(new NewLoggedModel(run.ExperimentId, "clf", "sklearn", run.RunId,
            new Dictionary<string, string> { ["env"] = "dev" }, new Dictionary<string, string> { ["alpha"] = "0.5" }), CancellationToken.None);
        var ready = await Tracking.FinalizeLoggedModelAsync(created.ModelId, LoggedModelStatus.Ready, CancellationToken.None);
        await Tracking.SetLoggedModelTagsAsync(created.ModelId, new Dictionary<string, string> { ["env"] = "prod", ["team"] = "a" }, CancellationToken.None);
        await Tracking.LogLoggedModelParamsAsync(created.ModelId, new Dictionary<string, string> { ["beta"] = "1" }, CancellationToken.None);
        await Tracking.DeleteLoggedModelTagAsync(created.ModelId, "team", CancellationToken.None);
        var got = await Tracking.GetLoggedModelAsync(created.ModelId, CancellationToken.None);

        Assert.Matches("^m-[0-9a-f]{32}$", created.ModelId);
        Assert.Equal(LoggedModelStatus.Pending, created.Status);
        Assert.Equal(LoggedModelStatus.Ready, ready.Status);
        Assert.Equal(("clf", "sklearn", run.RunId, run.ExperimentId), (got.Name, got.ModelType, got.SourceRunId, got.ExperimentId));
        Assert.Equal(new Dictionary<string, string> { ["env"] = "prod" }, got.Tags);
        Assert.Equal(new Dictionary<string, string> { ["alpha"] = "0.5", ["beta"] = "1" }, got.Params);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tracking.DeleteLoggedModelTagAsync(created.ModelId, "team", CancellationToken.None));
    }

    [Fact]
    public async Task Logged_models_are_searched_by_filter_and_paged_and_a_deleted_one_is_gone()
    {
        var run = await NewRunAsync("logged-search");
        var a = await Tracking.CreateLoggedModelAsync(new NewLoggedModel(run.ExperimentId, "a", Tags: new Dictionary<string, string> { ["env"] = "prod" }), CancellationToken.None);
        var b = await Tracking.CreateLoggedModelAsync(new NewLoggedModel(run.ExperimentId, "b"), CancellationToken.None);
        var unnamed = await Tracking.CreateLoggedModelAsync(new NewLoggedModel(run.ExperimentId), CancellationToken.None);

        var prod = await Tracking.SearchLoggedModelsAsync(new LoggedModelQuery([run.ExperimentId], "tags.env = 'prod'"), CancellationToken.None);
        var byName = await Tracking.SearchLoggedModelsAsync(new LoggedModelQuery([run.ExperimentId], OrderBy: [new LoggedModelOrder("name")], MaxResults: 2), CancellationToken.None);
        var rest = await Tracking.SearchLoggedModelsAsync(new LoggedModelQuery([run.ExperimentId], OrderBy: [new LoggedModelOrder("name")], MaxResults: 2, PageToken: byName.NextPageToken), CancellationToken.None);
        await Tracking.DeleteLoggedModelAsync(b.ModelId, CancellationToken.None);

        Assert.Equal([a.ModelId], prod.Items.Select(m => m.ModelId));
        Assert.False(string.IsNullOrEmpty(unnamed.Name)); // a name is generated
        Assert.Equal(new[] { "a", "b", unnamed.Name }.Order(StringComparer.Ordinal), byName.Items.Concat(rest.Items).Select(m => m.Name));
        Assert.Null(rest.NextPageToken);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tracking.GetLoggedModelAsync(b.ModelId, CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tracking.DeleteLoggedModelAsync(b.ModelId, CancellationToken.None));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Tracking.CreateLoggedModelAsync(new NewLoggedModel("987654"), CancellationToken.None));
    }
}
