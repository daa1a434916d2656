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
        await _page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/compare\\?"));
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
}
