using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace AzureMlSdk.IntegrationTests;

/// <summary>End to end through the SDK's Remote backend with the Emulator's faults on: nothing lost, nothing doubled, nothing hangs.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ReliabilityTests(EmulatorFixture emulator, ITestOutputHelper output)
{
    [Fact]
    public async Task Hundred_thousand_points_arrive_exactly_once_under_20_percent_faults()
    {
        const int Points = 100_000;
        var name = await emulator.CreateWorkspaceAsync();
        var counter = new CountingHandler(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var clock = Stopwatch.StartNew();
        try
        {
            await RunBoundedAsync(TimeSpan.FromMinutes(8), async () =>
            {
                await using var ws = await emulator.OpenAsync(name, o =>
                {
                    o.HttpMessageHandler = counter;
                    o.MaxRetries = 10; // 0.2^11: a batch failing every attempt is not a realistic outcome
                    o.AttemptTimeout = TimeSpan.FromSeconds(20);
                });
                var experiment = await ws.GetOrCreateExperimentAsync("exactly-once");
                await using var run = await experiment.StartLoggingAsync("faults");

                await emulator.SetFaultsAsync(rate: 0.2, seed: 20261127, maxRetryAfter: 1);
                for (var i = 0; i < Points; i++)
                {
                    run.Log("loss", ValueAt(i), step: i);
                }
                await run.FlushAsync();
                var history = (await run.GetMetricsAsync("loss"))["loss"];
                var stats = await StatsAsync();
                await emulator.SetFaultsAsync(rate: 0);
                await run.CompleteAsync();

                output.WriteLine($"points logged: {Points}; points stored (history count): {history.Count}; elapsed {clock.Elapsed.TotalSeconds:F1} s");
                output.WriteLine($"client attempts (HTTP requests sent): {counter.Attempts}; failed attempts seen by the client: {counter.Failures} " +
                    $"(429: {counter.Throttled}, 503: {counter.Unavailable}, dropped connections: {counter.Dropped}); retries = failed attempts retried: {counter.Failures}");
                output.WriteLine($"emulator: requests {stats["requests"]}, injected 429 {stats["throttled"]}, 503 {stats["unavailable"]}, dropped-after-apply {stats["dropped"]}; " +
                    $"log-batch requests {stats["log_batch_requests"]}, metric points received {stats["metric_points_received"]} (duplicates from replays: {stats["metric_points_received"]!.GetValue<long>() - Points})");

                Assert.Equal(Points, history.Count);
                for (var i = 0; i < Points; i++)
                {
                    Assert.Equal(i, history[i].Step);
                    Assert.Equal(ValueAt(i), history[i].Value);
                }
                Assert.True(stats["dropped"]!.GetValue<long>() > 0 && stats["throttled"]!.GetValue<long>() > 0 && stats["unavailable"]!.GetValue<long>() > 0,
                    "every fault kind should have been injected");
            });
        }
        finally
        {
            await emulator.SetFaultsAsync(rate: 0);
        }
    }

    private static double ValueAt(int i) => 1.0 / (i + 1) + (i % 7) * 1e-9;

    [Fact]
    public async Task A_200_MB_artifact_uploads_to_Azurite_and_downloads_identical()
    {
        var name = await emulator.CreateWorkspaceAsync();
        var folder = Path.Combine(Path.GetTempPath(), "azureml-big-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await RunBoundedAsync(TimeSpan.FromMinutes(5), async () =>
            {
                var source = Path.Combine(folder, "big.bin");
                string expectedHash;
                await using (var file = File.Create(source))
                using (var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
                {
                    var random = new Random(42);
                    var block = new byte[1024 * 1024];
                    for (var i = 0; i < 200; i++)
                    {
                        random.NextBytes(block);
                        sha.AppendData(block);
                        await file.WriteAsync(block);
                    }
                    expectedHash = Convert.ToHexString(sha.GetHashAndReset());
                }

                await using var ws = await emulator.OpenAsync(name);
                var experiment = await ws.GetOrCreateExperimentAsync("big-artifact");
                await using var run = await experiment.StartLoggingAsync();
                long reported = 0;
                var clock = Stopwatch.StartNew();
                await run.UploadFileAsync("outputs/big.bin", source, new SyncProgress(n => reported = n));
                output.WriteLine($"200 MB upload to Azurite: {clock.Elapsed.TotalSeconds:F1} s, last progress {reported:N0} bytes");
                Assert.Contains("outputs/big.bin", await run.GetFileNamesAsync());

                var target = Path.Combine(folder, "back.bin");
                await run.DownloadFileAsync("outputs/big.bin", target);
                await using var back = File.OpenRead(target);
                Assert.Equal(200L * 1024 * 1024, back.Length);
                Assert.Equal(expectedHash, Convert.ToHexString(await SHA256.HashDataAsync(back)));
            });
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Injected_faults_have_the_surfaces_shapes_and_a_Retry_After()
    {
        var name = await emulator.CreateWorkspaceAsync();
        await emulator.SetFaultsAsync(rate: 1, seed: 3, maxRetryAfter: 1);
        try
        {
            var kinds = new HashSet<string>();
            for (var i = 0; i < 30; i++)
            {
                try
                {
                    using var reply = await emulator.Http.PostAsJsonAsync(emulator.MlflowBase(name) + "experiments/create", new { name = "f" + i });
                    var body = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
                    Assert.Contains(reply.StatusCode, new[] { HttpStatusCode.TooManyRequests, HttpStatusCode.ServiceUnavailable });
                    Assert.NotNull(reply.Headers.RetryAfter?.Delta);
                    Assert.Equal(reply.StatusCode == HttpStatusCode.TooManyRequests ? "REQUEST_LIMIT_EXCEEDED" : "TEMPORARILY_UNAVAILABLE", body["error_code"]!.GetValue<string>());
                    kinds.Add(((int)reply.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                catch (HttpRequestException)
                {
                    kinds.Add("dropped");
                }
            }
            Assert.Equal(["429", "503", "dropped"], kinds.Order());
        }
        finally
        {
            await emulator.SetFaultsAsync(rate: 0);
        }
        // A dropped request was applied before its connection was cut.
        using var search = await emulator.Http.GetAsync(emulator.MlflowBase(name) + "experiments/search?max_results=100");
        var experiments = JsonNode.Parse(await search.Content.ReadAsStringAsync())!["experiments"]?.AsArray();
        Assert.NotNull(experiments);
    }

    private async Task<JsonObject> StatsAsync() =>
        (JsonNode.Parse(await emulator.Http.GetStringAsync("/_emulator/stats")) as JsonObject)!;

    private static async Task RunBoundedAsync(TimeSpan limit, Func<Task> body)
    {
        var task = body();
        var finished = await Task.WhenAny(task, Task.Delay(limit));
        Assert.True(finished == task, $"The test did not finish within {limit}: something hangs.");
        await task;
    }

    private sealed class SyncProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    /// <summary>The transport under the SDK's pipeline: sees every attempt the retry strategy makes.</summary>
    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        private long _attempts;
        private long _throttled;
        private long _unavailable;
        private long _dropped;

        public long Attempts => Interlocked.Read(ref _attempts);
        public long Throttled => Interlocked.Read(ref _throttled);
        public long Unavailable => Interlocked.Read(ref _unavailable);
        public long Dropped => Interlocked.Read(ref _dropped);
        public long Failures => Throttled + Unavailable + Dropped;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref _throttled);
                }
                else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    Interlocked.Increment(ref _unavailable);
                }
                return response;
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _dropped);
                throw;
            }
        }
    }
}
