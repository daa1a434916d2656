namespace AzureMlSdk.ContractTests;

/// <summary>
/// The jobs part of the contract suite: what a user sees of <c>ws.Jobs</c> and <c>ws.Computes</c>, identical on every backend.
/// The local workspace runs it (<see cref="LocalJobContractTests"/>), and so does a Remote workspace served by the Emulator
/// (<c>RemoteEmulatorJobContractTests</c> in the integration tests: ARM jobs, codes and computes, Azurite for files), unchanged.
/// Commands are POSIX shell (the Emulator runs them on its own machine, as the local workspace does).
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
            DisplayName = "contract-echo",
            ExperimentName = "contract-jobs",
            Code = Path.GetDirectoryName(code),
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

    /// <summary>
    /// A difference the backends keep on purpose: the local workspace (and the Emulator's engine) runs a command job in the host's
    /// environment, so a job without one runs there; Azure ML needs every job to name its environment, so the Remote backend refuses one
    /// without it at submit (a <see cref="JobDefinitionException"/> keyed <c>environment</c>), before anything is uploaded or created.
    /// </summary>
    [Fact]
    public async Task A_command_job_without_an_environment_runs_on_the_host_locally_and_is_refused_at_submit_on_Remote()
    {
        var code = Scratch("bare/message.txt");
        await File.WriteAllTextAsync(code, "from the bare job");
        var bare = new CommandJob
        {
            ExperimentName = "contract-bare",
            Code = Path.GetDirectoryName(code),
            Command = "cat message.txt; echo x=${{inputs.x}} > ${{outputs.o}}/x.txt",
            Inputs = { ["x"] = 7 },
            Outputs = { ["o"] = Output.UriFolder() },
        };
        var before = await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync();

        if (Ws.Kind == WorkspaceKind.Local)
        {
            var job = await Ws.Jobs.CreateOrUpdateAsync(bare);
            var log = new StringWriter();
            using var cts = new CancellationTokenSource(Patience);
            await job.StreamAsync(log, cts.Token);

            Assert.True(job.Status == JobStatus.Completed, $"{job.Status}: {job.Error?.Message}");
            Assert.Contains("from the bare job", log.ToString(), StringComparison.Ordinal);
            var destination = Path.GetDirectoryName(Scratch("bare-out/x"))!;
            await Ws.Jobs.DownloadAsync(job.Name, destination, outputName: "o");
            Assert.Equal("x=7\n", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "o", "x.txt")));
            Assert.Equal([job.Name, .. before], await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
        }
        else
        {
            var e = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(bare));
            Assert.Equal("environment", e.Key);
            Assert.Contains("needs an 'environment'", e.Message, StringComparison.Ordinal);
            Assert.Equal(before, await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
        }
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

    [Fact]
    public async Task The_local_compute_is_built_in_runs_jobs_and_cannot_be_created_or_deleted()
    {
        foreach (var name in new[] { "local", "azureml:local" })
        {
            var local = await Ws.Computes.GetAsync(name);
            Assert.Equal("local", local.Name);
            Assert.Equal("local", local.Type);
            Assert.Equal("Succeeded", local.State);
            Assert.EndsWith("/computes/local", local.Id, StringComparison.Ordinal);
            Assert.True(local.MaxInstances >= 1);
        }
        Assert.DoesNotContain("local", await Ws.Computes.ListAsync().Select(c => c.Name).ToListAsync());

        var create = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "local", MaxInstances = 2 }));
        Assert.Contains("local", create.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidInputException>(() => Ws.Computes.DeleteAsync("local"));
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Computes.GetAsync("no-such-pool"));
        Assert.Contains("no-such-pool", missing.Message, StringComparison.Ordinal);

        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "echo on local", Compute = "local" }));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("local", job.Compute);
    }

    [Fact]
    public async Task A_command_that_does_not_exist_ends_Failed_with_the_shells_message()
    {
        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "no-such-command-4711 --train" }));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("no-such-command-4711", job.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("127", job.Error.Message, StringComparison.Ordinal); // the shell's "command not found" exit code
    }

    [Fact]
    public async Task Secret_environment_variables_never_appear_in_the_log_or_the_error()
    {
        const string secret = "s3cr3t-contract-value-9c1";
        var job = await Ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Environment = Environment,
            Command = "echo key=$SERVICE_API_KEY; echo plain=$PLAIN_SETTING; exit 4",
            EnvironmentVariables = { ["SERVICE_API_KEY"] = secret, ["PLAIN_SETTING"] = "visible-setting" },
        });
        var log = new StringWriter();
        using var cts = new CancellationTokenSource(Patience);
        await job.StreamAsync(log, cts.Token);

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("plain=visible-setting", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("key=", log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret, log.ToString(), StringComparison.Ordinal);
        Assert.Contains("key=", job.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, job.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_code_folder_and_an_escaping_output_path_are_rejected_at_submit_naming_them()
    {
        var missing = Path.Combine(Path.GetDirectoryName(Scratch("nothing/x"))!, "no-such-src");
        var code = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Command = "true", Code = missing }));
        Assert.Contains("no-such-src", code.Message, StringComparison.Ordinal);

        var output = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Environment = Environment,
            Command = "true",
            Outputs = { ["model"] = Output.UriFolder("azureml://datastores/workspaceblobstore/paths/../../outside/") },
        }));
        Assert.Contains("model", output.Message, StringComparison.Ordinal);
        Assert.Contains("escapes its folder", output.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_code_folder_with_subfolders_runs_as_snapshotted_honouring_amlignore()
    {
        var root = Path.GetDirectoryName(Scratch("tree/a.txt"))!;
        Directory.CreateDirectory(Path.Combine(root, "pkg", "deep"));
        await File.WriteAllTextAsync(Path.Combine(root, "a.txt"), "top");
        await File.WriteAllTextAsync(Path.Combine(root, "pkg", "deep", "b.txt"), "nested");
        await File.WriteAllTextAsync(Path.Combine(root, "secret.env"), "ignored");
        await File.WriteAllTextAsync(Path.Combine(root, ".amlignore"), "*.env\n");

        var job = await Ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Environment = Environment,
            Code = root,
            Command = "cat a.txt pkg/deep/b.txt; if [ -e secret.env ]; then echo ignored-file-present; else echo ignored-file-absent; fi",
        });
        var log = new StringWriter();
        using var cts = new CancellationTokenSource(Patience);
        await job.StreamAsync(log, cts.Token);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains("topnested", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("ignored-file-absent", log.ToString(), StringComparison.Ordinal);
    }
}
