namespace AzureMlSdk.IntegrationTests.Jobs;

/// <summary>
/// The repository's pipeline sample (<c>samples/pipeline/pipeline.yml</c>: prep → train → evaluate → register, four component files with
/// a shared code folder, a local CSV input, number and integer inputs) submitted through the Remote backend to the Emulator, twice, as the
/// sample does on the local workspace: the first run completes every step, the second reuses every one, and the pipeline's model output
/// downloads. The sweep variant (<c>samples/pipeline/pipeline_sweep.yml</c>: train becomes <c>tune</c>, a seeded sweep step over the train
/// component) likewise: the tune step's six trials are its children, evaluate and register consume the best trial's model, and the second
/// submit reuses every step, the sweep included.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class RemoteEmulatorPipelineSampleTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("remote-pipeline-sample-").FullName;
    private Workspace _ws = null!;

    public async Task InitializeAsync() => _ws = await emulator.OpenAsync(await emulator.CreateWorkspaceAsync());

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        Directory.Delete(_scratch, recursive: true);
    }

    private static string SampleFile(string name = "pipeline.yml")
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "samples", "pipeline", name);
            if (File.Exists(file))
            {
                return file;
            }
        }
        throw new FileNotFoundException($"samples/pipeline/{name} was not found above the test's folder.");
    }

    [Fact]
    public async Task The_pipeline_sample_runs_on_the_Emulator_and_its_second_submit_reuses_every_step()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var definition = PipelineJob.Load(SampleFile());

        var first = await (await _ws.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token)).WaitAsync(timeout.Token);
        var second = await (await _ws.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token)).WaitAsync(timeout.Token);

        Assert.True(first.Status == JobStatus.Completed, $"{first.Status}: {first.Error?.Message}");
        Assert.Equal(JobStatus.Completed, second.Status);
        var firstSteps = await _ws.Jobs.ListAsync(first.Name, cancellationToken: timeout.Token).ToListAsync(timeout.Token);
        Assert.Equal(["evaluate", "prep", "register", "train"], firstSteps.Select(s => s.Properties["azureml.nodeid"]).Order(StringComparer.Ordinal));
        Assert.All(firstSteps, s => Assert.Equal("false", s.Properties["azureml.isreused"]));
        var secondSteps = await _ws.Jobs.ListAsync(second.Name, cancellationToken: timeout.Token).ToListAsync(timeout.Token);
        Assert.Equal(4, secondSteps.Count);
        Assert.All(secondSteps, s => Assert.Equal(
            firstSteps.Single(f => f.Properties["azureml.nodeid"] == s.Properties["azureml.nodeid"]).Name, s.Properties["azureml.reusedrunid"]));

        await _ws.Jobs.DownloadAsync(second.Name, _scratch, outputName: "model", cancellationToken: timeout.Token);
        var model = await File.ReadAllTextAsync(Path.Combine(_scratch, "named-outputs", "model", "model.txt"), timeout.Token);
        Assert.False(string.IsNullOrWhiteSpace(model));
    }

    [Fact]
    public async Task The_sweep_pipeline_sample_runs_its_tune_step_as_a_sweep_on_the_Emulator_and_its_second_submit_reuses_every_step()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var definition = PipelineJob.Load(SampleFile("pipeline_sweep.yml"));

        var first = await (await _ws.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token)).WaitAsync(timeout.Token);
        var second = await (await _ws.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token)).WaitAsync(timeout.Token);

        Assert.True(first.Status == JobStatus.Completed, $"{first.Status}: {first.Error?.Message}");
        Assert.True(second.Status == JobStatus.Completed, $"{second.Status}: {second.Error?.Message}");
        var firstSteps = await _ws.Jobs.ListAsync(first.Name, cancellationToken: timeout.Token).ToDictionaryAsync(s => s.Properties["azureml.nodeid"], cancellationToken: timeout.Token);
        Assert.Equal(["evaluate", "prep", "register", "tune"], firstSteps.Keys.Order(StringComparer.Ordinal));
        var tune = firstSteps["tune"];
        Assert.Equal(JobType.Sweep, tune.Type);
        var trials = await _ws.Jobs.ListAsync(tune.Name, cancellationToken: timeout.Token).ToListAsync(timeout.Token);
        Assert.Equal(6, trials.Count);
        Assert.All(trials, t => Assert.True(t.Run.LatestMetrics.ContainsKey("train_mse"), $"trial {t.Name} logged no train_mse"));
        var best = Assert.Single(trials, t => t.Name == tune.Properties["best_child_run_id"]);
        Assert.Equal(trials.Min(t => t.Run.LatestMetrics["train_mse"].Value), best.Run.LatestMetrics["train_mse"].Value);   // goal: minimize

        var secondSteps = await _ws.Jobs.ListAsync(second.Name, cancellationToken: timeout.Token).ToListAsync(timeout.Token);
        Assert.Equal(4, secondSteps.Count);
        Assert.All(secondSteps, s => Assert.Equal(
            firstSteps[s.Properties["azureml.nodeid"]].Name, s.Properties["azureml.reusedrunid"]));

        // The pipeline's model output is the best trial's model.
        await _ws.Jobs.DownloadAsync(second.Name, Path.Combine(_scratch, "pipeline"), outputName: "model", cancellationToken: timeout.Token);
        await _ws.Jobs.DownloadAsync(best.Name, Path.Combine(_scratch, "best"), outputName: "model", cancellationToken: timeout.Token);
        Assert.Equal(
            await File.ReadAllTextAsync(Path.Combine(_scratch, "best", "named-outputs", "model", "model.txt"), timeout.Token),
            await File.ReadAllTextAsync(Path.Combine(_scratch, "pipeline", "named-outputs", "model", "model.txt"), timeout.Token));
    }
}
