using Microsoft.Playwright;

namespace AzureMlSdk.Studio.Tests;

/// <summary>
/// A few checks in a real browser: Playwright for .NET driving Debian's Chromium (installed by eng/services.sh; Playwright's
/// own browser download is not used). Screenshots go to artifacts/test-results/studio-screenshots.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class StudioBrowserTests(StudioFixture f) : IAsyncLifetime
{
    private IPlaywright _playwright = null!;
    private IBrowser _browser = null!;
    private IPage _page = null!;

    /// <summary>The Chromium to drive: <c>$STUDIO_CHROMIUM</c>, else Debian's.</summary>
    public static string ChromiumPath =>
        Environment.GetEnvironmentVariable("STUDIO_CHROMIUM") is { Length: > 0 } p ? p
        : new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
          ?? throw new InvalidOperationException("No Chromium found: run `bash eng/services.sh install` (it installs Debian's chromium) or set STUDIO_CHROMIUM.");

    public static string ScreenshotFolder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AzureMlSdk.sln")))
            {
                dir = dir.Parent;
            }
            var folder = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts", "test-results", "studio-screenshots");
            Directory.CreateDirectory(folder);
            return folder;
        }
    }

    public async Task InitializeAsync()
    {
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ChromiumPath, Headless = true, Args = ["--no-sandbox"] });
        var context = await _browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        _page = await context.NewPageAsync();
        _page.SetDefaultTimeout(20_000);
        Assertions.SetDefaultExpectTimeout(20_000); // the shared CI machine can be loaded
        // The first visit carries the token; the cookie does the rest.
        await _page.GotoAsync(f.Server.Url.ToString());
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private Task ShotAsync(string name) => _page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    private string Url(string path) => new Uri(f.Server.BaseAddress, path).ToString();

    [Fact]
    public async Task A_run_page_draws_its_metric_chart_with_every_point()
    {
        Assert.DoesNotContain("token=", _page.Url, StringComparison.Ordinal);
        await _page.GotoAsync(Url("/runs/" + f.Baseline.Id));
        var chart = _page.GetByRole(AriaRole.Img, new() { Name = "Chart of metric loss", Exact = false });
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-state", "ready");
        Assert.Equal(StudioFixture.LossPoints.ToString(System.Globalization.CultureInfo.InvariantCulture), await chart.GetAttributeAsync("data-points"));
        Assert.Equal(1, await chart.Locator("canvas").CountAsync());
        // Escaped names show as text.
        await Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("baseline <script>alert('pwned')</script>");
        // Smoothing redraws the same points.
        await _page.GetByLabel("Smoothing").FillAsync("0.8");
        await Assertions.Expect(chart).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("smoothing 0.8"));
        await ShotAsync("run");

        await _page.GotoAsync(Url("/runs/" + f.LongRun.Id));
        var signal = _page.GetByRole(AriaRole.Img, new() { Name = "Chart of metric signal", Exact = false });
        await Assertions.Expect(signal).ToHaveAttributeAsync("data-state", "ready");
        Assert.Equal("2000", await signal.GetAttributeAsync("data-points"));
        Assert.Equal(StudioFixture.LongPoints.ToString(System.Globalization.CultureInfo.InvariantCulture), await signal.GetAttributeAsync("data-total"));
    }

    [Fact]
    public async Task Two_runs_picked_in_the_runs_table_compare_side_by_side()
    {
        await _page.GotoAsync(Url("/experiments/studio-tests"));
        await _page.GetByRole(AriaRole.Checkbox, new() { Name = "Select run variant" }).CheckAsync();
        await _page.GetByRole(AriaRole.Checkbox, new() { Name = "Select run baseline", Exact = false }).CheckAsync();
        await ShotAsync("runs");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Compare 2 selected runs" }).ClickAsync();
        await _page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/compare\\?"), new() { WaitUntil = WaitUntilState.Commit });
        var lr = _page.Locator("#params-diff tr.differs", new() { HasText = "lr" });
        await Assertions.Expect(lr).ToHaveCountAsync(1);
        await Assertions.Expect(_page.Locator("#params-diff tr:not(.differs)", new() { HasText = "optimizer" })).ToHaveCountAsync(1);
        var chart = _page.GetByRole(AriaRole.Img, new() { Name = "Chart of metric loss", Exact = false });
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-state", "ready");
        Assert.Equal("2", await chart.GetAttributeAsync("data-series"));
        Assert.Equal((2 * StudioFixture.LossPoints).ToString(System.Globalization.CultureInfo.InvariantCulture), await chart.GetAttributeAsync("data-points"));
        await ShotAsync("compare");
    }

    [Fact]
    public async Task A_model_opens_from_the_list_with_its_source_run()
    {
        await _page.GotoAsync(Url("/models"));
        await _page.GetByRole(AriaRole.Link, new() { Name = "studio-model" }).ClickAsync();
        await _page.GetByRole(AriaRole.Link, new() { Name = "Version 1" }).ClickAsync();
        await Assertions.Expect(_page.Locator("#model-aliases")).ToContainTextAsync("production");
        await Assertions.Expect(_page.Locator("#model-run a")).ToHaveTextAsync(f.Baseline.Id);
        await Assertions.Expect(_page.GetByRole(AriaRole.Rowheader, new() { Name = "model.onnx" })).ToHaveCountAsync(1);
        await ShotAsync("model");
    }

    [Fact]
    public async Task An_endpoint_is_test_invoked_with_the_sample_from_its_swagger()
    {
        await _page.GotoAsync(Url("/endpoints/studio-ep"));
        var body = _page.GetByLabel("Request body (JSON)");
        await Assertions.Expect(body).Not.ToHaveValueAsync("{}");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Invoke" }).ClickAsync();
        await _page.WaitForLoadStateAsync();
        if (await _page.Locator("#invoke-error").CountAsync() > 0)
        {
            Assert.Fail("Invoke failed: " + await _page.Locator("#invoke-error").TextContentAsync() + " with body " + await body.InputValueAsync());
        }
        await Assertions.Expect(_page.Locator("#invoke-result")).ToContainTextAsync("predictions");
        var keys = await f.Endpoint.GetKeysAsync();
        Assert.DoesNotContain(keys.PrimaryKey, await _page.ContentAsync(), StringComparison.Ordinal);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Reveal keys" }).ClickAsync();
        await Assertions.Expect(_page.Locator("#secret-0")).ToHaveTextAsync(keys.PrimaryKey);
        await ShotAsync("endpoint");
    }

    [Fact]
    public async Task A_running_run_page_goes_from_Running_to_Completed_without_a_reload()
    {
        var run = await f.Experiment.StartLoggingAsync(displayName: "watched");
        run.Log("progress", 0.1, step: 0);
        await run.FlushAsync();
        await _page.GotoAsync(Url("/runs/" + run.Id));
        var status = _page.Locator("#run-status");
        await Assertions.Expect(status).ToHaveTextAsync("Running");
        var chart = _page.GetByRole(AriaRole.Img, new() { Name = "Chart of metric progress", Exact = false });
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", "1");
        await _page.EvaluateAsync("() => { window.__notReloaded = true; }");

        run.Log("progress", 0.5, step: 1);
        await run.FlushAsync();
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-points", "2");
        await run.CompleteAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Completed");
        Assert.True(await _page.EvaluateAsync<bool>("() => window.__notReloaded === true"));
        await ShotAsync("live");
    }

    [Fact]
    public async Task A_jobs_page_goes_from_Running_to_Completed_with_its_log_live()
    {
        var gate = Path.Combine(Path.GetTempPath(), "studio-browser-gate-" + Guid.NewGuid().ToString("N"));
        var job = await f.Workspace.Jobs.CreateOrUpdateAsync(new CommandJob
        {
            Command = $"echo started; while [ ! -f '{gate}' ]; do sleep 0.1; done; echo finished-after-the-gate",
            ExperimentName = "studio-jobs",
            Compute = "local",
        });
        try
        {
            await _page.GotoAsync(Url("/jobs"));
            await _page.GetByRole(AriaRole.Link, new() { Name = job.Name, Exact = true }).ClickAsync();
            var status = _page.Locator("#job-status");
            await Assertions.Expect(status).ToHaveTextAsync("Running");
            await Assertions.Expect(_page.GetByLabel("Log of job " + job.Name)).ToContainTextAsync("started");
            await _page.EvaluateAsync("() => { window.__notReloaded = true; }");
            await ShotAsync("job-running");

            await File.WriteAllTextAsync(gate, "go");
            await Assertions.Expect(status).ToHaveTextAsync("Completed");
            await Assertions.Expect(_page.GetByLabel("Log of job " + job.Name)).ToContainTextAsync("finished-after-the-gate");
            await Assertions.Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Cancel job " + job.Name })).ToHaveCountAsync(0);
            Assert.True(await _page.EvaluateAsync<bool>("() => window.__notReloaded === true"));
            await ShotAsync("job-completed");
        }
        finally
        {
            if (!File.Exists(gate))
            {
                await File.WriteAllTextAsync(gate, "go");
            }
        }
    }

    [Fact]
    public async Task A_pipelines_graph_follows_its_steps_live_and_a_rerun_marks_every_step_reused()
    {
        var gate = Path.Combine(Path.GetTempPath(), "studio-pipeline-gate-" + Guid.NewGuid().ToString("N"));
        PipelineJob Pipeline() => new()
        {
            ExperimentName = "studio-pipelines",
            DisplayName = "pipeline " + StudioFixture.Payload,
            Jobs =
            {
                ["prep"] = new CommandJob
                {
                    Command = "while [ ! -f '" + gate + "' ]; do sleep 0.1; done; echo clean > ${{outputs.clean}}/clean.txt",
                    Outputs = { ["clean"] = Output.UriFolder() },
                },
                ["train"] = new CommandJob
                {
                    Command = "cat ${{inputs.data}}/clean.txt > ${{outputs.model}}/model.txt",
                    Inputs = { ["data"] = "${{parent.jobs.prep.outputs.clean}}" },
                    Outputs = { ["model"] = Output.UriFolder() },
                },
                ["evaluate"] = new CommandJob
                {
                    Command = "wc -c < ${{inputs.model}}/model.txt",
                    Inputs = { ["model"] = "${{parent.jobs.train.outputs.model}}" },
                },
            },
            Settings = { DefaultCompute = "local" },
        };
        ILocator Node(string step) => _page.Locator($"#pipeline-graph a.step[data-step=\"{step}\"]");
        var first = await f.Workspace.Jobs.CreateOrUpdateAsync(Pipeline());
        try
        {
            await _page.GotoAsync(Url("/jobs/" + first.Name));
            var graph = _page.GetByRole(AriaRole.Group, new() { Name = "Pipeline graph of " + first.Name, Exact = false });
            await Assertions.Expect(graph).ToHaveAttributeAsync("data-state", "ready");
            await Assertions.Expect(graph).ToHaveAttributeAsync("data-steps", "3");
            Assert.Equal(2, await graph.Locator("g.edge").CountAsync());
            await Assertions.Expect(Node("prep")).ToHaveAttributeAsync("data-state", "Running");
            Assert.Equal("NotStarted", await Node("train").GetAttributeAsync("data-state"));
            Assert.Equal("NotStarted", await Node("evaluate").GetAttributeAsync("data-state"));
            await Assertions.Expect(_page.Locator("#pipeline-steps tr[data-step=\"train\"] [data-field=\"state\"]")).ToHaveTextAsync("Not started");
            await Assertions.Expect(_page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("pipeline <script>alert('pwned')</script>");
            await _page.EvaluateAsync("() => { window.__notReloaded = true; }");
            await ShotAsync("pipeline-running");

            // Released: the steps complete one after the other, shown live in the graph and the table.
            await File.WriteAllTextAsync(gate, "go");
            await Assertions.Expect(graph).ToHaveAttributeAsync("data-completed", "3", new() { Timeout = 60_000 });
            foreach (var step in new[] { "prep", "train", "evaluate" })
            {
                await Assertions.Expect(Node(step)).ToHaveAttributeAsync("data-state", "Completed");
                await Assertions.Expect(Node(step)).ToHaveAttributeAsync("data-reused", "false");
                await Assertions.Expect(_page.Locator($"#pipeline-steps tr[data-step=\"{step}\"] [data-field=\"state\"]")).ToHaveTextAsync("Completed");
            }
            await Assertions.Expect(_page.Locator("#job-status")).ToHaveTextAsync("Completed");
            await Assertions.Expect(graph).ToHaveAttributeAsync("aria-label", new System.Text.RegularExpressions.Regex("3 steps \\(3 Completed\\)"));
            Assert.True(await _page.EvaluateAsync<bool>("() => window.__notReloaded === true"));
            await ShotAsync("pipeline-completed");
            var firstSteps = await f.Workspace.Jobs.ListAsync(first.Name).ToDictionaryAsync(j => j.Properties["azureml.nodeid"], j => j.Name);

            // The same pipeline again: every step reuses the first run's, marked in the graph (with the reused job) and the table.
            var second = await f.Workspace.Jobs.CreateOrUpdateAsync(Pipeline());
            using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
            {
                Assert.Equal(JobStatus.Completed, (await f.Workspace.Jobs.WaitAsync(second.Name, timeout.Token)).Status);
            }
            await _page.GotoAsync(Url("/jobs/" + second.Name));
            var again = _page.GetByRole(AriaRole.Group, new() { Name = "Pipeline graph of " + second.Name, Exact = false });
            await Assertions.Expect(again).ToHaveAttributeAsync("data-reused", "3");
            foreach (var (step, job) in firstSteps)
            {
                await Assertions.Expect(Node(step)).ToHaveAttributeAsync("data-state", "Completed");
                await Assertions.Expect(Node(step)).ToHaveAttributeAsync("data-reused", "true");
                await Assertions.Expect(Node(step).Locator(".reused-mark text")).ToHaveTextAsync("reused");
                await Assertions.Expect(Node(step).Locator(".step-from")).ToHaveTextAsync("from " + job);
                await Assertions.Expect(_page.Locator($"#pipeline-steps tr[data-step=\"{step}\"] [data-field=\"reused\"]")).ToHaveTextAsync("reused from " + job);
            }
            await ShotAsync("pipeline-reused");

            // A step's node is a link to its child job.
            await _page.GetByRole(AriaRole.Link, new() { Name = "Step train: Completed, reused from job " + firstSteps["train"], Exact = false }).ClickAsync();
            var secondTrain = (await f.Workspace.Jobs.ListAsync(second.Name).ToListAsync()).Single(j => j.Properties["azureml.nodeid"] == "train");
            await _page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/jobs/" + secondTrain.Name + "$"), new() { WaitUntil = WaitUntilState.Commit });
            await Assertions.Expect(_page.Locator("main dl.summary")).ToContainTextAsync(second.Name); // its parent job
        }
        finally
        {
            if (!File.Exists(gate))
            {
                await File.WriteAllTextAsync(gate, "go");
            }
        }
    }

    [Fact]
    public async Task A_sweeps_page_ranks_its_real_trials_and_highlights_the_best()
    {
        var worker = $"dotnet '{Path.Combine(AppContext.BaseDirectory, "AzureMlSdk.TestWorker.dll")}'";
        var sweep = await f.Workspace.Jobs.CreateOrUpdateAsync(new SweepJob
        {
            ExperimentName = "studio-sweeps",
            Trial = new CommandJob { Command = worker + " trial accuracy ${{search_space.x}}" },
            SearchSpace = { ["x"] = new Choice(0.25, 0.75, 0.5) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("accuracy", Goal.Maximize),
            Limits = new SweepLimits { MaxConcurrentTrials = 2 },
        });
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            sweep = await f.Workspace.Jobs.WaitAsync(sweep.Name, timeout.Token);
        }
        Assert.Equal(JobStatus.Completed, sweep.Status);
        var best = sweep.Properties["best_child_run_id"];

        await _page.GotoAsync(Url("/jobs/" + sweep.Name));
        var trials = _page.GetByRole(AriaRole.Table, new() { Name = "Trials of " + sweep.Name, Exact = false });
        await Assertions.Expect(trials.Locator("tbody tr")).ToHaveCountAsync(3);
        // Best first (accuracy 0.75, its sampled x 0.75), highlighted and badged; the others by score.
        var first = trials.Locator("tbody tr").First;
        await Assertions.Expect(first).ToHaveAttributeAsync("data-job", best);
        await Assertions.Expect(first).ToHaveClassAsync("best");
        await Assertions.Expect(first.GetByRole(AriaRole.Rowheader)).ToContainTextAsync(best + " best");
        await Assertions.Expect(first.Locator("td").Last).ToHaveTextAsync("0.75");
        await Assertions.Expect(trials.Locator("tbody tr td:last-child")).ToHaveTextAsync(["0.75", "0.5", "0.25"]);
        await Assertions.Expect(trials.Locator("tr.best")).ToHaveCountAsync(1);
        Assert.Equal("rgb(232, 245, 233)", await first.EvaluateAsync<string>("r => getComputedStyle(r).backgroundColor"));
        await Assertions.Expect(_page.Locator("#best-trial")).ToHaveTextAsync(best);
        await ShotAsync("sweep");

        await _page.GetByRole(AriaRole.Link, new() { Name = "Compare the trials", Exact = false }).ClickAsync();
        var chart = _page.GetByRole(AriaRole.Img, new() { Name = "Chart of metric accuracy", Exact = false });
        await Assertions.Expect(chart).ToHaveAttributeAsync("data-state", "ready");
        Assert.Equal("3", await chart.GetAttributeAsync("data-series"));
    }
}
