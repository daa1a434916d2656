using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using AzureMlSdk;
using Microsoft.Data.Sqlite;

// Measures, in one process and one run:
//  (a) Run.Log caller-side cost (per-call Stopwatch timestamps, background flusher running);
//  (b) local logging throughput: N points logged, then FlushAsync, end to end;
//  (c) the baseline: the same N rows inserted straight into SQLite (same pragmas, same table shape and
//      unique key, one prepared statement, transactions of 1000 rows) in a fresh folder;
//  (d) memory: managed heap and working set during logging, allocations per Log call.
// Baseline and SDK run alternately, twice; the better of each is reported (the machine is shared).
//
//   dotnet run -c Release --project eng/bench/AzureMlSdk.Bench [-- --points N] [-- --rounds R]

var points = 1_000_000;
var rounds = 2;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--points" when i + 1 < args.Length:
            points = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--rounds" when i + 1 < args.Length:
            rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --points N, --rounds R.");
            return 2;
    }
}

// Ten metrics logged round-robin with implicit steps: metric_0..metric_9, 100,000 steps each for 1M points.
var names = Enumerable.Range(0, 10).Select(i => $"metric_{i}").ToArray();
var root = Path.Combine(Path.GetTempPath(), "azureml-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
var total = Stopwatch.StartNew();
try
{
    Console.WriteLine($"AzureMlSdk.Bench: {points:N0} points, {names.Length} metrics, {rounds} rounds; {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores, GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, SQLite {Bench.SqliteVersion()}");
    Console.WriteLine($"Temp folder: {root}");
    var timerOverhead = Bench.TimerOverheadNs();
    Console.WriteLine($"Stopwatch.GetTimestamp pair overhead: median {timerOverhead:F0} ns (included in the Log figures)");

    // Warm-up: JIT both paths on small runs.
    Bench.RawSqlite(Path.Combine(root, "warm-raw"), 20_000, names);
    await Bench.SdkAsync(Path.Combine(root, "warm-sdk"), 20_000, names);

    var raw = new List<RawResult>();
    var sdk = new List<SdkResult>();
    for (var round = 1; round <= rounds; round++)
    {
        var r = Bench.RawSqlite(Path.Combine(root, $"raw-{round}"), points, names);
        raw.Add(r);
        Console.WriteLine($"round {round}: raw SQLite   {r.PointsPerSecond,12:N0} points/s  ({r.Seconds:F2} s)");
        var s = await Bench.SdkAsync(Path.Combine(root, $"sdk-{round}"), points, names);
        sdk.Add(s);
        Console.WriteLine($"round {round}: SDK Run.Log  {s.PointsPerSecond,12:N0} points/s  ({s.Seconds:F2} s: logging {s.LogSeconds:F2} s + flush {s.FlushSeconds:F2} s); Log median {s.MedianNs:F0} ns, p99 {s.P99Ns:F0} ns; stored {s.Stored:N0}");
    }

    var bestRaw = raw.MaxBy(r => r.PointsPerSecond)!;
    var bestSdk = sdk.MaxBy(s => s.PointsPerSecond)!;
    var bestLatency = sdk.MinBy(s => s.MedianNs)!;
    var ratio = bestSdk.PointsPerSecond / bestRaw.PointsPerSecond;
    Console.WriteLine();
    Console.WriteLine("== results (best of rounds) ==");
    Console.WriteLine($"raw SQLite inserts         = {bestRaw.PointsPerSecond:N0} points/s ({points:N0} rows, WAL, synchronous=NORMAL, 1000 rows/transaction, prepared INSERT OR IGNORE, same WITHOUT ROWID table and key)");
    Console.WriteLine($"SDK logging throughput     = {bestSdk.PointsPerSecond:N0} points/s ({points:N0} Run.Log calls + FlushAsync, end to end)");
    Console.WriteLine($"throughput ratio vs raw SQLite = {ratio * 100:F1} % (target >= 50 %)");
    Console.WriteLine($"Log median = {bestLatency.MedianNs:F0} ns (target <= 1000 ns); p90 {bestLatency.P90Ns:F0} ns, p99 {bestLatency.P99Ns:F0} ns, p99.9 {bestLatency.P999Ns:F0} ns, max {bestLatency.MaxNs / 1e6:F1} ms, mean {bestLatency.MeanNs:F0} ns (includes back-pressure waits)");
    Console.WriteLine($"Log allocations            = {bestLatency.AllocatedBytesPerCall:F1} bytes/call on the caller thread");
    Console.WriteLine($"managed heap during logging: peak +{bestSdk.PeakHeapDeltaBytes / 1048576.0:F1} MiB over the start of the phase (buffer capacity {new LogBufferOptions().Capacity:N0} entries)");
    Console.WriteLine($"working set during logging : peak +{bestSdk.PeakWorkingSetDeltaBytes / 1048576.0:F1} MiB over the start of the phase; process peak working set {Environment.WorkingSet / 1048576.0:F0} MiB now, {Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0:F0} MiB peak");
    if (sdk.Any(s => s.Stored != points))
    {
        Console.WriteLine($"WARNING: a round stored {sdk.First(s => s.Stored != points).Stored:N0} of {points:N0} points.");
        return 1;
    }
    Console.WriteLine($"total bench time {total.Elapsed.TotalSeconds:F0} s");
    return 0;
}
finally
{
    try
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(root, recursive: true);
    }
    catch (IOException ex)
    {
        Console.Error.WriteLine($"Could not delete {root}: {ex.Message}");
    }
}

internal sealed record RawResult(double Seconds, double PointsPerSecond);

internal sealed record SdkResult(
    double Seconds, double LogSeconds, double FlushSeconds, double PointsPerSecond,
    double MedianNs, double P90Ns, double P99Ns, double P999Ns, double MaxNs, double MeanNs,
    double AllocatedBytesPerCall, long PeakHeapDeltaBytes, long PeakWorkingSetDeltaBytes, long Stored);

internal static class Bench
{
    // The tracking store's metrics table (see LocalSchema.Tracking.cs): same columns, same unique key.
    private const string MetricsDdl = """
        CREATE TABLE metrics (
            run_key INTEGER NOT NULL,
            key TEXT NOT NULL,
            step INTEGER NOT NULL,
            timestamp INTEGER NOT NULL,
            value REAL NOT NULL,
            is_nan INTEGER NOT NULL,
            PRIMARY KEY (run_key, key, step, timestamp, value, is_nan)
        ) WITHOUT ROWID;
        """;

    private const int BatchSize = 1000;

    public static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection.ServerVersion;
    }

    public static double TimerOverheadNs()
    {
        var samples = new long[100_000];
        for (var i = 0; i < samples.Length; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            samples[i] = Stopwatch.GetTimestamp() - t0;
        }
        Array.Sort(samples);
        return samples[samples.Length / 2] * 1e9 / Stopwatch.Frequency;
    }

    public static RawResult RawSqlite(string directory, int points, string[] names)
    {
        Directory.CreateDirectory(directory);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(directory, "raw.db"),
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; " + MetricsDdl;
            setup.ExecuteNonQuery();
        }

        var started = Stopwatch.GetTimestamp();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT OR IGNORE INTO metrics (run_key, key, step, timestamp, value, is_nan) VALUES (@run, @key, @step, @ts, @value, @nan)";
        insert.Parameters.AddWithValue("@run", 1L);
        var key = insert.Parameters.Add("@key", SqliteType.Text);
        var step = insert.Parameters.Add("@step", SqliteType.Integer);
        var timestamp = insert.Parameters.Add("@ts", SqliteType.Integer);
        var value = insert.Parameters.Add("@value", SqliteType.Real);
        insert.Parameters.AddWithValue("@nan", 0L);
        var i = 0;
        while (i < points)
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            insert.Transaction = transaction;
            if (i == 0)
            {
                insert.Prepare();
            }
            for (var n = 0; n < BatchSize && i < points; n++, i++)
            {
                key.Value = names[i % names.Length];
                step.Value = (long)(i / names.Length);
                timestamp.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                value.Value = i * 0.001;
                insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        if (Count(Path.Combine(directory, "raw.db")) != points)
        {
            throw new InvalidOperationException("The raw SQLite baseline did not store every row.");
        }
        return new RawResult(seconds, points / seconds);
    }

    public static async Task<SdkResult> SdkAsync(string directory, int points, string[] names)
    {
        var durations = new long[points];
        await using var workspace = Workspace.Local(directory);
        var experiment = await workspace.GetOrCreateExperimentAsync("bench");
        var run = await experiment.StartLoggingAsync(displayName: "log-points");
        // Any logging verb starts the run's background flusher: start it before measuring.
        run.Tag("bench", "log");
        await run.FlushAsync();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var sampler = new MemorySampler();

        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < points; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            run.Log(names[i % names.Length], i * 0.001);
            durations[i] = Stopwatch.GetTimestamp() - t0;
        }
        var logged = Stopwatch.GetTimestamp();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        await run.FlushAsync();
        var flushed = Stopwatch.GetTimestamp();
        var (peakHeap, peakWorkingSet) = sampler.Stop();
        await run.CompleteAsync();

        var stored = Count(Path.Combine(workspace.LocalDirectory!, "azureml.db"));
        Array.Sort(durations);
        double Ns(long ticks) => ticks * 1e9 / Stopwatch.Frequency;
        double Percentile(double p) => Ns(durations[Math.Min(durations.Length - 1, (int)(p * durations.Length))]);
        var seconds = (flushed - started) / (double)Stopwatch.Frequency;
        return new SdkResult(
            seconds,
            (logged - started) / (double)Stopwatch.Frequency,
            (flushed - logged) / (double)Stopwatch.Frequency,
            points / seconds,
            Percentile(0.5), Percentile(0.9), Percentile(0.99), Percentile(0.999), Ns(durations[^1]),
            Ns(logged - started) / points,
            (double)allocated / points,
            peakHeap,
            peakWorkingSet,
            stored);
    }

    private static long Count(string databasePath)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM metrics";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Samples the managed heap and the working set every 10 ms on its own thread; reports peaks over the start values.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly long _heapStart = GC.GetTotalMemory(false);
        private readonly long _workingSetStart;
        private readonly Thread _thread;
        private readonly Process _process = Process.GetCurrentProcess();
        private volatile bool _stop;
        private long _peakHeap;
        private long _peakWorkingSet;

        public MemorySampler()
        {
            _process.Refresh();
            _workingSetStart = _process.WorkingSet64;
            _peakHeap = _heapStart;
            _peakWorkingSet = _workingSetStart;
            _thread = new Thread(Sample) { IsBackground = true, Name = "memory sampler" };
            _thread.Start();
        }

        public (long PeakHeapDelta, long PeakWorkingSetDelta) Stop()
        {
            _stop = true;
            _thread.Join();
            return (_peakHeap - _heapStart, _peakWorkingSet - _workingSetStart);
        }

        public void Dispose()
        {
            if (!_stop)
            {
                Stop();
            }
            _process.Dispose();
        }

        private void Sample()
        {
            while (!_stop)
            {
                _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(false));
                _process.Refresh();
                _peakWorkingSet = Math.Max(_peakWorkingSet, _process.WorkingSet64);
                Thread.Sleep(10);
            }
        }
    }
}
