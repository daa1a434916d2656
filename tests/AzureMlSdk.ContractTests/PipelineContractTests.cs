namespace AzureMlSdk.ContractTests;

/// <summary>
/// The pipelines part of the contract suite: a pipeline's steps run as child jobs in dependency order with their outputs flowing
/// through bindings, an identical resubmit reuses every step, and a bad graph is refused at submit — identical on every backend.
/// <see cref="LocalPipelineContractTests"/> runs it on the local workspace; RemoteEmulatorPipelineContractTests (integration tests) on
/// Remote→Emulator (steps submitted as anonymous component versions, the Emulator running them with the same engine).
/// Commands are POSIX shell.
/// </summary>
public abstract partial class PipelineContractTests : ContractTestBase
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>The environment every step names (Azure ML needs one; local engines record it).</summary>
    protected const string Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";

    private static async Task<Job> EndAsync(Job job)
    {
        using var cts = new CancellationTokenSource(Patience);
        return await job.WaitAsync(cts.Token);
    }

    private static PipelineJob TwoSteps(string word) => new()
    {
        ExperimentName = "contract-pipelines",
        Inputs = { ["word"] = word },
        Outputs = { ["final"] = Output.UriFolder() },
        Jobs =
        {
            ["make"] = new CommandJob
            {
                Environment = Environment, Command = "echo ${{inputs.w}} > ${{outputs.o}}/word.txt",
                Inputs = { ["w"] = "${{parent.inputs.word}}" }, Outputs = { ["o"] = Output.UriFolder() },
            },
            ["shout"] = new CommandJob
            {
                Environment = Environment, Command = "tr a-z A-Z < ${{inputs.i}}/word.txt > ${{outputs.o}}/word.txt",
                Inputs = { ["i"] = "${{parent.jobs.make.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder("${{parent.outputs.final}}") },
            },
        },
    };

    [Fact]
    public async Task A_pipeline_runs_its_steps_as_children_and_an_identical_resubmit_reuses_them()
    {
        var word = "w" + Guid.NewGuid().ToString("N")[..8];
        var first = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(TwoSteps(word)));

        Assert.Equal(JobStatus.Completed, first.Status);
        Assert.Equal(JobType.Pipeline, first.Type);
        var children = await Ws.Jobs.ListAsync(first.Name).ToListAsync();
        Assert.Equal(["make", "shout"], children.Select(c => c.Properties["azureml.nodeid"]).Order(StringComparer.Ordinal));
        Assert.All(children, c => Assert.Equal(JobStatus.Completed, c.Status));
        var destination = Path.GetDirectoryName(Scratch("out/x"))!;
        await Ws.Jobs.DownloadAsync(first.Name, destination, outputName: "final");
        Assert.Equal(word.ToUpperInvariant() + "\n", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "final", "word.txt")));

        var second = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(TwoSteps(word)));

        Assert.Equal(JobStatus.Completed, second.Status);
        var reused = await Ws.Jobs.ListAsync(second.Name).ToListAsync();
        Assert.Equal(2, reused.Count);
        foreach (var step in reused)
        {
            Assert.Equal("true", step.Properties["azureml.isreused"]);
            Assert.Equal(children.Single(c => c.Properties["azureml.nodeid"] == step.Properties["azureml.nodeid"]).Name, step.Properties["azureml.reusedrunid"]);
        }
    }

    [Fact]
    public async Task Each_step_output_is_downloadable_from_its_step_job()
    {
        var word = "w" + Guid.NewGuid().ToString("N")[..8];
        var pipeline = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(TwoSteps(word)));
        Assert.Equal(JobStatus.Completed, pipeline.Status);
        var make = (await Ws.Jobs.ListAsync(pipeline.Name).ToListAsync()).Single(c => c.Properties["azureml.nodeid"] == "make");

        var destination = Path.GetDirectoryName(Scratch("step/x"))!;
        await Ws.Jobs.DownloadAsync(make.Name, destination, outputName: "o");

        Assert.Equal(word + "\n", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "o", "word.txt")));
        Assert.Equal(pipeline.Name, make.Properties["azureml.pipelinerunid"]);
    }

    [Fact]
    public async Task Changing_one_input_reruns_exactly_the_steps_that_depend_on_it()
    {
        PipelineJob Three(string word) => new()
        {
            ExperimentName = "contract-pipelines",
            Inputs = { ["word"] = word, ["fixed"] = "const-" + Guid.NewGuid().ToString("N")[..4] },
            Jobs =
            {
                ["make"] = new CommandJob
                {
                    Environment = Environment, Command = "echo ${{inputs.w}} > ${{outputs.o}}/word.txt",
                    Inputs = { ["w"] = "${{parent.inputs.word}}" }, Outputs = { ["o"] = Output.UriFolder() },
                },
                ["shout"] = new CommandJob
                {
                    Environment = Environment, Command = "tr a-z A-Z < ${{inputs.i}}/word.txt > ${{outputs.o}}/word.txt",
                    Inputs = { ["i"] = "${{parent.jobs.make.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() },
                },
                ["other"] = new CommandJob
                {
                    Environment = Environment, Command = "echo ${{inputs.f}} > ${{outputs.o}}/f.txt",
                    Inputs = { ["f"] = "${{parent.inputs.fixed}}" }, Outputs = { ["o"] = Output.UriFolder() },
                },
            },
        };
        var first = Three("alpha");
        var second = Three("beta");
        second.Inputs["fixed"] = first.Inputs["fixed"];

        var run1 = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(first));
        var run2 = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(second));

        Assert.Equal(JobStatus.Completed, run1.Status);
        Assert.Equal(JobStatus.Completed, run2.Status);
        var steps = (await Ws.Jobs.ListAsync(run2.Name).ToListAsync()).ToDictionary(c => c.Properties["azureml.nodeid"], c => c.Properties["azureml.isreused"]);
        Assert.Equal("false", steps["make"]);
        Assert.Equal("false", steps["shout"]);
        Assert.Equal("true", steps["other"]);
    }

    [Fact]
    public async Task A_registered_component_runs_as_a_step_with_its_typed_inputs_and_defaults()
    {
        var name = "repeat" + Guid.NewGuid().ToString("N")[..6];
        await Ws.Components.CreateOrUpdateAsync(new CommandComponent
        {
            Name = name,
            Version = "3",
            Environment = Environment,
            Command = "for i in $(seq ${{inputs.times}}); do echo ${{inputs.text}}; done > ${{outputs.out}}/lines.txt && echo ${{inputs.scale}} >> ${{outputs.out}}/lines.txt",
            Inputs =
            {
                ["times"] = new ComponentInput { Type = InputType.Integer },
                ["text"] = new ComponentInput { Type = InputType.String },
                ["scale"] = new ComponentInput { Type = InputType.Number, Default = 0.5 },
            },
            Outputs = { ["out"] = new ComponentOutput { Type = OutputType.UriFolder } },
        });
        var pipeline = new PipelineJob
        {
            ExperimentName = "contract-pipelines",
            Inputs = { ["text"] = "hey" },
            Outputs = { ["result"] = Output.UriFolder() },
            Jobs =
            {
                ["rep"] = new PipelineComponentJob
                {
                    Component = $"azureml:{name}@latest",
                    Inputs = { ["times"] = 3, ["text"] = "${{parent.inputs.text}}" },
                    Outputs = { ["out"] = Output.UriFolder("${{parent.outputs.result}}") },
                },
            },
        };

        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(pipeline));

        Assert.Equal(JobStatus.Completed, job.Status);
        var destination = Path.GetDirectoryName(Scratch("reg/x"))!;
        await Ws.Jobs.DownloadAsync(job.Name, destination, outputName: "result");
        Assert.Equal("hey\nhey\nhey\n0.5\n", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "result", "lines.txt")));

        var missing = new PipelineJob { Jobs = { ["rep"] = new PipelineComponentJob { Component = "azureml:no_such_component:1" } } };
        var e = await Assert.ThrowsAsync<ResourceNotFoundException>(() => Ws.Jobs.CreateOrUpdateAsync(missing));
        Assert.Contains("Step 'rep'", e.Message, StringComparison.Ordinal);
        var unbound = new PipelineJob { Jobs = { ["rep"] = new PipelineComponentJob { Component = $"azureml:{name}:3", Inputs = { ["text"] = "x" } } } };
        var u = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(unbound));
        Assert.Contains("'times'", u.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_component_file_step_runs_its_code_folder()
    {
        var code = Path.GetDirectoryName(Scratch("comp/src/say.sh"))!;
        await File.WriteAllTextAsync(Path.Combine(code, "say.sh"), "echo \"said: $1\" > \"$2/said.txt\"\n");
        var yaml = Scratch("comp/say.yml");
        await File.WriteAllTextAsync(yaml, $$$"""
            $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
            name: say
            version: 1
            type: command
            inputs:
              what:
                type: string
            outputs:
              said:
                type: uri_folder
            code: ./src
            environment: {{{Environment}}}
            command: sh say.sh ${{inputs.what}} ${{outputs.said}}
            """);
        var component = CommandComponent.Load(yaml);
        var pipeline = new PipelineJob
        {
            ExperimentName = "contract-pipelines",
            Jobs = { ["say"] = component.ToJob(inputs: new() { ["what"] = "hello" }) },
        };

        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(pipeline));

        Assert.Equal(JobStatus.Completed, job.Status);
        var step = (await Ws.Jobs.ListAsync(job.Name).ToListAsync()).Single();
        var destination = Path.GetDirectoryName(Scratch("said/x"))!;
        await Ws.Jobs.DownloadAsync(step.Name, destination, outputName: "said");
        Assert.Equal("said: hello\n", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "said", "said.txt")));
    }

    [Fact]
    public async Task A_component_with_additional_includes_runs_them_as_a_file_step_and_as_a_registered_step()
    {
        var code = Path.GetDirectoryName(Scratch("incl/src/say.sh"))!;
        await File.WriteAllTextAsync(Path.Combine(code, "say.sh"), "cat shared/word.txt > \"$1/said.txt\"\n");
        var word = "w" + Guid.NewGuid().ToString("N")[..8];
        await File.WriteAllTextAsync(Scratch("incl/shared/word.txt"), word);
        var name = "incl" + Guid.NewGuid().ToString("N")[..6];
        var yaml = Scratch("incl/say.yml");
        await File.WriteAllTextAsync(yaml, $$$"""
            $schema: https://azuremlschemas.azureedge.net/latest/commandComponent.schema.json
            name: {{{name}}}
            version: 1
            type: command
            outputs:
              said:
                type: uri_folder
            code: ./src
            additional_includes:
              - ./shared
            environment: {{{Environment}}}
            command: sh say.sh ${{outputs.said}}
            """);
        var component = CommandComponent.Load(yaml);
        await Ws.Components.CreateOrUpdateAsync(component);
        var pipeline = new PipelineJob
        {
            ExperimentName = "contract-pipelines",
            Settings = { ForceRerun = true },
            Jobs =
            {
                ["file"] = component.ToJob(),
                ["registered"] = new PipelineComponentJob { Component = $"azureml:{name}:1" },
            },
        };

        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(pipeline));

        Assert.Equal(JobStatus.Completed, job.Status);
        foreach (var step in await Ws.Jobs.ListAsync(job.Name).ToListAsync())
        {
            var destination = Path.GetDirectoryName(Scratch($"incl-out/{step.Properties["azureml.nodeid"]}/x"))!;
            await Ws.Jobs.DownloadAsync(step.Name, destination, outputName: "said");
            Assert.Equal(word, await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "said", "said.txt")));
        }
    }

    [Fact]
    public async Task Canceling_a_pipeline_cancels_its_running_step()
    {
        var pipeline = new PipelineJob
        {
            ExperimentName = "contract-pipelines",
            Settings = { ForceRerun = true },
            Jobs = { ["wait"] = new CommandJob { Environment = Environment, Command = "sleep 60" } },
        };
        var job = await Ws.Jobs.CreateOrUpdateAsync(pipeline);
        using (var cts = new CancellationTokenSource(Patience))
        {
            while ((await Ws.Jobs.ListAsync(job.Name).ToListAsync(cts.Token)) is not [{ Status: JobStatus.Running }])
            {
                await Task.Delay(100, cts.Token);
            }
        }

        await Ws.Jobs.CancelAsync(job.Name);

        var ended = await EndAsync(await Ws.Jobs.GetAsync(job.Name));
        Assert.Equal(JobStatus.Canceled, ended.Status);
        var child = (await Ws.Jobs.ListAsync(job.Name).ToListAsync()).Single();
        Assert.Equal(JobStatus.Canceled, (await EndAsync(child)).Status);
    }

    [Fact]
    public async Task A_step_over_its_timeout_fails_the_pipeline_and_its_downstream_step_never_runs()
    {
        var pipeline = new PipelineJob
        {
            ExperimentName = "contract-pipelines",
            Settings = { ForceRerun = true },
            Jobs =
            {
                ["slow"] = new CommandJob
                {
                    Environment = Environment, Command = "sleep 30; echo late > ${{outputs.o}}/x.txt", Outputs = { ["o"] = Output.UriFolder() },
                    Limits = new CommandJobLimits { Timeout = TimeSpan.FromSeconds(1) },
                },
                ["after"] = new CommandJob
                {
                    Environment = Environment, Command = "cat ${{inputs.i}}/x.txt", Inputs = { ["i"] = "${{parent.jobs.slow.outputs.o}}" },
                },
            },
        };

        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(pipeline));

        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Contains("slow", job.Error?.Message ?? "", StringComparison.Ordinal);
        var listed = Assert.Single(await Ws.Jobs.ListAsync(job.Name).ToListAsync());
        var child = await Ws.Jobs.GetAsync(listed.Name);
        Assert.Equal("slow", child.Properties["azureml.nodeid"]);
        Assert.Equal(JobStatus.Failed, child.Status);
        Assert.Equal("JobTimeout", child.Error?.Code);
    }

    [Fact]
    public async Task A_named_pipeline_resubmitted_keeps_its_run_changes_only_its_mutable_fields_and_can_be_archived()
    {
        var definition = TwoSteps("w" + Guid.NewGuid().ToString("N")[..8]);
        var name = "pipe_" + Guid.NewGuid().ToString("N")[..10];
        var named = new PipelineJob
        {
            Name = name,
            ExperimentName = definition.ExperimentName,
            Inputs = definition.Inputs,
            Outputs = definition.Outputs,
            Jobs = definition.Jobs,
            Description = "first",
        };
        var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(named));
        Assert.Equal(JobStatus.Completed, job.Status);

        var again = new PipelineJob
        {
            Name = name,
            ExperimentName = definition.ExperimentName,
            Inputs = definition.Inputs,
            Outputs = definition.Outputs,
            Jobs = definition.Jobs,
            Description = "second",
            Tags = { ["stage"] = "reviewed" },
        };
        var updated = await Ws.Jobs.CreateOrUpdateAsync(again);

        Assert.Equal(name, updated.Name);
        Assert.Equal(JobStatus.Completed, updated.Status);   // not run again
        Assert.Equal("second", (await Ws.Jobs.GetAsync(name)).Description);
        Assert.Equal("reviewed", (await Ws.Jobs.GetAsync(name)).Tags["stage"]);
        Assert.Equal(2, await Ws.Jobs.ListAsync(name).CountAsync());

        await Ws.Jobs.ArchiveAsync(name);
        Assert.DoesNotContain(name, await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
        Assert.Contains(name, await Ws.Jobs.ListAsync(includeArchived: true).Select(j => j.Name).ToListAsync());
    }

    /// <summary>
    /// A registry component (<c>azureml://registries/&lt;r&gt;/components/&lt;name&gt;/versions/&lt;v&gt;</c>) as a step or a sweep step's trial: Azure ML
    /// reads it from its registry, but neither the local workspace nor the Emulator has registries (both work offline), so both refuse it
    /// at submit with the same typed error saying so and what to write instead — never running the workspace's component of the same name
    /// and version — and nothing is created. (On Remote the client sends the registry id as azure-ai-ml does; the Emulator answers 400.)
    /// </summary>
    [Fact]
    public async Task A_registry_component_step_or_trial_is_refused_at_submit_saying_there_are_no_registries_offline()
    {
        var name = "echoer" + Guid.NewGuid().ToString("N")[..6];
        await Ws.Components.CreateOrUpdateAsync(new CommandComponent
        {
            Name = name,
            Version = "1",
            Environment = Environment,
            Command = "echo ${{inputs.x}} > ${{outputs.o}}/x.txt",
            Inputs = { ["x"] = new ComponentInput { Type = InputType.Number } },
            Outputs = { ["o"] = new ComponentOutput() },
        });
        var registry = $"azureml://registries/azureml/components/{name}/versions/1";
        var before = await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync();
        var step = new PipelineJob
        {
            ExperimentName = "contract-pipelines",
            Jobs = { ["rep"] = new PipelineComponentJob { Component = registry, Inputs = { ["x"] = 1.0 } } },
        };
        var sweep = new PipelineJob
        {
            ExperimentName = "contract-pipelines",
            Jobs =
            {
                ["tune"] = new SweepJob
                {
                    TrialComponent = registry,
                    SearchSpace = { ["x"] = new Choice(1.0, 2.0) },
                    SamplingAlgorithm = SamplingAlgorithm.Grid,
                    Objective = new Objective("accuracy", Goal.Maximize),
                    Limits = new SweepLimits { MaxTotalTrials = 2 },
                },
            },
        };

        foreach (var (pipeline, stepName) in new[] { (step, "rep"), (sweep, "tune") })
        {
            var e = await Assert.ThrowsAnyAsync<InvalidInputException>(() => Ws.Jobs.CreateOrUpdateAsync(pipeline));
            Assert.Contains($"step '{stepName}' runs registry component '{registry}'", e.Message, StringComparison.Ordinal);
            Assert.Contains("has no registries (it works offline", e.Message, StringComparison.Ordinal);
            Assert.Contains($"name it azureml:{name}:1", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(before, await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
    }

    /// <summary>
    /// A difference the backends keep on purpose: the local workspace runs an inline step — a command step, a sweep step's trial — without
    /// an environment in the host's; Azure ML needs each to name one, so the Remote backend refuses the pipeline at submit with a
    /// <see cref="JobDefinitionException"/> keyed at the step (<c>jobs.&lt;step&gt;.environment</c>, <c>jobs.&lt;step&gt;.trial.environment</c>)
    /// before any component or job is created.
    /// </summary>
    [Fact]
    public async Task Steps_without_an_environment_run_on_the_host_locally_and_are_refused_at_submit_on_Remote()
    {
        PipelineJob Bare(bool makeHasEnvironment) => new()
        {
            ExperimentName = "contract-pipelines",
            Outputs = { ["best"] = Output.UriFolder() },
            Jobs =
            {
                ["make"] = new CommandJob
                {
                    Environment = makeHasEnvironment ? (JobEnvironment)Environment : null,
                    Command = "echo made > ${{outputs.o}}/made.txt", Outputs = { ["o"] = Output.UriFolder() },
                },
                ["tune"] = new CommandJob
                {
                    Command = $"cat ${{{{inputs.m}}}}/made.txt && {Worker} trial accuracy ${{{{inputs.x}}}} 0 ${{{{outputs.model}}}}",
                    Inputs = { ["m"] = "${{parent.jobs.make.outputs.o}}", ["x"] = 0.1 },
                    Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.best}}") },
                }.Sweep("accuracy", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["x"] = new Choice(0.25, 0.75) }, SamplingAlgorithm.Grid,
                    new SweepLimits { MaxTotalTrials = 2, MaxConcurrentTrials = 2 }),
            },
        };
        var before = await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync();

        if (Ws.Kind == WorkspaceKind.Local)
        {
            var job = await EndAsync(await Ws.Jobs.CreateOrUpdateAsync(Bare(makeHasEnvironment: false)));

            Assert.True(job.Status == JobStatus.Completed, $"{job.Status}: {job.Error?.Message}");
            var steps = await Ws.Jobs.ListAsync(job.Name).ToDictionaryAsync(c => c.Properties["azureml.nodeid"], c => c);
            Assert.Equal(["make", "tune"], steps.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(2, await Ws.Jobs.ListAsync(steps["tune"].Name).CountAsync(t => t.Status == JobStatus.Completed));
            var destination = Path.GetDirectoryName(Scratch("bare-best/x"))!;
            await Ws.Jobs.DownloadAsync(job.Name, destination, outputName: "best");
            Assert.Equal("accuracy=0.75", await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "best", "model.txt")));
        }
        else
        {
            var step = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(Bare(makeHasEnvironment: false)));
            Assert.Equal("jobs.make.environment", step.Key);
            Assert.Contains("step 'make'", step.Message, StringComparison.Ordinal);
            var trial = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(Bare(makeHasEnvironment: true)));
            Assert.Equal("jobs.tune.trial.environment", trial.Key);
            Assert.Contains("step 'tune'", trial.Message, StringComparison.Ordinal);
            Assert.Equal(before, await Ws.Jobs.ListAsync().Select(j => j.Name).ToListAsync());
        }
    }

    [Fact]
    public async Task A_cycle_or_a_binding_to_a_missing_step_is_refused_at_submit()
    {
        var cycle = new PipelineJob
        {
            Jobs =
            {
                ["a"] = new CommandJob { Environment = Environment, Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.b.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() } },
                ["b"] = new CommandJob { Environment = Environment, Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.a.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder() } },
            },
        };
        var e = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(cycle));
        Assert.Contains("cycle: a → b → a", e.Message, StringComparison.Ordinal);

        var missing = new PipelineJob
        {
            Jobs = { ["a"] = new CommandJob { Environment = Environment, Command = "echo ${{inputs.x}}", Inputs = { ["x"] = "${{parent.jobs.nope.outputs.o}}" } } },
        };
        var m = await Assert.ThrowsAsync<JobDefinitionException>(() => Ws.Jobs.CreateOrUpdateAsync(missing));
        Assert.Contains("no step 'nope'", m.Message, StringComparison.Ordinal);
    }
}
