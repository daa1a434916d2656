namespace AzureMlSdk.ContractTests;

/// <summary>
/// The jobs part of the contract suite: what a user sees of <c>ws.Jobs</c> and <c>ws.Computes</c>, identical on every backend.
/// The local workspace runs it now (<see cref="LocalJobContractTests"/>); the Remote→Emulator run derives from this class in the
/// integration tests (as <c>RemoteEmulatorContractTests</c> does for <see cref="WorkspaceContractTests"/>) once the Emulator serves
/// ARM jobs. Commands are POSIX shell (the Emulator runs them on its own machine, as the local workspace does).
/// </summary>
public abstract class JobContractTests : ContractTestBase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>
    /// The environment every job names: Azure ML (and so the Emulator's ARM routes) needs one; the local workspace and the Emulator
    /// run jobs in the host's environment and only record it.
    /// </summary>
    protected const string Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";

    private static async Task<Job> EndAsync(Job job)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await job.WaitAsync(cts.Token);
    }

    [Fact]
    public async Task A_command_job_runs_to_Completed_with_its_log_and_run()
    {
        var code = Scratch("src/message.txt");
        await File.WriteAllTextAsync(code, "hello from the code folder");
        var job = await Ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Environment = Environment,
            DisplayName = "contract-echo", ExperimentName = "contract-jobs", Code = Path.GetDirectoryName(code),
            Command = "echo lr=${{inputs.lr}}; cat message.txt",
            Inputs = { ["lr"] = 0.25 },
        });

        Assert.False(job.Status.IsTerminal());
        var log = new StringWriter();
        using var cts = new CancellationTokenSource(Patience);
        await job.StreamAsync(log, cts.Token);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains("lr=0.25", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("hello from the code folder", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(JobType.Command, job.Type);
        Assert.Equal("contract-echo", job.DisplayName);
        Assert.Equal("contract-jobs", job.ExperimentName);
        Assert.Equal("0.25", job.Run.Params["lr"]);
        Assert.Equal(job.Name, (await Ws.Jobs.GetAsync(job.Name)).Name);
    }

    [Fact]
    public async Task A_failing_command_ends_Failed_with_its_exit_code()
    {
        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "echo going down; exit 3" }));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("3", job.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("going down", job.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_canceled_job_ends_Canceled()
    {
        var job = await Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "sleep 120" });
        using var cts = new CancellationTokenSource(Patience);
        while ((await job.RefreshAsync(cts.Token)).Status is not (JobStatus.Running or JobStatus.Completed or JobStatus.Failed))
        {
            await Task.Delay(50, cts.Token);
        }

        await Ws.Jobs.CancelAsync(job.Name, cts.Token);
        await job.WaitAsync(cts.Token);

        Assert.Equal(JobStatus.Canceled, job.Status);
    }

    [Fact]
    public async Task Outputs_download_in_az_ml_layout()
    {
        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Environment = Environment,
            Command = "echo trained > ${{outputs.model}}/model.txt && mkdir -p outputs && echo m > outputs/metrics.txt",
            Outputs = { ["model"] = Output.UriFolder() },
        }));
        Assert.Equal(JobStatus.Completed, job.Status);

        var destination = Scratch("download/x");
        destination = Path.GetDirectoryName(destination)!;
        await Ws.Jobs.DownloadAsync(job.Name, destination);

        Assert.Equal("trained\n", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "model", "model.txt")));
        Assert.Equal("m\n", await File.ReadAllTextAsync(Path.Combine(destination, "artifacts", "outputs", "metrics.txt")));
    }

    [Fact]
    public async Task Bad_definitions_and_unknown_computes_are_rejected_at_submit()
    {
        var placeholder = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "echo ${{inputs.nope}}" }));
        Assert.Contains("nope", placeholder.Message, StringComparison.Ordinal);

        var compute = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "true", Compute = "no-such-cluster" }));
        Assert.Contains("no-such-cluster", compute.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Jobs.GetAsync("no_such_job_name"));
    }

    [Fact]
    public async Task Jobs_list_newest_first_and_archive_hides_them()
    {
        var first = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "true" }));
        var second = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "true" }));

        var names = await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync();
        Assert.Equal([second.Name, first.Name], names.Where(n => n == first.Name || n == second.Name));

        await Ws.Jobs.ArchiveAsync(first.Name);
        Assert.DoesNotContain(first.Name, await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
    }

    [Fact]
    public async Task Local_compute_exists_and_clusters_are_created_and_deleted()
    {
        var local = await Ws.Computes.GetAsync("local");
        Assert.Equal("local", local.Name);

        var cluster = await Ws.Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "contract-pool", MaxInstances = 3 });
        Assert.Equal(3, cluster.MaxInstances);
        Assert.Contains("contract-pool", await Ws.Computes.ListAsync().Select(c => c.Name).ToListAsync());

        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "true", Compute = "azureml:contract-pool" }));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("contract-pool", job.Compute);

        await Ws.Computes.DeleteAsync("contract-pool");
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Computes.GetAsync("contract-pool"));
    }
}
