using System.Net;
using NSubstitute;

namespace AzureMlSdk.Studio.Tests;

/// <summary>
/// A sweep's trials, an AutoML leaderboard and a pipeline's graph and steps as the studio shows them, over a workspace double (the studio
/// only talks to the object model): the best trial highlighted, params and the primary metric per trial, the reused mark.
/// </summary>
public sealed class JobResultPageTests : IAsyncLifetime
{
    private readonly Workspace _ws = Substitute.For<Workspace>();
    private readonly JobOperations _jobs = Substitute.For<JobOperations>();
    private StudioServer _server = null!;

    public async Task InitializeAsync()
    {
        _ws.Name.Returns("double");
        _ws.Jobs.Returns(_jobs);
        _ws.GetRunAsync(Arg.Any<string>(), Arg.Any<CancellationToken>()).Returns(c => Task.FromException<Run>(new ResourceNotFoundException($"Run '{c.Arg<string>()}' not found.")));

        // A sweep of three trials, maximizing accuracy; trial 2 is the best, trial 3 still queued (no run yet).
        var sweep = JobDouble("sweep-1", JobType.Sweep, JobStatus.Completed, null, new Dictionary<string, string>
        {
            ["primary_metric_config"] = """{"name":"accuracy","goal":"maximize"}""",
            ["best_child_run_id"] = "sweep-1_2",
            ["score"] = "0.93",
        });
        Trial("sweep-1", "sweep-1_1", "0.01", 0.81);
        Trial("sweep-1", "sweep-1_2", "0.1", 0.93);
        Children("sweep-1", [.. _children["sweep-1"], JobDouble("sweep-1_3", JobType.Command, JobStatus.Queued, "sweep-1", null)]);

        // An AutoML job without a leaderboard table: ranked from its child jobs' runs (AUC_weighted, higher is better).
        var automl = JobDouble("automl-1", JobType.AutoML, JobStatus.Completed, null, new Dictionary<string, string> { ["automl_best_child_run_id"] = "automl-1_0" });
        automl.Definition.Returns(AutoMLJob.Classification(Input.UriFile("azureml://datastores/workspaceblobstore/paths/train.csv"), "label", "AUC_weighted"));
        AutoMLTrial("automl-1_0", "LightGBM", 0.97);
        AutoMLTrial("automl-1_1", "LogisticRegression <script>", 0.88);

        // An AutoML job whose run logged the engine's leaderboard table (rank, run_id, algorithm, the metric, hyperparameters).
        JobDouble("automl-2", JobType.AutoML, JobStatus.Completed, null, new Dictionary<string, string> { ["automl_best_child_run_id"] = "automl-2_3", ["best_algorithm"] = "LightGBM", ["score"] = "0.99" });
        var board = Substitute.For<Run>();
        board.Id.Returns("automl-2");
        board.GetFileNamesAsync(Arg.Any<CancellationToken>()).Returns(Task.FromResult<IReadOnlyList<string>>(["outputs/model.onnx", "tables/leaderboard.json"]));
        board.GetTableAsync("leaderboard", Arg.Any<CancellationToken>()).Returns(new RunTable(["rank", "run_id", "algorithm", "accuracy", "hyperparameters"],
        [
            [1.0, "automl-2_3", "LightGBM", 0.99, """{"num_leaves":31}"""],
            [2.0, "automl-2_1", "LogisticRegression", 0.9123456789, "<script>alert('hp')</script>"],
            [3.0, "automl-2_2", "KNN", null, null],
        ]));
        _ws.GetRunAsync("automl-2", Arg.Any<CancellationToken>()).Returns(board);

        // A running pipeline (its definition at hand): prep was reused, train runs, eval waits; a step name carrying markup.
        var pipe = JobDouble("pipe-1", JobType.Pipeline, JobStatus.Running, null, new Dictionary<string, string>
        {
            ["azureml.pipeline.stepJobs"] = """{"prep":"pipe-1_prep","train":"pipe-1_train"}""",
        });
        pipe.Definition.Returns(new PipelineJob
        {
            Jobs =
            {
                ["prep"] = new CommandJob { Command = "echo", Outputs = { ["clean"] = Output.UriFolder() } },
                ["train"] = new CommandJob { Command = "echo", Inputs = { ["data"] = "${{parent.jobs.prep.outputs.clean}}" }, Outputs = { ["model"] = Output.UriFolder() } },
                ["eval"] = new CommandJob { Command = "echo", Inputs = { ["model"] = "${{parent.jobs.train.outputs.model}}", ["raw"] = "${{parent.jobs.prep.outputs.clean}}" } },
            },
        });
        Children("pipe-1",
        [
            JobDouble("pipe-1_prep", JobType.Command, JobStatus.Completed, "pipe-1", new Dictionary<string, string> { ["azureml.nodeid"] = "prep", ["azureml.isreused"] = "true", ["azureml.reusedrunid"] = "old_prep" }),
            JobDouble("pipe-1_train", JobType.Command, JobStatus.Running, "pipe-1", new Dictionary<string, string> { ["azureml.nodeid"] = "train", ["azureml.isreused"] = "false" }),
        ]);

        // A failed pipeline: prep failed, so train never ran.
        var failed = JobDouble("pipe-3", JobType.Pipeline, JobStatus.Failed, null, new Dictionary<string, string> { ["azureml.pipeline.stepJobs"] = """{"prep":"pipe-3_prep"}""" });
        failed.Definition.Returns(new PipelineJob
        {
            Jobs =
            {
                ["prep"] = new CommandJob { Command = "exit 1", Outputs = { ["clean"] = Output.UriFolder() } },
                ["train"] = new CommandJob { Command = "echo", Inputs = { ["data"] = "${{parent.jobs.prep.outputs.clean}}" } },
            },
        });
        Children("pipe-3", [JobDouble("pipe-3_prep", JobType.Command, JobStatus.Failed, "pipe-3", new Dictionary<string, string> { ["azureml.nodeid"] = "prep" })]);

        // A pipeline of another service (no definition, no step map): its children are the steps; a node id with markup is text.
        JobDouble("pipe-2", JobType.Pipeline, JobStatus.Failed, null, null);
        Children("pipe-2",
        [
            JobDouble("pipe-2_a", JobType.Command, JobStatus.Failed, "pipe-2", new Dictionary<string, string> { ["azureml.nodeid"] = StudioPayload }),
        ]);
        _jobs.ListAsync(Arg.Any<string?>(), Arg.Any<bool>(), Arg.Any<CancellationToken>()).Returns(c => Async(c.ArgAt<string?>(0) is { } p && _children.TryGetValue(p, out var list) ? list : []));
        _server = await StudioServer.StartAsync(_ws, new StudioOptions { Port = 0 });
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private readonly Dictionary<string, List<Job>> _children = new(StringComparer.Ordinal);

    private Job JobDouble(string name, JobType type, JobStatus status, string? parent, IReadOnlyDictionary<string, string>? properties)
    {
        var job = Substitute.For<Job>();
        job.Name.Returns(name);
        job.Type.Returns(type);
        job.Status.Returns(status);
        job.ExperimentName.Returns("exp");
        job.ParentJobName.Returns(parent);
        job.Properties.Returns(properties ?? new Dictionary<string, string>());
        job.Tags.Returns(new Dictionary<string, string>());
        job.OutputUris.Returns(new Dictionary<string, string>());
        job.CreatedAt.Returns(DateTimeOffset.UnixEpoch);
        _jobs.GetAsync(name, Arg.Any<CancellationToken>()).Returns(job);
        job.StreamAsync(Arg.Any<TextWriter>(), Arg.Any<CancellationToken>()).Returns(job);
        if (parent is not null)
        {
            (_children.TryGetValue(parent, out var list) ? list : _children[parent] = []).Add(job);
        }
        return job;
    }

    private void Children(string parent, List<Job> children) => _children[parent] = children;

    private void Trial(string parent, string name, string lr, double accuracy)
    {
        JobDouble(name, JobType.Command, JobStatus.Completed, parent, null);
        RunDouble(name, new Dictionary<string, string> { ["lr"] = lr }, "accuracy", accuracy);
    }

    private void AutoMLTrial(string name, string algorithm, double auc)
    {
        JobDouble(name, JobType.Command, JobStatus.Completed, "automl-1", null);
        RunDouble(name, new Dictionary<string, string> { ["algorithm"] = algorithm }, "AUC_weighted", auc);
    }

    private void RunDouble(string id, IReadOnlyDictionary<string, string> parameters, string metric, double value)
    {
        var run = Substitute.For<Run>();
        run.Id.Returns(id);
        run.Params.Returns(parameters);
        run.Tags.Returns(new Dictionary<string, string>());
        run.LatestMetrics.Returns(new Dictionary<string, MetricPoint> { [metric] = new(metric, value, 0, DateTimeOffset.UnixEpoch) });
        _ws.GetRunAsync(id, Arg.Any<CancellationToken>()).Returns(run);
    }

    private static async IAsyncEnumerable<Job> Async(IEnumerable<Job> jobs)
    {
        foreach (var j in jobs)
        {
            yield return j;
        }
        await Task.CompletedTask;
    }

    private async Task<string> GetAsync(string path)
    {
        using var client = new HttpClient { BaseAddress = _server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", _server.Token);
        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return body;
    }

    private static string Row(string html, string job)
    {
        var start = html.IndexOf($"<tr data-job=\"{job}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for {job}");
        return html[start..(html.IndexOf("</tr>", start, StringComparison.Ordinal) + 5)];
    }

    [Fact]
    public async Task A_sweeps_trials_show_params_and_metric_best_first_and_highlighted()
    {
        var html = await GetAsync("/jobs/sweep-1");
        Assert.Contains("<table id=\"trials\">", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">lr</th>", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">accuracy</th>", html, StringComparison.Ordinal);
        var best = Row(html, "sweep-1_2");
        Assert.Contains("class=\"best\"", best, StringComparison.Ordinal);
        Assert.Contains("<td>0.1</td>", best, StringComparison.Ordinal);
        Assert.Contains("<td>0.93</td>", best, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"best\"", Row(html, "sweep-1_1"), StringComparison.Ordinal);
        Assert.Contains("Queued", Row(html, "sweep-1_3"), StringComparison.Ordinal);
        // Best first, then the others by score, trials without the metric last.
        Assert.True(html.IndexOf("data-job=\"sweep-1_2\"", StringComparison.Ordinal) < html.IndexOf("data-job=\"sweep-1_1\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("data-job=\"sweep-1_1\"", StringComparison.Ordinal) < html.IndexOf("data-job=\"sweep-1_3\"", StringComparison.Ordinal));
        Assert.Contains("id=\"best-trial\" href=\"/jobs/sweep-1_2\"", html, StringComparison.Ordinal);
        Assert.Contains("/compare?runs=sweep-1_1&amp;runs=sweep-1_2&amp;metric=accuracy", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_automl_leaderboard_ranks_trials_by_the_primary_metric_with_the_best_marked()
    {
        var html = await GetAsync("/jobs/automl-1");
        Assert.Contains("<table id=\"leaderboard\">", html, StringComparison.Ordinal);
        var best = Row(html, "automl-1_0");
        Assert.Contains("class=\"best\"", best, StringComparison.Ordinal);
        Assert.Contains("LightGBM", best, StringComparison.Ordinal);
        Assert.Contains("<td>0.97</td>", best, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">AUC_weighted</th>", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("data-job=\"automl-1_0\"", StringComparison.Ordinal) < html.IndexOf("data-job=\"automl-1_1\"", StringComparison.Ordinal));
        Assert.Contains("LogisticRegression &lt;script&gt;", html, StringComparison.Ordinal);
        Assert.DoesNotContain("LogisticRegression <script>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_automl_leaderboard_table_logged_by_its_run_is_shown_in_rank_order_with_the_best_linked_and_marked()
    {
        var html = await GetAsync("/jobs/automl-2");
        Assert.Contains("<table id=\"leaderboard\"><caption>Leaderboard of automl-2; the best is marked</caption>", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">rank</th><th scope=\"col\">run_id</th><th scope=\"col\">algorithm</th><th scope=\"col\">accuracy</th><th scope=\"col\">hyperparameters</th>", html, StringComparison.Ordinal);
        var best = Row(html, "automl-2_3");
        Assert.Contains("class=\"best\"", best, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"row\"><a href=\"/jobs/automl-2_3\">automl-2_3</a> <span class=\"badge best-badge\">best</span></th>", best, StringComparison.Ordinal);
        Assert.Contains("<td>0.99</td>", best, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"best\"", Row(html, "automl-2_1"), StringComparison.Ordinal);
        Assert.Contains("<td>0.912346</td>", Row(html, "automl-2_1"), StringComparison.Ordinal); // numbers shortened (G6)
        Assert.DoesNotContain("<script>alert('hp')</script>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&#x27;hp&#x27;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.True(html.IndexOf("data-job=\"automl-2_3\"", StringComparison.Ordinal) < html.IndexOf("data-job=\"automl-2_1\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("data-job=\"automl-2_1\"", StringComparison.Ordinal) < html.IndexOf("data-job=\"automl-2_2\"", StringComparison.Ordinal));
        Assert.Contains("Best model from <a id=\"best-trial\" href=\"/jobs/automl-2_3\">automl-2_3</a> (LightGBM), score 0.99.", html, StringComparison.Ordinal);
    }

    private const string StudioPayload = "<script>alert('step')</script>";

    private static string StepRow(string html, string step)
    {
        var start = html.IndexOf($"<tr data-step=\"{step}\"", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no row for step {step}");
        return html[start..(html.IndexOf("</tr>", start, StringComparison.Ordinal) + 5)];
    }

    [Fact]
    public async Task A_pipelines_page_has_its_graph_and_a_steps_table_with_states_and_reused_marks()
    {
        var html = await GetAsync("/jobs/pipe-1");
        Assert.Contains("<script defer src=\"/static/lib/dagre.min.js\"></script><script defer src=\"/static/graph.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("id=\"pipeline-graph\" role=\"group\" aria-label=\"Pipeline graph of pipe-1: 3 steps (1 Completed, 1 Not started, 1 Running, 1 reused), 3 dependencies\"", html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">Step</th><th scope=\"col\">State</th><th scope=\"col\">Reused</th><th scope=\"col\">Duration</th>", html, StringComparison.Ordinal);
        // Run order: prep, train, eval.
        Assert.True(html.IndexOf("data-step=\"prep\"", StringComparison.Ordinal) < html.IndexOf("data-step=\"train\"", StringComparison.Ordinal));
        Assert.True(html.IndexOf("data-step=\"train\"", StringComparison.Ordinal) < html.IndexOf("data-step=\"eval\"", StringComparison.Ordinal));
        var prep = StepRow(html, "prep");
        Assert.Contains("badge reused", prep, StringComparison.Ordinal);
        Assert.Contains("from <a href=\"/jobs/old_prep\">old_prep</a>", prep, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/jobs/pipe-1_prep\">pipe-1_prep</a>", prep, StringComparison.Ordinal);
        var train = StepRow(html, "train");
        Assert.DoesNotContain("badge reused", train, StringComparison.Ordinal);
        Assert.Contains(">Running</span>", train, StringComparison.Ordinal);
        Assert.Contains(">Not started</span>", StepRow(html, "eval"), StringComparison.Ordinal);

        // The graph's data (for the page's script): steps with states and links, edges named by output → input.
        var graph = GraphOf(html);
        var steps = graph["steps"]!.AsArray();
        Assert.Equal(["prep", "train", "eval"], steps.Select(s => (string)s!["step"]!));
        Assert.Equal(["Completed", "Running", "NotStarted"], steps.Select(s => (string)s!["state"]!));
        Assert.True((bool)steps[0]!["reused"]!);
        Assert.Equal("old_prep", (string?)steps[0]!["reusedRunId"]);
        Assert.Equal("/jobs/pipe-1_train", (string?)steps[1]!["href"]);
        Assert.Null(steps[2]!["job"]);
        var edges = graph["edges"]!.AsArray().Select(e => $"{e!["from"]}->{e["to"]}: {e["label"]}").ToList();
        Assert.Equal(["prep->train: clean → data", "prep->eval: clean → raw", "train->eval: model → model"], edges);
    }

    [Fact]
    public async Task A_failed_pipelines_graph_shows_the_failed_step_and_the_steps_that_never_ran()
    {
        var html = await GetAsync("/jobs/pipe-3");
        Assert.Contains("aria-label=\"Pipeline graph of pipe-3: 2 steps (1 Failed, 1 Not run), 1 dependency\"", html, StringComparison.Ordinal);
        Assert.Contains(">Failed</span>", StepRow(html, "prep"), StringComparison.Ordinal);
        Assert.Contains(">Not run</span>", StepRow(html, "train"), StringComparison.Ordinal);
        var graph = GraphOf(html);
        Assert.Equal(["Failed", "NotRun"], graph["steps"]!.AsArray().Select(s => (string)s!["state"]!));
        Assert.True((bool)graph["terminal"]!);
    }

    [Fact]
    public async Task A_pipeline_without_its_definition_shows_its_children_as_steps_escaped()
    {
        var html = await GetAsync("/jobs/pipe-2");
        Assert.DoesNotContain(StudioPayload, html, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"row\">&lt;script&gt;alert(&#x27;step&#x27;)&lt;/script&gt;</th>", html, StringComparison.Ordinal);
        var steps = GraphOf(html)["steps"]!.AsArray();
        Assert.Equal(StudioPayload, (string?)Assert.Single(steps)!["step"]);
        Assert.Equal("Failed", (string?)steps[0]!["state"]);
        Assert.Empty(GraphOf(html)["edges"]!.AsArray());
    }

    [Fact]
    public async Task A_running_pipelines_event_stream_sends_its_steps()
    {
        using var client = new HttpClient { BaseAddress = _server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", _server.Token);
        using var response = await client.GetAsync(new Uri("/api/jobs/pipe-1/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: steps", await reader.ReadLineAsync());
        var data = (await reader.ReadLineAsync())!;
        var steps = System.Text.Json.Nodes.JsonNode.Parse(data["data: ".Length..])!["steps"]!.AsArray();
        Assert.Equal(["Completed", "Running", "NotStarted"], steps.Select(s => (string)s!["state"]!));
    }

    private static System.Text.Json.Nodes.JsonNode GraphOf(string html)
    {
        var m = System.Text.RegularExpressions.Regex.Match(html, "data-graph=\"([^\"]*)\"");
        Assert.True(m.Success, "no data-graph");
        return System.Text.Json.Nodes.JsonNode.Parse(WebUtility.HtmlDecode(m.Groups[1].Value))!;
    }
}
