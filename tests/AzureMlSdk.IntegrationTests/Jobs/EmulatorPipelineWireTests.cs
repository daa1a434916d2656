using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AzureMlSdk.Tests.Backends.Remote;

namespace AzureMlSdk.IntegrationTests.Jobs;

/// <summary>
/// Pipelines on the wire between the Remote backend and the Emulator: the steps' anonymous component versions and the <c>PipelineJob</c>
/// body as the service stores and answers them (spec-valid, <c>componentId</c> per step, the same content the same version), and a bad
/// body PUT directly answered as Local reports it, in Azure's error shape; a sweep step as a <c>type: sweep</c> node whose <c>trial.componentId</c>
/// names its trial's anonymous component (command as written), run as a sweep whose trials are the step's children.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorPipelineWireTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string V = "?api-version=2026-07-01";
    private const string Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";
    private static readonly OpenApiValidator Spec = new(Path.Combine(RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(RestSpecFolder.Find(), "common-types"));
    private string _ws = null!;

    public async Task InitializeAsync() => _ws = await emulator.CreateWorkspaceAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        var uri = path.StartsWith("/subscriptions/", StringComparison.Ordinal) || path.StartsWith("/history/", StringComparison.Ordinal) ? path : EmulatorFixture.WorkspacePath(_ws) + path;
        using var request = new HttpRequestMessage(method, new Uri(emulator.BaseAddress, uri + V));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await emulator.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The <c>model.txt</c> of the pipeline output <c>best</c> (the best trial's), downloaded as a user would.</summary>
    private static async Task<string> BestModelAsync(Workspace ws, string pipeline)
    {
        var destination = Directory.CreateTempSubdirectory("wire-best-").FullName;
        try
        {
            await ws.Jobs.DownloadAsync(pipeline, destination, outputName: "best");
            return await File.ReadAllTextAsync(Path.Combine(destination, "named-outputs", "best", "model.txt"));
        }
        finally
        {
            Directory.Delete(destination, recursive: true);
        }
    }

    private static PipelineJob TwoSteps() => new()
    {
        ExperimentName = "wire-pipelines",
        Inputs = { ["word"] = "hello", ["times"] = 2 },
        Outputs = { ["final"] = Output.UriFolder() },
        Jobs =
        {
            ["make"] = new CommandJob
            {
                Environment = Environment, Command = "for i in $(seq ${{inputs.n}}); do echo ${{inputs.w}}; done > ${{outputs.o}}/word.txt",
                Inputs = { ["w"] = "${{parent.inputs.word}}", ["n"] = "${{parent.inputs.times}}" }, Outputs = { ["o"] = Output.UriFolder() },
            },
            ["shout"] = new CommandJob
            {
                Environment = Environment, Command = "tr a-z A-Z < ${{inputs.i}}/word.txt > ${{outputs.o}}/word.txt",
                Inputs = { ["i"] = "${{parent.jobs.make.outputs.o}}" }, Outputs = { ["o"] = Output.UriFolder("${{parent.outputs.final}}") },
            },
        },
    };

    [Fact]
    public async Task Steps_are_anonymous_component_versions_named_by_content_and_the_pipeline_is_answered_as_a_spec_valid_PipelineJob()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var first = await (await ws.Jobs.CreateOrUpdateAsync(TwoSteps())).WaitAsync(cts.Token);
        var second = await (await ws.Jobs.CreateOrUpdateAsync(TwoSteps())).WaitAsync(cts.Token);
        Assert.Equal(JobStatus.Completed, first.Status);
        Assert.Equal(JobStatus.Completed, second.Status);

        var (status, body) = await SendAsync(HttpMethod.Get, $"/jobs/{first.Name}");
        Assert.Equal(HttpStatusCode.OK, status);
        var problems = Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        var p = body.GetProperty("properties");
        Assert.Equal("Pipeline", p.GetProperty("jobType").GetString());
        Assert.Equal("Completed", p.GetProperty("status").GetString());
        var make = p.GetProperty("jobs").GetProperty("make");
        var componentId = make.GetProperty("componentId").GetString()!;
        Assert.Matches("/workspaces/[^/]+/components/azureml_anonymous/versions/[0-9a-f]{30}$", componentId);
        Assert.Equal("${{parent.inputs.word}}", make.GetProperty("inputs").GetProperty("w").GetProperty("value").GetString());
        Assert.Equal("${{parent.outputs.final}}", p.GetProperty("jobs").GetProperty("shout").GetProperty("outputs").GetProperty("o").GetProperty("value").GetString());
        Assert.EndsWith($"/azureml/{first.Name}/final/", p.GetProperty("outputs").GetProperty("final").GetProperty("uri").GetString(), StringComparison.Ordinal);

        // The same steps again: the same component versions (content-addressed), not new ones.
        var (_, again) = await SendAsync(HttpMethod.Get, $"/jobs/{second.Name}");
        Assert.Equal(componentId, again.GetProperty("properties").GetProperty("jobs").GetProperty("make").GetProperty("componentId").GetString());
        var (componentStatus, component) = await SendAsync(HttpMethod.Get, componentId);
        Assert.Equal(HttpStatusCode.OK, componentStatus);
        Assert.Empty(Spec.Validate(component, Spec.Definition("ComponentVersion").Schema, Spec.Root));
        var spec = component.GetProperty("properties").GetProperty("componentSpec");
        Assert.Equal(TwoSteps().Jobs["make"] is CommandJob c ? c.Command : null, spec.GetProperty("command").GetString());
        Assert.Equal("integer", spec.GetProperty("inputs").GetProperty("n").GetProperty("type").GetString()); // typed from ${{parent.inputs.times}}

        // Children as azure-ai-ml lists them (run history), each a command job of the pipeline; the second run reused both.
        var children = await ws.Jobs.ListAsync(second.Name).ToListAsync();
        Assert.Equal(2, children.Count);
        Assert.All(children, c => Assert.Equal(("true", second.Name), (c.Properties["azureml.isreused"], c.Properties["azureml.pipelinerunid"])));
        var (historyStatus, history) = await SendAsync(HttpMethod.Get, $"/history/v1.0{EmulatorFixture.WorkspacePath(_ws)}/runs/{first.Name}/children");
        Assert.Equal(HttpStatusCode.OK, historyStatus);
        Assert.Equal(2, history.GetProperty("value").GetArrayLength());
    }

    [Fact]
    public async Task A_sweep_step_is_a_sweep_node_naming_its_trials_anonymous_component_and_its_trials_are_the_steps_children()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var worker = $"dotnet '{Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll")}'";
        var pipeline = new PipelineJob
        {
            ExperimentName = "wire-pipelines",
            Outputs = { ["best"] = Output.UriFolder() },
            Jobs =
            {
                ["tune"] = new CommandJob
                {
                    Environment = Environment,
                    Command = $"{worker} trial accuracy ${{{{inputs.x}}}} 0 ${{{{outputs.model}}}}",
                    Inputs = { ["x"] = 0.1 },
                    Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.best}}") },
                }.Sweep("accuracy", Goal.Maximize, new Dictionary<string, SweepDistribution> { ["x"] = new Choice(0.25, 0.75) }, SamplingAlgorithm.Grid,
                    new SweepLimits { MaxTotalTrials = 2, MaxConcurrentTrials = 1 }),
            },
        };

        var done = await (await ws.Jobs.CreateOrUpdateAsync(pipeline)).WaitAsync(cts.Token);

        Assert.True(done.Status == JobStatus.Completed, $"{done.Status}: {done.Error?.Message}");
        var (status, body) = await SendAsync(HttpMethod.Get, $"/jobs/{done.Name}");
        Assert.Equal(HttpStatusCode.OK, status);
        var problems = Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
        var tune = body.GetProperty("properties").GetProperty("jobs").GetProperty("tune");
        Assert.Equal("sweep", tune.GetProperty("type").GetString());
        Assert.False(tune.TryGetProperty("componentId", out _));
        var trialId = tune.GetProperty("trial").GetProperty("componentId").GetString()!;
        Assert.Matches("/workspaces/[^/]+/components/azureml_anonymous/versions/[0-9a-f]{30}$", trialId);
        Assert.Equal("""{"type":"choice","values":[0.25,0.75]}""", tune.GetProperty("search_space").GetProperty("x").GetRawText());
        Assert.Equal("grid", tune.GetProperty("sampling_algorithm").GetString());
        Assert.Equal("""{"goal":"maximize","primary_metric":"accuracy"}""", tune.GetProperty("objective").GetRawText());
        Assert.Equal("""{"max_total_trials":2,"max_concurrent_trials":1}""", tune.GetProperty("limits").GetRawText());

        // The trial component as azure-ai-ml sends it: the command as written (${{inputs.x}}), x an input of the sampled type.
        var (componentStatus, component) = await SendAsync(HttpMethod.Get, trialId);
        Assert.Equal(HttpStatusCode.OK, componentStatus);
        Assert.Empty(Spec.Validate(component, Spec.Definition("ComponentVersion").Schema, Spec.Root));
        var spec = component.GetProperty("properties").GetProperty("componentSpec");
        Assert.Equal($"{worker} trial accuracy ${{{{inputs.x}}}} 0 ${{{{outputs.model}}}}", spec.GetProperty("command").GetString());
        Assert.Equal("number", spec.GetProperty("inputs").GetProperty("x").GetProperty("type").GetString());

        // The step is a spec-valid SweepJob, its trials its children (run history, as azure-ai-ml lists them); the pipeline's output is the best trial's.
        var step = Assert.Single(await ws.Jobs.ListAsync(done.Name).ToListAsync());
        var (stepStatus, stepBody) = await SendAsync(HttpMethod.Get, $"/jobs/{step.Name}");
        Assert.Equal(HttpStatusCode.OK, stepStatus);
        Assert.Empty(Spec.Validate(stepBody, Spec.Definition("JobBase").Schema, Spec.Root));
        Assert.Equal("Sweep", stepBody.GetProperty("properties").GetProperty("jobType").GetString());
        var (historyStatus, history) = await SendAsync(HttpMethod.Get, $"/history/v1.0{EmulatorFixture.WorkspacePath(_ws)}/runs/{step.Name}/children");
        Assert.Equal(HttpStatusCode.OK, historyStatus);
        Assert.Equal(2, history.GetProperty("value").GetArrayLength());
        Assert.Equal("accuracy=0.75", await BestModelAsync(ws, done.Name!));
    }

    [Fact]
    public async Task A_sweep_step_over_a_registered_component_is_sent_by_its_id()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var worker = $"dotnet '{Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll")}'";
        await ws.Components.CreateOrUpdateAsync(new CommandComponent
        {
            Name = "scorer",
            Version = "1",
            Environment = Environment,
            Command = $"{worker} trial accuracy ${{{{inputs.x}}}} 0 ${{{{outputs.model}}}}",
            Inputs = { ["x"] = new ComponentInput { Type = InputType.Number } },
            Outputs = { ["model"] = new ComponentOutput() },
        });
        var pipeline = new PipelineJob
        {
            ExperimentName = "wire-pipelines",
            Outputs = { ["best"] = Output.UriFolder() },
            Jobs =
            {
                ["tune"] = new SweepJob
                {
                    TrialComponent = "azureml:scorer:1",
                    SearchSpace = { ["x"] = new Choice(0.25, 0.75) },
                    SamplingAlgorithm = SamplingAlgorithm.Grid,
                    Objective = new Objective("accuracy", Goal.Maximize),
                    Limits = new SweepLimits { MaxTotalTrials = 2, MaxConcurrentTrials = 2 },
                    Outputs = { ["model"] = Output.UriFolder("${{parent.outputs.best}}") },
                },
            },
        };

        var done = await (await ws.Jobs.CreateOrUpdateAsync(pipeline)).WaitAsync(cts.Token);

        Assert.True(done.Status == JobStatus.Completed, $"{done.Status}: {done.Error?.Message}");
        var (_, body) = await SendAsync(HttpMethod.Get, $"/jobs/{done.Name}");
        Assert.EndsWith("/components/scorer/versions/1", body.GetProperty("properties").GetProperty("jobs").GetProperty("tune").GetProperty("trial").GetProperty("componentId").GetString(), StringComparison.Ordinal);
        var step = Assert.Single(await ws.Jobs.ListAsync(done.Name).ToListAsync());
        Assert.Equal(2, await ws.Jobs.ListAsync(step.Name).CountAsync());
        Assert.Equal("accuracy=0.75", await BestModelAsync(ws, done.Name!));
    }

    [Fact]
    public async Task A_bad_pipeline_body_is_answered_as_Local_reports_it_in_Azures_error_shape()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        var echo = await ws.Components.CreateOrUpdateAsync(new CommandComponent
        {
            Name = "echoer",
            Version = "1",
            Environment = Environment,
            Command = "echo ${{inputs.x}} > ${{outputs.o}}/x.txt",
            Inputs = { ["x"] = new ComponentInput { Type = InputType.String } },
            Outputs = { ["o"] = new ComponentOutput() },
        });
        var id = EmulatorFixture.WorkspacePath(_ws) + "/components/echoer/versions/1";
        string Body(string a, string b) => JsonSerializer.Serialize(new
        {
            properties = new
            {
                jobType = "Pipeline",
                jobs = new Dictionary<string, object>
                {
                    ["a"] = new { type = "command", componentId = id, inputs = new { x = new { job_input_type = "literal", value = a } } },
                    ["b"] = new { type = "command", componentId = b, inputs = new { x = new { job_input_type = "literal", value = "${{parent.jobs.a.outputs.o}}" } } },
                },
            },
        });

        var cycle = await SendAsync(HttpMethod.Put, "/jobs/p-cycle", Body("${{parent.jobs.b.outputs.o}}", id));
        Assert.Equal(HttpStatusCode.BadRequest, cycle.Status);
        Assert.Equal("UserError", cycle.Body.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("cycle: a → b → a", cycle.Body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        var missing = await SendAsync(HttpMethod.Put, "/jobs/p-missing", Body("${{parent.jobs.nope.outputs.o}}", id));
        Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
        Assert.Contains("no step 'nope'", missing.Body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        var unknown = await SendAsync(HttpMethod.Put, "/jobs/p-unknown", Body("plain", EmulatorFixture.WorkspacePath(_ws) + "/components/ghost/versions/9"));
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Contains("Step 'b' runs component 'azureml:ghost:9'", unknown.Body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);

        foreach (var name in new[] { "p-cycle", "p-missing", "p-unknown" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/jobs/{name}")).Status); // nothing was created
        }
        Assert.Equal("1", echo.Version);
    }
}
