namespace AzureMlSdk.Tests.Jobs.Local;

/// <summary>Pipelines on the local workspace with real child processes (bash): data flow, reuse, failures, parallel steps, cancel.</summary>
public sealed class LocalPipelineTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-tests", "pipelines-" + Guid.NewGuid().ToString("N"));
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
            File.WriteAllText(Path.Combine(folder, file), content);
        }
        return folder;
    }

    private static async Task<Job> EndAsync(Job job)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await job.WaitAsync(cts.Token);
    }

    private async Task<Dictionary<string, Job>> StepsOf(Job pipeline) =>
        await _ws.Jobs.ListAsync(pipeline.Name).ToDictionaryAsync(j => j.Properties["azureml.nodeid"], j => j);

    /// <summary>prep (upper-cases raw) → train (model = clean + lr, bound to the pipeline's output) → eval.</summary>
    private PipelineJob ThreeSteps(string raw, double lr, bool forceRerun = false) => new()
    {
        ExperimentName = "pipelines",
        Inputs = { ["raw"] = Input.UriFolder(raw), ["lr"] = lr },
        Outputs = { ["model"] = Output.UriFolder() },
        Jobs =
        {
            ["prep"] = new CommandJob
            {
                Command = "tr a-z A-Z < ${{inputs.raw}}/a.txt > ${{outputs.clean}}/clean.txt",
                Inputs = { ["raw"] = "${{parent.inputs.raw}}" }, Outputs = { ["clean"] = Output.UriFolder() },
            },
            ["train"] = new CommandJob
            {
                Command = "cat ${{inputs.data}}/clean.txt > ${{outputs.model}}/model.txt && echo lr=${{inputs.lr}} >> ${{outputs.model}}/model.txt",
                Inputs = { ["data"] = "${{parent.jobs.prep.outputs.clean}}", ["lr"] = "${{parent.inputs.lr}}" },
                Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.model}}") },
            },
            ["eval"] = new CommandJob
            {
                Command = "wc -l < ${{inputs.model}}/model.txt > ${{outputs.report}}/lines.txt",
                Inputs = { ["model"] = "${{parent.jobs.train.outputs.model}}" }, Outputs = { ["report"] = Output.UriFolder() },
            },
        },
        Settings = { ForceRerun = forceRerun },
    };

    [Fact]
    public async Task Steps_run_in_order_pass_outputs_and_an_identical_rerun_reuses_every_step()
    {
        var raw = Folder("raw", ("a.txt", "hello\n"));

        var first = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(ThreeSteps(raw, 0.1)));

        Assert.Equal(JobStatus.Completed, first.Status);
        Assert.Equal(JobType.Pipeline, first.Type);
        var steps = await StepsOf(first);
        Assert.Equal(["eval", "prep", "train"], steps.Keys.Order(StringComparer.Ordinal));
        Assert.All(steps.Values, s => Assert.Equal(JobStatus.Completed, s.Status));
        Assert.All(steps.Values, s => Assert.Equal("false", s.Properties["azureml.isreused"]));
        Assert.All(steps.Values, s => Assert.Equal(first.Name, s.Properties["azureml.pipelinerunid"]));
        Assert.Equal("train", steps["train"].DisplayName);
        Assert.Equal($"azureml://datastores/workspaceblobstore/paths/azureml/{steps["prep"].Name}/clean/", steps["prep"].OutputUris["clean"]);
        Assert.Contains($"\"prep\":\"{steps["prep"].Name}\"", first.Properties["azureml.pipeline.stepJobs"], StringComparison.Ordinal);
        Assert.True(steps["prep"].EndedAt <= steps["train"].StartedAt);
        var download = Path.Combine(_root, "download1");
        await _ws.Jobs.DownloadAsync(first.Name, download, outputName: "model");
        Assert.Equal("HELLO\nlr=0.1\n", await File.ReadAllTextAsync(Path.Combine(download, "named-outputs", "model", "model.txt")));
        var evalDownload = Path.Combine(_root, "eval1");
        await _ws.Jobs.DownloadAsync(steps["eval"].Name, evalDownload, outputName: "report");
        Assert.Equal("2", (await File.ReadAllTextAsync(Path.Combine(evalDownload, "named-outputs", "report", "lines.txt"))).Trim());

        var second = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(ThreeSteps(raw, 0.1)));

        Assert.Equal(JobStatus.Completed, second.Status);
        var reused = await StepsOf(second);
        foreach (var (step, job) in reused)
        {
            Assert.Equal(JobStatus.Completed, job.Status);
            Assert.Equal("true", job.Properties["azureml.isreused"]);
            Assert.Equal(steps[step].Name, job.Properties["azureml.reusedrunid"]);
            Assert.Equal(steps[step].OutputUris, job.OutputUris);
        }
        var download2 = Path.Combine(_root, "download2");
        await _ws.Jobs.DownloadAsync(second.Name, download2, outputName: "model");
        Assert.Equal("HELLO\nlr=0.1\n", await File.ReadAllTextAsync(Path.Combine(download2, "named-outputs", "model", "model.txt")));
        var log = new StringWriter();
        await reused["train"].StreamAsync(log);
        Assert.Contains($"reused the outputs of job {steps["train"].Name}", log.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changing_one_input_reruns_exactly_that_step_and_those_downstream()
    {
        var raw = Folder("raw", ("a.txt", "hello\n"));
        var first = await StepsOf(await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(ThreeSteps(raw, 0.1))));

        // lr feeds train only: prep is reused, train and eval (downstream) run again.
        var lrChanged = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(ThreeSteps(raw, 0.2)));
        var steps = await StepsOf(lrChanged);
        Assert.Equal(JobStatus.Completed, lrChanged.Status);
        Assert.Equal("true", steps["prep"].Properties["azureml.isreused"]);
        Assert.Equal(first["prep"].Name, steps["prep"].Properties["azureml.reusedrunid"]);
        Assert.Equal("false", steps["train"].Properties["azureml.isreused"]);
        Assert.Equal("false", steps["eval"].Properties["azureml.isreused"]);

        // The raw folder's content changes under the same path: its content hash differs, so prep runs again (and what follows it).
        await File.WriteAllTextAsync(Path.Combine(raw, "a.txt"), "bye\n");
        var contentChanged = await StepsOf(await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(ThreeSteps(raw, 0.2))));
        Assert.All(contentChanged.Values, s => Assert.Equal("false", s.Properties["azureml.isreused"]));

        // force_rerun: nothing reused although everything is the same as the run before.
        var forced = await StepsOf(await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(ThreeSteps(raw, 0.2, forceRerun: true))));
        Assert.All(forced.Values, s => Assert.Equal("false", s.Properties["azureml.isreused"]));
    }

    [Fact]
    public async Task The_reuse_index_survives_the_workspace_being_reopened_and_non_deterministic_steps_always_run()
    {
        var raw = Folder("raw", ("a.txt", "hello\n"));
        var once = new CommandComponent
        {
            Name = "stamp",
            Command = "date +%s%N > ${{outputs.o}}/stamp.txt",
            Outputs = { ["o"] = new ComponentOutput() },
            IsDeterministic = false,
        };
        PipelineJob Definition()
        {
            var p = ThreeSteps(raw, 0.1);
            p.Jobs["stamp"] = once.ToJob();
            return p;
        }
        var first = await StepsOf(await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Definition())));
        await _ws.DisposeAsync();
        _ws = Workspace.Local(Path.Combine(_root, "ws"));

        var again = await StepsOf(await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(Definition())));

        Assert.Equal(first["prep"].Name, again["prep"].Properties["azureml.reusedrunid"]);
        Assert.Equal("false", again["stamp"].Properties["azureml.isreused"]);
        Assert.Equal(JobStatus.Completed, again["stamp"].Status);
    }

    [Fact]
    public async Task A_failed_step_fails_the_pipeline_cancels_running_steps_and_skips_those_downstream()
    {
        var pipeline = new PipelineJob
        {
            Jobs =
            {
                ["bad"] = new CommandJob { Command = "echo broken >&2; exit 3", Outputs = { ["o"] = Output.UriFolder() } },
                ["after"] = new CommandJob { Command = "ls ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.bad.outputs.o}}" } },
                ["slow"] = new CommandJob { Command = "sleep 60" },
            },
        };

        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(pipeline));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("PipelineStepFailed", job.Error!.Code);
        Assert.Contains("Failed nodes: /bad", job.Error.Message, StringComparison.Ordinal);
        Assert.Contains("broken", job.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Not run: after", job.Error.Message, StringComparison.Ordinal);
        var steps = await StepsOf(job);
        Assert.False(steps.ContainsKey("after"));
        Assert.Equal(JobStatus.Failed, steps["bad"].Status);
        Assert.Equal(JobStatus.Canceled, steps["slow"].Status);
    }

    [Fact]
    public async Task With_continue_on_step_failure_independent_steps_still_complete()
    {
        var pipeline = new PipelineJob
        {
            Jobs =
            {
                ["bad"] = new CommandJob { Command = "exit 1", Outputs = { ["o"] = Output.UriFolder() } },
                ["after"] = new CommandJob { Command = "ls ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.bad.outputs.o}}" } },
                ["fine"] = new CommandJob { Command = "sleep 1; echo ok" },
            },
            Settings = { ContinueOnStepFailure = true },
        };

        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(pipeline));

        Assert.Equal(JobStatus.Failed, job.Status);
        var steps = await StepsOf(job);
        Assert.Equal(JobStatus.Completed, steps["fine"].Status);
        Assert.False(steps.ContainsKey("after"));
    }

    [Fact]
    public async Task Independent_steps_run_at_the_same_time()
    {
        // Each step waits (up to 20 s) for the other's marker: they can only both complete if they run together.
        var marks = Folder("marks");
        string Wait(string me, string other) =>
            $"touch {marks}/{me}; for i in $(seq 200); do [ -f {marks}/{other} ] && exit 0; sleep 0.1; done; echo never saw {other}; exit 1";
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new PipelineJob
        {
            Jobs = { ["left"] = new CommandJob { Command = Wait("left", "right") }, ["right"] = new CommandJob { Command = Wait("right", "left") } },
            Settings = { DefaultCompute = "local" },
        }));

        Assert.Equal(JobStatus.Completed, job.Status);
    }

    [Fact]
    public async Task Canceling_the_pipeline_cancels_its_running_steps()
    {
        var job = await _ws.Jobs.CreateOrUpdateAsync(new PipelineJob { Jobs = { ["long"] = new CommandJob { Command = "sleep 60" } } });
        using var cts = new CancellationTokenSource(Patience);
        Job? step = null;
        while (step is not { Status: JobStatus.Running })
        {
            await Task.Delay(50, cts.Token);
            step = await _ws.Jobs.ListAsync(job.Name, cancellationToken: cts.Token).FirstOrDefaultAsync(cts.Token);
        }

        await job.CancelAsync(cts.Token);
        await job.WaitAsync(cts.Token);

        Assert.Equal(JobStatus.Canceled, job.Status);
        Assert.Equal(JobStatus.Canceled, (await step.WaitAsync(cts.Token)).Status);
    }

    [Fact]
    public async Task Registered_components_are_resolved_at_submit_and_bad_references_are_named()
    {
        await _ws.Components.CreateOrUpdateAsync(new CommandComponent
        {
            Name = "shout",
            Version = "1",
            Command = "echo ${{inputs.word}} > ${{outputs.out}}/said.txt",
            Inputs = { ["word"] = new ComponentInput { Type = InputType.String } },
            Outputs = { ["out"] = new ComponentOutput() },
        });
        var job = await EndAsync(await _ws.Jobs.CreateOrUpdateAsync(new PipelineJob
        {
            Inputs = { ["w"] = "hey" },
            Jobs =
            {
                ["say"] = new PipelineComponentJob { Component = "azureml:shout@latest", Inputs = { ["word"] = "${{parent.inputs.w}}" } },
                ["read"] = new CommandJob { Command = "cat ${{inputs.f}}/said.txt", Inputs = { ["f"] = "${{parent.jobs.say.outputs.out}}" } },
            },
        }));
        Assert.Equal(JobStatus.Completed, job.Status);
        var stored = Assert.IsType<PipelineJob>(job.Definition);
        Assert.Equal("shout", ((CommandJob)stored.Jobs["say"]).Component!.Name);

        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Jobs.CreateOrUpdateAsync(new PipelineJob
        {
            Jobs = { ["say"] = new PipelineComponentJob { Component = "azureml:nope:3" } },
        }));
        Assert.Contains("Step 'say'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("nope", missing.Message, StringComparison.Ordinal);

        var badOutput = await Assert.ThrowsAsync<JobDefinitionException>(() => _ws.Jobs.CreateOrUpdateAsync(new PipelineJob
        {
            Jobs =
            {
                ["say"] = new PipelineComponentJob { Component = "azureml:shout:1", Inputs = { ["word"] = "x" } },
                ["read"] = new CommandJob { Command = "cat ${{inputs.f}}", Inputs = { ["f"] = "${{parent.jobs.say.outputs.output}}" } },
            },
        }));
        Assert.Contains("step 'say' has no output 'output'", badOutput.Message, StringComparison.Ordinal);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _ws.Jobs.CreateOrUpdateAsync(new PipelineJob
        {
            Jobs = { ["a"] = new CommandJob { Command = "true", Compute = "no-such-cluster" } },
        }));
    }
}
