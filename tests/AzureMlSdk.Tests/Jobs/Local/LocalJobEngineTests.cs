using AzureMlSdk.Backends.Local;

namespace AzureMlSdk.Tests.Jobs.Local;

/// <summary>Real command jobs on the local workspace with an in-process supervisor (bash on Unix).</summary>
public sealed class LocalJobEngineTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-tests", "jobs-" + Guid.NewGuid().ToString("N"));
    private Workspace _ws = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        _ws = Workspace.Local(Path.Combine(_root, "ws"));
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _ws.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Folder(string name, params (string File, string Content)[] files)
    {
        var folder = Path.Combine(_root, name);
        Directory.CreateDirectory(folder);
        foreach (var (file, content) in files)
        {
            var path = Path.Combine(folder, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }
        return folder;
    }

    private static async Task<Job> EndAsync(Job job)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await job.WaitAsync(cts.Token);
    }

    private async Task<string> LogOf(Job job)
    {
        var text = new StringWriter();
        using var cts = new CancellationTokenSource(Patience);
        await job.StreamAsync(text, cts.Token);
        return text.ToString();
    }

    [Fact]
    public async Task An_echo_job_completes_streams_its_log_and_mirrors_its_run()
    {
        var code = Folder("src", ("hello.txt", "from the snapshot"));
        var job = await _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            DisplayName = "hello",
            ExperimentName = "jobs-test",
            Code = code,
            Command = "echo lr=${{inputs.lr}} epochs=${{inputs.epochs}}; cat hello.txt; echo to-stderr >&2",
            Inputs = { ["lr"] = 0.01, ["epochs"] = 3 },
        });

        Assert.False(job.Status.IsTerminal());
        var log = await LogOf(job);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.StartsWith("Environment: the host's.", log, StringComparison.Ordinal);
        Assert.Contains("lr=0.01 epochs=3\n", log, StringComparison.Ordinal);
        Assert.Contains("from the snapshot", log, StringComparison.Ordinal);
        Assert.Contains("to-stderr", log, StringComparison.Ordinal);
        Assert.Equal("jobs-test", job.ExperimentName);
        Assert.Equal(job.Name, job.Run.Id);
        Assert.Equal(RunStatus.Completed, job.Run.Status);
        Assert.Equal("0.01", job.Run.Params["lr"]);
        Assert.Equal("3", job.Run.Params["epochs"]);
        Assert.StartsWith("azureml:", ((CommandJob)job.Definition).Code, StringComparison.Ordinal);
        Assert.NotNull(job.StartedAt);
        Assert.True(job.EndedAt >= job.StartedAt);
    }

    [Fact]
    public async Task A_non_zero_exit_fails_with_the_code_and_the_last_lines()
    {
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "echo about to fail; exit 3" }));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("ExecutionFailed", job.Error!.Code);
        Assert.Contains("exited with code 3", job.Error.Message, StringComparison.Ordinal);
        Assert.Contains("about to fail", job.Error.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, job.Run.Status);
    }

    [Fact]
    public async Task A_command_that_does_not_exist_fails_with_the_shells_message()
    {
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "no-such-command-xyz --flag" }));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("no-such-command-xyz", job.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("not found", job.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancel_kills_the_process_tree_and_ends_Canceled()
    {
        var marker = Path.Combine(_root, "child.pid");
        var job = await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = $"sleep 60 & echo $! > '{marker}'; echo started; wait" });
        using var cts = new CancellationTokenSource(Patience);
        while (!File.Exists(marker) || (await job.RefreshAsync(cts.Token)).Status != JobStatus.Running)
        {
            await Task.Delay(50, cts.Token);
        }
        var childPid = int.Parse(File.ReadAllText(marker).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        await job.CancelAsync(cts.Token);
        await job.WaitAsync(cts.Token);

        Assert.Equal(JobStatus.Canceled, job.Status);
        Assert.Equal(RunStatus.Canceled, job.Run.Status);
        Assert.False(IsAlive(childPid), "the grandchild 'sleep 60' survived the cancel");
    }

    [Fact]
    public async Task A_timeout_kills_the_job_and_fails_it()
    {
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "echo sleeping; sleep 60",
            Limits = new CommandJobLimits { Timeout = TimeSpan.FromSeconds(1) },
        }));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("JobTimeout", job.Error!.Code);
        Assert.Contains("limits.timeout of 1 s", job.Error.Message, StringComparison.Ordinal);
        Assert.True(job.EndedAt - job.StartedAt < TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Outputs_are_saved_to_the_datastore_and_downloaded_in_az_ml_layout()
    {
        var data = Folder("data", ("rows.csv", "a,b\n1,2\n"));
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "mkdir -p outputs logs && cp ${{inputs.data}}/rows.csv ${{outputs.model}}/copied.csv && echo weights > outputs/w.txt && echo trace > logs/t.txt",
            Inputs = { ["data"] = Input.UriFolder(data) },
            Outputs = { ["model"] = Output.UriFolder() },
        }));
        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal($"azureml://datastores/workspaceblobstore/paths/azureml/{job.Name}/model/", job.OutputUris["model"]);

        var dest = Path.Combine(_root, "download");
        var written = await _ws.Jobs.DownloadAsync(job.Name, dest);

        Assert.Equal("a,b\n1,2\n", File.ReadAllText(Path.Combine(dest, "named-outputs", "model", "copied.csv")));
        Assert.Equal("weights\n", File.ReadAllText(Path.Combine(dest, "artifacts", "outputs", "w.txt")));
        Assert.Equal("trace\n", File.ReadAllText(Path.Combine(dest, "artifacts", "logs", "t.txt")));
        Assert.Contains("The command exited with code 0.", File.ReadAllText(Path.Combine(dest, "artifacts", "user_logs", "std_log.txt")), StringComparison.Ordinal);
        Assert.Contains(written, p => p.EndsWith("copied.csv", StringComparison.Ordinal));

        var only = Path.Combine(_root, "only");
        await _ws.Jobs.DownloadAsync(job.Name, only, outputName: "model");
        Assert.False(Directory.Exists(Path.Combine(only, "artifacts")));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Jobs.DownloadAsync(job.Name, only, outputName: "nope"));
    }

    [Fact]
    public async Task A_data_asset_input_is_read_from_its_datastore_and_an_unknown_one_is_rejected()
    {
        var file = Path.Combine(Folder("asset-src", ("iris.csv", "sepal,petal\n5.1,1.4\n")), "iris.csv");
        var data = await _ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "iris", Version = "1", Type = InputType.UriFile, Path = file });

        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "cat ${{inputs.data}}",
            Inputs = { ["data"] = Input.UriFile("azureml:iris@latest") },
        }));
        var log = await LogOf(job);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains("5.1,1.4", log, StringComparison.Ordinal);
        Assert.Equal($"azureml:iris:{data.Version}", ((CommandJob)job.Definition).Inputs["data"].Path);
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "cat ${{inputs.data}}",
            Inputs = { ["data"] = Input.UriFile("azureml:no-such-data:1") },
        }));
        Assert.Contains("'data'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Secret_variables_never_reach_the_log_or_the_error()
    {
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "echo token is $API_TOKEN; echo plain is $PLAIN; exit 1",
            EnvironmentVariables = { ["API_TOKEN"] = "s3cr3t-value-123", ["PLAIN"] = "visible-value" },
        }));
        var log = await LogOf(job);

        Assert.DoesNotContain("s3cr3t-value-123", log, StringComparison.Ordinal);
        Assert.Contains("token is ***", log, StringComparison.Ordinal);
        Assert.Contains("plain is visible-value", log, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value-123", job.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_job_environment_carries_the_run_context()
    {
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "echo run=$AZUREML_RUN_ID dir=$AZUREML_LOCAL_DIR; test -z \"$MLFLOW_RUN_ID\" && echo no-mlflow",
        }));
        var log = await LogOf(job);

        Assert.Contains($"run={job.Name} dir={_ws.LocalDirectory}", log, StringComparison.Ordinal);
        Assert.Contains("no-mlflow", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_with_a_tracking_server_gives_jobs_the_MLflow_variables_and_masks_the_token()
    {
        var options = new AzureMlSdk.Backends.Local.Jobs.JobSupervisorOptions { TrackingUri = new Uri("http://127.0.0.1:5999/"), TrackingToken = "tok-secret-4242" };
        await using var ws = Workspace.FromBackend(new LocalWorkspaceBackend(Path.Combine(_root, "ws-mlflow"),
            jobLauncher: backend => new AzureMlSdk.Backends.Local.Jobs.InProcessJobLauncher(backend, options)));
        var job = await EndAsync(await ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            ExperimentName = "mlflow-vars",
            Command = "echo uri=$MLFLOW_TRACKING_URI run=$MLFLOW_RUN_ID exp=$MLFLOW_EXPERIMENT_ID token=$MLFLOW_TRACKING_TOKEN",
        }));
        var log = await LogOf(job);

        Assert.Contains($"uri=http://127.0.0.1:5999 run={job.Name} exp={job.Run.ExperimentId} token=***", log, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-secret-4242", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_GetContext_in_a_csharp_job_logs_into_the_jobs_run()
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll");
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = $"dotnet '{worker}' context" }));

        Assert.Equal(JobStatus.Completed, job.Status);
        var metrics = await job.Run.GetMetricsAsync("context_metric");
        Assert.Equal(42, Assert.Single(metrics["context_metric"]).Value);
        Assert.Contains($"RUN {job.Name} SAME True", await LogOf(job), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_sample_training_yaml_loads_and_runs_its_script_from_a_snapshot()
    {
        var yaml = Path.Combine(AppContext.BaseDirectory, "samples", "jobs", "train.yml");
        var definition = (CommandJob)Job.Load(yaml, ["environment_variables.AZUREMLSDK_ROOT=/repo", "inputs.epochs=5"]);
        Assert.Equal("/repo", definition.EnvironmentVariables["AZUREMLSDK_ROOT"]);
        Assert.Equal("5", definition.Inputs["epochs"].LiteralText);

        // The same job with its command swapped for one that only lists the snapshot and reads the input: no dotnet build in a unit test.
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Code = definition.Code,
            Inputs = definition.Inputs,
            Outputs = definition.Outputs,
            ExperimentName = definition.ExperimentName,
            Command = "ls; head -1 ${{inputs.data}}; echo w > ${{outputs.model}}/model.json",
        }));
        var log = await LogOf(job);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains("train.cs", log, StringComparison.Ordinal);
        Assert.Contains("Directory.Build.props", log, StringComparison.Ordinal);
        Assert.Contains("x1,x2,label", log, StringComparison.Ordinal);
        Assert.Equal("train-job", job.ExperimentName);
    }

    [Fact]
    public async Task Jobs_are_listed_newest_first_archived_and_restored()
    {
        var first = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Name = "first-job", Command = "true" }));
        var second = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Name = "second-job", Command = "true" }));

        Assert.Equal(["second-job", "first-job"], await _ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
        await _ws.Jobs.ArchiveAsync("first-job");
        Assert.Equal(["second-job"], await _ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
        Assert.True((await _ws.Jobs.GetAsync("first-job")).IsArchived);
        await _ws.Jobs.RestoreAsync("first-job");
        Assert.Equal(2, await _ws.Jobs.ListAsync().CountAsync());
        Assert.Equal(first.Name, (await _ws.Jobs.GetAsync(first.Name)).Name);
        Assert.Empty(await _ws.Jobs.ListAsync(parentJobName: second.Name).ToListAsync());
    }

    [Fact]
    public async Task Resubmitting_a_name_updates_tags_but_not_the_command()
    {
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Name = "same", Command = "true" }));
        var again = await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Name = "same", Command = "true", Tags = { ["k"] = "v" }, Description = "now described" });

        Assert.Equal("v", again.Tags["k"]);
        Assert.Equal("now described", again.Description);
        Assert.Equal(JobStatus.Completed, again.Status);
        var error = await Assert.ThrowsAsync<ResourceExistsException>(() => _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Name = "same", Command = "false" }));
        Assert.Contains("'same'", error.Message, StringComparison.Ordinal);
        Assert.Equal(job.Name, again.Name);
    }

    [Fact]
    public async Task Bad_input_is_rejected_at_submit_naming_the_culprit()
    {
        var nope = await Assert.ThrowsAsync<JobDefinitionException>(() => _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "echo ${{inputs.nope}}" }));
        Assert.Contains("${{inputs.nope}}", nope.Message, StringComparison.Ordinal);

        var code = await Assert.ThrowsAsync<JobDefinitionException>(() => _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "true", Code = Path.Combine(_root, "missing-src") }));
        Assert.Contains("missing-src", code.Message, StringComparison.Ordinal);

        var compute = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "true", Compute = "azureml:gpu-cluster" }));
        Assert.Contains("'gpu-cluster'", compute.Message, StringComparison.Ordinal);

        var escape = await Assert.ThrowsAsync<JobDefinitionException>(() => _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "true",
            Outputs = { ["model"] = Output.UriFolder("azureml://datastores/workspaceblobstore/paths/../../etc") },
        }));
        Assert.Equal("outputs.model.path", escape.Key);

        var missingData = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = "cat ${{inputs.d}}",
            Inputs = { ["d"] = Input.UriFile("azureml://datastores/workspaceblobstore/paths/none.csv") },
        }));
        Assert.Contains("'d'", missingData.Message, StringComparison.Ordinal);

        Assert.Empty(await _ws.Jobs.ListAsync().ToListAsync());
    }

    [Fact]
    public async Task Twenty_jobs_on_a_two_slot_cluster_never_run_more_than_two_at_once()
    {
        await _ws.Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = "two-slots", MaxInstances = 2 });
        var backend = (LocalWorkspaceBackend)_ws.Backend;
        var jobs = new List<Job>();
        for (var i = 0; i < 20; i++)
        {
            jobs.Add(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "sleep 0.05", Compute = "two-slots" }));
        }
        var maxSeen = 0;
        using var cts = new CancellationTokenSource(Patience);
        while (true)
        {
            maxSeen = Math.Max(maxSeen, backend.Jobs.Store.RunningOn("two-slots"));
            var states = await Task.WhenAll(jobs.Select(j => j.RefreshAsync(cts.Token)));
            if (states.All(j => j.Status.IsTerminal()))
            {
                break;
            }
            await Task.Delay(10, cts.Token);
        }

        Assert.All(jobs, j => Assert.Equal(JobStatus.Completed, j.Status));
        Assert.InRange(maxSeen, 1, 2);
        // From the recorded intervals: at no instant were more than two jobs between start and end.
        var events = jobs.SelectMany(j => new[] { (At: j.StartedAt!.Value, Delta: 1), (At: j.EndedAt!.Value, Delta: -1) }).OrderBy(e => e.At).ThenBy(e => e.Delta);
        var running = 0;
        foreach (var (_, delta) in events)
        {
            running += delta;
            Assert.True(running <= 2, "more than two jobs ran at once on a two-slot cluster");
        }
        // First in, first out: job i got a slot only once i - 1 of the jobs submitted before it had ended (one slot was still busy).
        for (var i = 2; i < jobs.Count; i++)
        {
            var endedBefore = jobs.Take(i).Count(j => j.EndedAt <= jobs[i].StartedAt);
            Assert.True(endedBefore >= i - 1, $"job {i} started while {i - endedBefore} earlier jobs had not ended");
        }
    }

    [Fact]
    public async Task A_job_whose_supervisor_died_is_failed_when_next_read()
    {
        var backend = (LocalWorkspaceBackend)_ws.Backend;
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new CommandJob { Name = "orphan", Command = "true" }));
        // Pretend a supervisor in a process that is gone holds the job.
        backend.Database.Write((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "UPDATE jobs SET status = 'Running', ended_ms = NULL, supervisor_id = @s, heartbeat_ms = @now WHERE name = 'orphan'";
            command.Parameters.AddWithValue("@s", $"{Environment.MachineName}/999999/1#dead");
            command.Parameters.AddWithValue("@now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        });

        var read = await _ws.Jobs.GetAsync(job.Name);

        Assert.Equal(JobStatus.Failed, read.Status);
        Assert.Equal("SupervisorLost", read.Error!.Code);
        Assert.Contains("999999", read.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disposing_the_workspace_fails_its_running_jobs_instead_of_leaving_them_Running()
    {
        var dir = Path.Combine(_root, "ws2");
        string name;
        await using (var ws = Workspace.Local(dir))
        {
            var job = await ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "sleep 60" });
            using var cts = new CancellationTokenSource(Patience);
            while ((await job.RefreshAsync(cts.Token)).Status != JobStatus.Running)
            {
                await Task.Delay(20, cts.Token);
            }
            name = job.Name;
        }
        await using var again = Workspace.Local(dir);
        var read = await again.Jobs.GetAsync(name);
        Assert.Equal(JobStatus.Failed, read.Status);
        Assert.Equal("SupervisorStopped", read.Error!.Code);
    }

    /// <summary>Whether <paramref name="pid"/> still runs (a zombie waiting for its reaper is dead: containers often have none).</summary>
    private static bool IsAlive(int pid)
    {
        var stat = $"/proc/{pid}/stat";
        if (File.Exists(stat))
        {
            try
            {
                var text = File.ReadAllText(stat);
                var state = text[(text.LastIndexOf(')') + 2)..].TrimStart()[0];
                return state is not ('Z' or 'X');
            }
            catch (IOException)
            {
                return false;
            }
        }
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
