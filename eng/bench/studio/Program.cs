using System.Diagnostics;
using System.Globalization;
using AzureMlSdk;
using AzureMlSdk.Studio;
using Microsoft.Playwright;

// Studio benchmark, one process, one run (the machine is shared: each figure is the median of several rounds, and a
// baseline measured in the same run gives the ratio):
//  (1) GET /experiments/<exp> (the runs page: 100 rows, sorted by a metric) on an experiment with 10,000 runs: the
//      server time (Server-Timing header) against the SDK query the page makes (GetRunsAsync, 101 runs, same order);
//  (2) a run page whose metric has 100,000 points, until its chart has drawn in headless Chromium, against the same
//      page of a run whose metric has 2,000 points (what reaches the browser either way); the same without the page's
//      read-ahead of its series; and where the time goes, from the browser's performance entries;
//  (3) script bytes each page loads, against the 500 KB budget.
//
//   dotnet run -c Release --project eng/bench/studio [-- --runs 10000 --points 100000 --rounds 7]

var runCount = 10_000;
var points = 100_000;
var rounds = 7;
for (var i = 0; i < args.Length; i++)
{
    int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--runs": runCount = Next(); break;
        case "--points": points = Next(); break;
        case "--rounds": rounds = Next(); break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --runs N, --points N, --rounds N.");
            return 2;
    }
}

var root = Path.Combine(Path.GetTempPath(), "azureml-studio-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
try
{
    await using var ws = Workspace.Local(Path.Combine(root, "ws"));
    var sw = Stopwatch.StartNew();
    var exp = await ws.GetOrCreateExperimentAsync("bench");
    var next = 0;
    async Task WorkerAsync()
    {
        while (Interlocked.Increment(ref next) is var n && n <= runCount)
        {
            await using var run = await exp.StartLoggingAsync(displayName: $"run-{n}");
            run.LogParam("lr", (n % 10) * 0.01);
            run.LogParam("batch", n % 7);
            run.Log("loss", 1.0 / n);
            run.Log("accuracy", (n % 1000) / 1000.0);
        }
    }
    await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(WorkerAsync)));
    Console.WriteLine($"seeded {runCount:N0} runs in {sw.Elapsed.TotalSeconds:F1} s");

    sw.Restart();
    var big = await exp.StartLoggingAsync(displayName: "big");
    for (var i = 0; i < points; i++)
    {
        big.Log("signal", Math.Sin(i / 300.0) + (i % 997 == 0 ? 0.5 : 0), step: i);
    }
    await big.CompleteAsync();
    var small = await exp.StartLoggingAsync(displayName: "small");
    for (var i = 0; i < 2000; i++)
    {
        small.Log("signal", Math.Sin(i / 300.0), step: i);
    }
    await small.CompleteAsync();
    Console.WriteLine($"seeded metric runs ({points:N0} and 2,000 points) in {sw.Elapsed.TotalSeconds:F1} s");

    await using var studio = await StudioServer.StartAsync(ws, new StudioOptions { Port = 0 });
    await using var cold = await StudioServer.StartAsync(ws, new StudioOptions { Port = 0, CacheSeries = false });
    await using var noReadAhead = await StudioServer.StartAsync(ws, new StudioOptions { Port = 0, CacheSeries = false, ReadAhead = false });
    using var http = new HttpClient { BaseAddress = studio.BaseAddress };
    http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", studio.Token);
    const string order = "metrics.loss ASC";
    var runsPage = "/experiments/bench?order=" + Uri.EscapeDataString(order);

    // (1) runs page vs the SDK query.
    async Task<double> PageAsync()
    {
        using var response = await http.GetAsync(new Uri(runsPage, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadAsStringAsync();
        var timing = response.Headers.GetValues("Server-Timing").Single();
        return double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture);
    }
    async Task<double> QueryAsync()
    {
        var t = Stopwatch.GetTimestamp();
        var n = 0;
        await foreach (var r in exp.GetRunsAsync(null, order, 101))
        {
            n += r.Params.Count;
        }
        return Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    }
    await PageAsync();
    await QueryAsync();
    var pageTimes = new List<double>();
    var queryTimes = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        queryTimes.Add(await QueryAsync());
        pageTimes.Add(await PageAsync());
    }

    // (2) and (3) in Chromium.
    var chromium = Environment.GetEnvironmentVariable("STUDIO_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium";
    using var pw = await Playwright.CreateAsync();
    await using var browser = await pw.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true, Args = ["--no-sandbox"] });
    var page = await browser.NewPageAsync();
    await page.GotoAsync(studio.Url.ToString());
    await page.GotoAsync(cold.Url.ToString());
    await page.GotoAsync(noReadAhead.Url.ToString());
    var scriptBytes = 0L;
    page.Response += (_, response) =>
    {
        if (response.Request.ResourceType == "script")
        {
            Interlocked.Add(ref scriptBytes, long.Parse(response.Headers.TryGetValue("content-length", out var l) ? l : "0", CultureInfo.InvariantCulture));
        }
    };
    // Where a first visit's time goes, from the browser's own clocks (ms since the navigation started): the page's first byte
    // and last byte, DOMContentLoaded (deferred scripts ran), the metric request's start, first byte and end, the chart drawn.
    var phases = new List<double[]>();
    async Task<double> RenderAsync(StudioServer server, string runId, bool keepPhases = false)
    {
        var t = Stopwatch.GetTimestamp();
        await page.GotoAsync(new Uri(server.BaseAddress, "/runs/" + runId).ToString(), new() { WaitUntil = WaitUntilState.Commit });
        await page.Locator(".chart[data-metric=\"signal\"][data-state=\"ready\"]").WaitForAsync(new() { Timeout = 60_000 });
        var elapsed = Stopwatch.GetElapsedTime(t).TotalMilliseconds;
        if (keepPhases)
        {
            phases.Add(await page.EvaluateAsync<double[]>("""
                () => {
                  const n = performance.getEntriesByType('navigation')[0];
                  const m = performance.getEntriesByType('resource').find(e => e.name.includes('/api/metrics'));
                  const d = performance.getEntriesByName('studio-chart-ready:signal')[0];
                  return [n.responseStart, n.responseEnd, n.domContentLoadedEventEnd, m ? m.startTime : -1, m ? m.responseStart : -1, m ? m.responseEnd : -1, d ? d.startTime : -1];
                }
                """));
        }
        return elapsed;
    }
    await RenderAsync(studio, big.Id);
    await RenderAsync(cold, small.Id);
    await RenderAsync(noReadAhead, big.Id);
    var bigTimes = new List<double>();
    var coldTimes = new List<double>();
    var noReadAheadTimes = new List<double>();
    var smallTimes = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        smallTimes.Add(await RenderAsync(cold, small.Id));
        coldTimes.Add(await RenderAsync(cold, big.Id, keepPhases: true));
        noReadAheadTimes.Add(await RenderAsync(noReadAhead, big.Id));
        bigTimes.Add(await RenderAsync(studio, big.Id));
    }
    async Task<double> HistoryAsync()
    {
        var t = Stopwatch.GetTimestamp();
        _ = await (await ws.GetRunAsync(big.Id)).GetMetricsAsync("signal");
        return Stopwatch.GetElapsedTime(t).TotalMilliseconds;
    }
    using var coldHttp = new HttpClient { BaseAddress = cold.BaseAddress };
    coldHttp.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", cold.Token);
    async Task<double> ApiAsync()
    {
        using var response = await coldHttp.GetAsync(new Uri($"/api/metrics?run={big.Id}&key=signal", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        _ = await response.Content.ReadAsStringAsync();
        var timing = response.Headers.GetValues("Server-Timing").Single();
        return double.Parse(timing[(timing.IndexOf("dur=", StringComparison.Ordinal) + 4)..], CultureInfo.InvariantCulture);
    }
    var apiTimes = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        apiTimes.Add(await ApiAsync());
    }
    var historyTimes = new List<double>();
    for (var r = 0; r < rounds; r++)
    {
        historyTimes.Add(await HistoryAsync());
    }

    var sizes = new List<(string Page, long Bytes)>();
    foreach (var (name, path) in new[]
    {
        ("experiments", "/experiments"), ("runs (10,000)", runsPage), ("run (chart)", "/runs/" + big.Id),
        ("compare", $"/compare?runs={big.Id}&runs={small.Id}"), ("models", "/models"), ("endpoints", "/endpoints"),
        ("designer", "/designer"),
    })
    {
        await page.Context.ClearCookiesAsync();
        await page.GotoAsync(new Uri(studio.BaseAddress, "/?token=" + studio.Token).ToString());
        Interlocked.Exchange(ref scriptBytes, 0);
        // A fresh cache per page: scripts are counted when fetched.
        await page.GotoAsync(new Uri(studio.BaseAddress, path).ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        sizes.Add((name, Interlocked.Read(ref scriptBytes)));
    }

    static double Median(List<double> v)
    {
        var s = v.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }
    Console.WriteLine();
    Console.WriteLine($"{Environment.ProcessorCount} cores, {rounds} rounds, medians");
    var pageMs = Median(pageTimes);
    var queryMs = Median(queryTimes);
    Console.WriteLine($"runs page, {runCount:N0} runs: server {pageMs:F1} ms vs SDK query {queryMs:F1} ms = {pageMs / queryMs:F2}x the query; target <= 300 ms: {(pageMs <= 300 ? "met" : "MISSED")}");
    var bigMs = Median(bigTimes);
    var coldMs = Median(coldTimes);
    var smallMs = Median(smallTimes);
    var historyMs = Median(historyTimes);
    Console.WriteLine($"run page, {points:N0}-point metric rendered in Chromium, cold (series read each time): {coldMs:F0} ms vs 2,000-point {smallMs:F0} ms = {coldMs / smallMs:F2}x; target <= 1000 ms: {(coldMs <= 1000 ? "met" : "MISSED")}; max {coldTimes.Max():F0} ms");
    var noReadAheadMs = Median(noReadAheadTimes);
    Console.WriteLine($"  the same without the page's read-ahead (the series read only when the script asks): {noReadAheadMs:F0} ms = {noReadAheadMs / coldMs:F2}x");
    double Phase(int i) => Median([.. phases.Select(p => p[i])]);
    Console.WriteLine($"  in the browser (ms from navigation start): page first byte {Phase(0):F0}, last byte {Phase(1):F0}, DOMContentLoaded {Phase(2):F0}, "
        + $"metric request sent {Phase(3):F0}, its first byte {Phase(4):F0}, its end {Phase(5):F0}, chart drawn {Phase(6):F0}");
    Console.WriteLine($"  the metric API's server time (read + LTTB to 2,000 points + JSON): {Median(apiTimes):F0} ms");
    Console.WriteLine($"  the SDK's own read of the {points:N0} points (Run.GetMetricsAsync): {historyMs:F0} ms");
    Console.WriteLine($"run page, {points:N0}-point metric, revisited (finished run, series cached): {bigMs:F0} ms = {bigMs / smallMs:F2}x the 2,000-point page; target <= 1000 ms: {(bigMs <= 1000 ? "met" : "MISSED")}");
    // A pipeline job's page loads dagre, graph.js and studio.js (no job agent here to run one: counted from the embedded assets).
    sizes.Add(("pipeline job (graph; from asset sizes)", AzureMlSdk.Studio.Internal.StudioApp.AssetSize("lib/dagre.min.js") + AzureMlSdk.Studio.Internal.StudioApp.AssetSize("graph.js") + AzureMlSdk.Studio.Internal.StudioApp.AssetSize("studio.js")));
    foreach (var (name, bytes) in sizes)
    {
        Console.WriteLine($"script per page, {name}: {bytes / 1024.0:F1} KB = {bytes / (500.0 * 1024):P1} of the 500 KB budget");
    }
    return 0;
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}
