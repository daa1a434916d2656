using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AzureMlSdk;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Serving;
using AzureMlSdk.Serving.Scoring;
using AzureMlSdk.Tests.Endpoints;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

// Scoring benchmark, one process, one run:
//  (a) "sdk":  POST /score on a local online deployment (Workspace.Local → endpoint → ONNX deployment), with its key;
//  (b) "bare": a bare Kestrel app on 127.0.0.1 whose handler reads the body and calls the SAME OnnxScorer instance
//      (same InferenceSession) the deployment uses, no auth/routing/limits.
// wrk drives both with the same request; after a 2 s warm-up of each, rounds alternate bare/sdk and the best of each
// is reported (the machine is shared).
//
//   dotnet run -c Release --project eng/bench/scoring [-- --duration 8 --connections 16 --threads 1 --rounds 3]

var duration = 8;
var connections = 16;
var threads = 1;
var rounds = 3;
for (var i = 0; i < args.Length; i++)
{
    int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
    switch (args[i])
    {
        case "--duration": duration = Next(); break;
        case "--connections": connections = Next(); break;
        case "--threads": threads = Next(); break;
        case "--rounds": rounds = Next(); break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --duration S, --connections N, --threads N, --rounds N.");
            return 2;
    }
}

var root = Path.Combine(Path.GetTempPath(), "azureml-scoring-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
try
{
    var modelFile = Path.Combine(root, "model.onnx");
    await File.WriteAllBytesAsync(modelFile, TinyOnnx.Linear([0.5f, -1.25f, 2f, 0.75f], 0.1f));
    var backend = new LocalWorkspaceBackend(Path.Combine(root, "ws"));
    await using var ws = Workspace.FromBackend(backend);
    var model = await ws.RegisterModelAsync("bench-linear", modelFile);
    var ep = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("bench-ep"));
    await ep.DeployAsync(new OnlineDeploymentSpec("blue", model)
    {
        AllTraffic = true,
        RequestSettings = new OnlineRequestSettings { MaxConcurrentRequestsPerInstance = Math.Max(connections * 2, 64), RequestTimeout = TimeSpan.FromSeconds(10) },
    });
    await ep.RefreshAsync();
    var key = (await ep.GetKeysAsync()).PrimaryKey;
    var scorer = (OnnxScorer)(backend.LocalEndpoints.ScorerOf("bench-ep", "blue") ?? throw new InvalidOperationException("no scorer"));

    await using var bare = await BareAsync(scorer);
    const string body = """{"input_data": {"columns": ["sepal_length", "sepal_width", "petal_length", "petal_width"], "data": [[5.1, 3.5, 1.4, 0.2], [6.2, 2.9, 4.3, 1.3]]}}""";
    Console.WriteLine($"sdk:  {ep.ScoringUri} → {await ep.InvokeAsync(body)}");
    using (var http = new HttpClient())
    {
        Console.WriteLine($"bare: {bare.Uri} → {await (await http.PostAsync(bare.Uri, new StringContent(body))).Content.ReadAsStringAsync()}");
    }

    var script = Path.Combine(root, "post.lua");
    await File.WriteAllTextAsync(script, $$"""
        wrk.method = "POST"
        wrk.body = '{{body}}'
        wrk.headers["Content-Type"] = "application/json"
        wrk.headers["Authorization"] = "Bearer {{key}}"
        """);

    Console.WriteLine($"wrk -t{threads} -c{connections} -d{duration}s --latency, {rounds} round(s) each, alternating; {Environment.ProcessorCount} cores");
    // Warm-up (JIT, tiered compilation, connection pools) on both, not reported.
    Wrk(bare.Uri, script, threads, connections, 2);
    Wrk(ep.ScoringUri!, script, threads, connections, 2);
    Result? bestBare = null, bestSdk = null;
    for (var round = 1; round <= rounds; round++)
    {
        var b = Wrk(bare.Uri, script, threads, connections, duration);
        Console.WriteLine($"  round {round} bare: {b}");
        var s = Wrk(ep.ScoringUri!, script, threads, connections, duration);
        Console.WriteLine($"  round {round} sdk:  {s}");
        bestBare = bestBare is null || b.Rps > bestBare.Rps ? b : bestBare;
        bestSdk = bestSdk is null || s.Rps > bestSdk.Rps ? s : bestSdk;
    }
    Console.WriteLine();
    Console.WriteLine($"bare Kestrel + ONNX session : {bestBare}");
    Console.WriteLine($"local online deployment     : {bestSdk}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ratio sdk/bare: throughput {bestSdk!.Rps / bestBare!.Rps:P1}, p50 latency {bestSdk.P50Ms / bestBare.P50Ms:0.00}x, p99 latency {bestSdk.P99Ms / bestBare.P99Ms:0.00}x"));
    return 0;
}
finally
{
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}

static Result Wrk(Uri uri, string script, int threads, int connections, int duration)
{
    var info = new ProcessStartInfo("wrk", ["-t" + threads, "-c" + connections, $"-d{duration}s", "--latency", "-s", script, uri.ToString()])
    {
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    using var process = Process.Start(info) ?? throw new InvalidOperationException("wrk did not start (apt-get install -y wrk)");
    var output = process.StandardOutput.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException("wrk failed: " + output + process.StandardError.ReadToEnd());
    }
    var errors = Regex.Match(output, @"Non-2xx or 3xx responses: (\d+)");
    if (errors.Success)
    {
        throw new InvalidOperationException($"wrk saw {errors.Groups[1].Value} error answers:\n{output}");
    }
    return new Result(
        double.Parse(Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture),
        Millis(Regex.Match(output, @"50%\s+([\d.]+\w+)").Groups[1].Value),
        Millis(Regex.Match(output, @"99%\s+([\d.]+\w+)").Groups[1].Value));
}

static double Millis(string value)
{
    var unit = Regex.Match(value, @"[a-z]+$").Value;
    var number = double.Parse(value[..^unit.Length], CultureInfo.InvariantCulture);
    return unit switch { "us" => number / 1000, "ms" => number, "s" => number * 1000, _ => number };
}

static async Task<Bare> BareAsync(OnnxScorer scorer)
{
    var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
    builder.WebHost.UseKestrelCore().ConfigureKestrel(o =>
    {
        o.AddServerHeader = false;
        o.Listen(IPAddress.Loopback, 0);
    });
    var app = builder.Build();
    app.Run(async context =>
    {
        using var memory = new MemoryStream();
        await context.Request.Body.CopyToAsync(memory);
        var output = new ArrayBufferWriter<byte>(256);
        scorer.Score(memory.GetBuffer().AsMemory(0, (int)memory.Length), output);
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = output.WrittenCount;
        await context.Response.Body.WriteAsync(output.WrittenMemory);
    });
    await app.StartAsync();
    var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    return new Bare(app, new Uri(address.TrimEnd('/') + "/score"));
}

internal sealed record Result(double Rps, double P50Ms, double P99Ms)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rps,9:0} req/s   p50 {P50Ms,7:0.000} ms   p99 {P99Ms,7:0.000} ms");
}

internal sealed record Bare(WebApplication App, Uri Uri) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
