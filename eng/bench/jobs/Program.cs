using System.Diagnostics;
using System.Globalization;
using Azure.Core;
using AzureMlSdk;
using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Emulator;

// Local job engine overhead, measured in one process and one run (eng/bench/jobs):
//  1. Overhead of a `true` command job on the local workspace (in-process supervisor), median of N jobs run one at a time:
//     submit → process start  = the command's own first timestamp (it writes `date +%s%N` first) − the time before CreateOrUpdateAsync;
//     process exit → Completed = the job's EndedAt (stored when it is Completed) − the command's last timestamp.
//     Baseline, measured in the same run: a raw Process.Start of the same `/bin/bash -c` (start → the command's first timestamp,
//     its last timestamp → WaitForExit returning). Printed in ms and as ratios against the baseline. Target: ≤ 300 ms each.
//  2. The same on the Emulator (in this process, real HTTP on 127.0.0.1, over the Azurite it starts: run `eng/services.sh install`
//     first): the jobs submitted through the Remote backend (ARM jobs PUT, the Emulator's in-process supervisor runs them); the same
//     two figures (the job's end as run history reports it), with the baseline measured in the same run. `--no-emulator` skips it.
//  3. 100 `true` jobs on a 4-slot cluster: all must complete and at no time may more than 4 run (from the jobs' start/end times
//     and from sampling the running count); wall time against the baseline of 100 raw processes run 4 at a time.
//
//   dotnet run -c Release --project eng/bench/jobs [-- --jobs 20 --burst 100 --slots 4 --no-emulator]

// The environment every job names (Azure ML, hence the Emulator's ARM routes, needs one; the jobs run in the host's).
const string BenchEnvironment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";
var jobs = 20;
var burst = 100;
var slots = 4;
var emulator = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--jobs" when i + 1 < args.Length:
            jobs = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--burst" when i + 1 < args.Length:
            burst = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--slots" when i + 1 < args.Length:
            slots = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--no-emulator":
            emulator = false;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --jobs N, --burst N, --slots N, --no-emulator.");
            return 2;
    }
}
if (OperatingSystem.IsWindows())
{
    Console.Error.WriteLine("The jobs benchmark uses /bin/bash and date +%s%N: run it on Linux or macOS.");
    return 2;
}

// The engine's own overhead: jobs run by an in-process supervisor (the local workspace's default is the detached job agent of
// AzureMlSdk.Server, whose start and wake-up are not what this measures).
AzureMlSdk.Backends.Local.Jobs.LocalJobLaunchers.Default = AzureMlSdk.Backends.Local.Jobs.LocalJobLaunchers.InProcess;
var root = Path.Combine(Path.GetTempPath(), "azureml-bench-jobs-" + Guid.NewGuid().ToString("N"));
Directory.CreateDirectory(root);
var failures = 0;
try
{
    await using var ws = Workspace.Local(Path.Combine(root, "ws"));

    // Warm-up: JIT, SQLite, the supervisor's first start (not measured).
    for (var i = 0; i < 3; i++)
    {
        await (await ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "true" })).WaitAsync();
        await RawAsync(Path.Combine(root, "warm"));
    }

    // 1. Overhead, one job at a time, alternating with the baseline.
    var local = await OverheadAsync(ws, root, "l", jobs);
    failures += local.Failures;
    Report("local workspace, in-process supervisor", local);

    // 2. The same through the Remote backend on the Emulator.
    if (emulator)
    {
        var token = "bench-" + Guid.NewGuid().ToString("N");
        EmulatorHost host;
        try
        {
            host = await EmulatorHost.StartAsync(new EmulatorOptions
            {
                Port = 0,
                DataDirectory = Path.Combine(root, "emulator"),
                Token = token,
                StartAzurite = true,
                OperationRetryAfterSeconds = 0,
            });
        }
        catch (FileNotFoundException ex)
        {
            Console.Error.WriteLine($"Emulator skipped: {ex.Message}");
            host = null!;
            failures++;
        }
        if (host is not null)
        {
            await using (host)
            {
                await using var remote = await Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName,
                    new StaticTokenCredential(token), new WorkspaceOptions { ResourceManagerEndpoint = host.BaseAddress });
                for (var i = 0; i < 3; i++)
                {
                    await (await remote.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = BenchEnvironment, Command = "true" })).WaitAsync();
                }
                var onEmulator = await OverheadAsync(remote, root, "e", jobs);
                failures += onEmulator.Failures;
                Report($"Emulator {host.BaseAddress} through the Remote backend", onEmulator);
                Console.WriteLine($"  Emulator / local: submit → start {onEmulator.Start / local.Start:0.0}x, exit → Completed {onEmulator.Done / local.Done:0.0}x");
            }
        }
    }

    // 3. A burst on a cluster of N slots.
    var cluster = "bench-pool";
    await ws.Computes.CreateOrUpdateAsync(new ComputeDefinition { Name = cluster, MaxInstances = slots });
    var backend = (LocalWorkspaceBackend)ws.Backend;
    var clock = Stopwatch.StartNew();
    var submittedJobs = new List<Job>();
    for (var i = 0; i < burst; i++)
    {
        submittedJobs.Add(await ws.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "true", Compute = cluster }));
    }
    var maxSampled = 0;
    while (true)
    {
        maxSampled = Math.Max(maxSampled, backend.Jobs.Store.RunningOn(cluster));
        var done = 0;
        foreach (var job in submittedJobs)
        {
            if (job.Status.IsTerminal() || (await job.RefreshAsync()).Status.IsTerminal())
            {
                done++;
            }
        }
        if (done == submittedJobs.Count)
        {
            break;
        }
        await Task.Delay(20);
    }
    var wall = clock.Elapsed.TotalMilliseconds;
    var completed = submittedJobs.Count(j => j.Status == JobStatus.Completed);
    var running = 0;
    var maxFromTimes = 0;
    foreach (var (_, delta) in submittedJobs.Where(j => j.StartedAt is not null && j.EndedAt is not null)
        .SelectMany(j => new[] { (At: j.StartedAt!.Value, Delta: 1), (At: j.EndedAt!.Value, Delta: -1) }).OrderBy(e => e.At).ThenBy(e => e.Delta))
    {
        running += delta;
        maxFromTimes = Math.Max(maxFromTimes, running);
    }
    var rawClock = Stopwatch.StartNew();
    using (var gate = new SemaphoreSlim(slots))
    {
        await Task.WhenAll(Enumerable.Range(0, burst).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await RawAsync(Path.Combine(root, $"b{i}"));
            }
            finally
            {
                gate.Release();
            }
        }));
    }
    var rawWall = rawClock.Elapsed.TotalMilliseconds;
    Console.WriteLine($"{burst} `true` jobs on a {slots}-slot cluster: {completed}/{burst} Completed in {wall / 1000:0.00} s; most running at once: {Math.Max(maxSampled, maxFromTimes)} (sampled {maxSampled}, from start/end times {maxFromTimes}); limit {slots}: {(Math.Max(maxSampled, maxFromTimes) <= slots ? "kept" : "BROKEN")}");
    Console.WriteLine($"  baseline: {burst} raw processes {slots} at a time in {rawWall / 1000:0.00} s; ratio {wall / rawWall:0.0}x");
    if (completed != burst || Math.Max(maxSampled, maxFromTimes) > slots)
    {
        failures++;
    }
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
return failures == 0 ? 0 : 1;

// Overhead of N `true` jobs run one at a time on a workspace, each followed by the raw baseline (so both see the same load).
static async Task<Overhead> OverheadAsync(Workspace ws, string root, string prefix, int jobs)
{
    var toStart = new List<double>();
    var toCompleted = new List<double>();
    var submitCall = new List<double>();
    var rawToStart = new List<double>();
    var rawToExit = new List<double>();
    var failures = 0;
    for (var i = 0; i < jobs; i++)
    {
        var marker = Path.Combine(root, $"{prefix}{i}");
        var submitted = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var job = await ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = BenchEnvironment, Command = $"date +%s%N > '{marker}.start'; true; date +%s%N > '{marker}.end'" });
        submitCall.Add(clock.Elapsed.TotalMilliseconds);
        await job.WaitAsync();
        if (job.Status != JobStatus.Completed || job.EndedAt is null)
        {
            Console.Error.WriteLine($"job {job.Name} ended {job.Status}: {job.Error?.Message}");
            failures++;
            continue;
        }
        toStart.Add((Nanos(marker + ".start") - submitted).TotalMilliseconds);
        toCompleted.Add((job.EndedAt.Value - Nanos(marker + ".end")).TotalMilliseconds);

        var (start, exit) = await RawAsync(Path.Combine(root, $"{prefix}r{i}"));
        rawToStart.Add(start);
        rawToExit.Add(exit);
    }
    return new Overhead(toStart.Count, Median(toStart), Median(toCompleted), Median(submitCall), Median(rawToStart), Median(rawToExit), failures);
}

static void Report(string where, Overhead o)
{
    Console.WriteLine($"`true` command job, median of {o.Count} ({where}):");
    Console.WriteLine($"  submit → process start:   {o.Start,8:0.0} ms   (raw Process.Start → command start {o.RawStart:0.0} ms; ratio {o.Start / o.RawStart:0.0}x)   target ≤ 300 ms: {(o.Start <= 300 ? "met" : "MISSED")}");
    Console.WriteLine($"  process exit → Completed: {o.Done,8:0.0} ms   (raw command end → WaitForExit {o.RawExit:0.0} ms; ratio {o.Done / Math.Max(o.RawExit, 0.1):0.0}x)   target ≤ 300 ms: {(o.Done <= 300 ? "met" : "MISSED")}");
    Console.WriteLine($"  CreateOrUpdateAsync returned after {o.SubmitCall:0.0} ms; whole job (submit → Completed) vs whole raw process: {(o.Start + o.Done):0.0} ms vs {(o.RawStart + o.RawExit):0.0} ms");
}

static DateTimeOffset Nanos(string file) =>
    DateTimeOffset.UnixEpoch.AddTicks(long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture) / 100);

static double Median(List<double> values)
{
    if (values.Count == 0)
    {
        return double.NaN;
    }
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

// The baseline: the same shell command through a raw Process.Start; returns (start → command's first timestamp, command's last timestamp → exit seen).
static async Task<(double Start, double Exit)> RawAsync(string marker)
{
    var start = new ProcessStartInfo("/bin/bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
    start.ArgumentList.Add("-c");
    start.ArgumentList.Add($"date +%s%N > '{marker}.start'; true; date +%s%N > '{marker}.end'");
    var before = DateTimeOffset.UtcNow;
    using var process = Process.Start(start)!;
    await process.WaitForExitAsync();
    var after = DateTimeOffset.UtcNow;
    return ((Nanos(marker + ".start") - before).TotalMilliseconds, (after - Nanos(marker + ".end")).TotalMilliseconds);
}

/// <summary>One workspace's overhead figures (medians, ms) and the baseline measured beside them.</summary>
internal sealed record Overhead(int Count, double Start, double Done, double SubmitCall, double RawStart, double RawExit, int Failures);

/// <summary>A credential that always returns the Emulator's token.</summary>
internal sealed class StaticTokenCredential(string token) : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(token, DateTimeOffset.UtcNow.AddHours(1));

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
