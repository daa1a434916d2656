using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Azure.Core;
using Azure.Storage;
using Azure.Storage.Blobs;
using AzureMlSdk;
using AzureMlSdk.Backends;
using AzureMlSdk.Emulator;

// Artifact transfer speed, in one process and one run:
//  remote: the Emulator (in this process, real HTTP on 127.0.0.1) over an Azurite it starts (eng/services.sh install),
//          as the integration tests' fixture does. The SDK side opens the workspace through ARM (Remote backend) and
//          uses Run.UploadFileAsync / Run.DownloadFileAsync / Workspace.RegisterModelAsync / Model.DownloadAsync with a
//          progress handler; the baseline is a plain BlobClient on the same container (default options, account key):
//          UploadAsync(path, overwrite: true) and DownloadToAsync(path).
//  local:  the same calls on Workspace.Local() against File.Copy of the same file.
// SDK and baseline alternate (which goes first alternates too); each operation's ratio is printed best-of-rounds
// (best SDK throughput / best baseline throughput) and median of the per-round ratios. The machine is shared: use the median.
//
//   dotnet run -c Release --project eng/bench/artifacts [-- --size-mib 100 --rounds 9 --no-local]   (defaults: 100 MiB, 5 rounds)

var sizeMiB = 100;
var rounds = 5;
var local = true;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--size-mib" when i + 1 < args.Length:
            sizeMiB = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--rounds" when i + 1 < args.Length:
            rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            break;
        case "--no-local":
            local = false;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --size-mib N, --rounds R, --no-local.");
            return 2;
    }
}

var root = Path.Combine(Path.GetTempPath(), "azureml-artifact-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
var token = "bench-" + Guid.NewGuid().ToString("N");
var total = Stopwatch.StartNew();
EmulatorHost? host = null;
try
{
    Console.WriteLine($"AzureMlSdk.Bench.Artifacts: {sizeMiB} MiB file, {rounds} rounds; {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores");
    var source = Path.Combine(root, "payload.bin");
    WritePayload(source, (long)sizeMiB * 1024 * 1024);
    var bytes = new FileInfo(source).Length;

    host = await EmulatorHost.StartAsync(new EmulatorOptions
    {
        Port = 0,
        DataDirectory = Path.Combine(root, "emulator"),
        Token = token,
        StartAzurite = true,
        OperationRetryAfterSeconds = 0,
    });
    Console.WriteLine($"Emulator {host.BaseAddress} over Azurite {host.BlobEndpoint}");

    await using var ws = await Workspace.GetAsync(WorkspaceInfo.LocalSubscriptionId, WorkspaceInfo.LocalName, WorkspaceInfo.LocalName,
        new StaticTokenCredential(token), new WorkspaceOptions { ResourceManagerEndpoint = host.BaseAddress });
    var exp = await ws.GetOrCreateExperimentAsync("artifact-bench");
    await using var run = await exp.StartLoggingAsync(displayName: "bench");

    // The baseline: a plain container client with default options on the datastore's container.
    var service = new BlobServiceClient(host.BlobEndpoint, new StorageSharedKeyCredential(EmulatorOptions.AzuriteAccount, EmulatorOptions.AzuriteKey));
    string? containerName = null;
    await foreach (var c in service.GetBlobContainersAsync())
    {
        if (c.Name.StartsWith("azureml-blobstore-", StringComparison.Ordinal))
        {
            containerName = c.Name;
            break;
        }
    }
    var container = service.GetBlobContainerClient(containerName ?? throw new InvalidOperationException("The Emulator created no datastore container."));
    var plainBlob = container.GetBlobClient("bench/plain.bin");

    var results = new Dictionary<string, List<(double Sdk, double Plain)>>();
    var reports = new Dictionary<string, long>();
    void Add(string op, double sdkSeconds, double plainSeconds)
    {
        if (!results.TryGetValue(op, out var list))
        {
            results[op] = list = [];
        }
        list.Add((bytes / 1048576.0 / sdkSeconds, bytes / 1048576.0 / plainSeconds));
    }

    // Per-round figures from the two times (seconds): throughputs and SDK / plain.
    string Ratio(double sdkSeconds, double plainSeconds) =>
        $"{bytes / 1048576.0 / sdkSeconds:F0}/{bytes / 1048576.0 / plainSeconds:F0} MiB/s = {plainSeconds / sdkSeconds * 100:F0} %";

    var downloads = Path.Combine(root, "downloads");
    Directory.CreateDirectory(downloads);
    Model? lastModel = null;

    // Each operation: SDK and plain, order alternating by round. Round 0 is a warm-up (JIT, connections), not counted.
    for (var round = 0; round <= rounds; round++)
    {
        var sdkFirst = round % 2 == 0;
        var counter = new CountingProgress();

        var (up, upPlain) = await PairAsync(sdkFirst,
            async () => await run.UploadFileAsync("outputs/payload.bin", source, counter),
            async () => await plainBlob.UploadAsync(source, overwrite: true));
        Check(counter, bytes, "upload");
        reports["upload"] = counter.Count;

        counter = new CountingProgress();
        var sdkTarget = Path.Combine(downloads, "sdk.bin");
        var plainTarget = Path.Combine(downloads, "plain.bin");
        var (down, downPlain) = await PairAsync(sdkFirst,
            async () => await run.DownloadFileAsync("outputs/payload.bin", sdkTarget, counter),
            async () => await plainBlob.DownloadToAsync(plainTarget));
        Check(counter, bytes, "download");
        reports["download"] = counter.Count;
        CheckLength(sdkTarget, bytes);
        CheckLength(plainTarget, bytes);
        File.Delete(sdkTarget);
        File.Delete(plainTarget);

        counter = new CountingProgress();
        var (reg, regPlain) = await PairAsync(sdkFirst,
            async () => lastModel = await ws.RegisterModelAsync("bench-model", source, options: new ModelRegistrationOptions { Progress = counter }),
            async () => await plainBlob.UploadAsync(source, overwrite: true));
        Check(counter, bytes, "model register");
        reports["model register"] = counter.Count;

        counter = new CountingProgress();
        var modelDir = Path.Combine(downloads, "model");
        var (mdown, mdownPlain) = await PairAsync(sdkFirst,
            async () => await lastModel!.DownloadAsync(modelDir, counter),
            async () => await plainBlob.DownloadToAsync(plainTarget));
        Check(counter, bytes, "model download");
        reports["model download"] = counter.Count;
        CheckLength(Path.Combine(modelDir, "payload.bin"), bytes);
        Directory.Delete(modelDir, recursive: true);
        File.Delete(plainTarget);

        if (round == 0)
        {
            Console.WriteLine("warm-up done");
            continue;
        }
        Add("upload", up, upPlain);
        Add("download", down, downPlain);
        Add("model register", reg, regPlain);
        Add("model download", mdown, mdownPlain);
        Console.WriteLine($"round {round} ({(sdkFirst ? "SDK first" : "plain first")}): " +
            $"upload {Ratio(up, upPlain)}, download {Ratio(down, downPlain)}, model register {Ratio(reg, regPlain)}, model download {Ratio(mdown, mdownPlain)}");
    }

    if (local)
    {
        await using var lws = Workspace.Local(Path.Combine(root, "local"));
        var lexp = await lws.GetOrCreateExperimentAsync("artifact-bench");
        await using var lrun = await lexp.StartLoggingAsync(displayName: "bench");
        for (var round = 0; round <= rounds; round++)
        {
            var sdkFirst = round % 2 == 0;
            var copy = Path.Combine(root, "copy.bin");
            var counter = new CountingProgress();
            var (up, upPlain) = await PairAsync(sdkFirst,
                async () => await lrun.UploadFileAsync("outputs/payload.bin", source, counter),
                () => { File.Copy(source, copy, overwrite: true); return Task.CompletedTask; });
            Check(counter, bytes, "local upload");
            reports["local upload"] = counter.Count;
            File.Delete(copy);
            counter = new CountingProgress();
            var target = Path.Combine(downloads, "local.bin");
            var (down, downPlain) = await PairAsync(sdkFirst,
                async () => await lrun.DownloadFileAsync("outputs/payload.bin", target, counter),
                () => { File.Copy(source, copy, overwrite: true); return Task.CompletedTask; });
            Check(counter, bytes, "local download");
            reports["local download"] = counter.Count;
            CheckLength(target, bytes);
            File.Delete(target);
            File.Delete(copy);
            if (round > 0)
            {
                Add("local upload (vs File.Copy)", up, upPlain);
                Add("local download (vs File.Copy)", down, downPlain);
            }
        }
    }

    Console.WriteLine();
    Console.WriteLine($"== results: {sizeMiB} MiB, {rounds} rounds; MiB/s best of rounds; ratio = SDK / plain ==");
    Console.WriteLine($"{"operation",-30} {"SDK MiB/s",10} {"plain MiB/s",12} {"best-of",8} {"median",8} {"min..max",14} {"progress reports",17}");
    foreach (var (op, list) in results)
    {
        var bestSdk = list.Max(r => r.Sdk);
        var bestPlain = list.Max(r => r.Plain);
        var ratios = list.Select(r => r.Sdk / r.Plain).Order().ToList();
        var median = ratios.Count % 2 == 1 ? ratios[ratios.Count / 2] : (ratios[(ratios.Count / 2) - 1] + ratios[ratios.Count / 2]) / 2;
        var key = op.Split(" (")[0];
        Console.WriteLine($"{op,-30} {bestSdk,10:F1} {bestPlain,12:F1} {bestSdk / bestPlain * 100,7:F1}% {median * 100,7:F1}% {ratios[0] * 100,6:F0}..{ratios[^1] * 100,3:F0} % {(reports.TryGetValue(key, out var n) ? n : 0),17}");
    }
    Console.WriteLine($"total {total.Elapsed.TotalSeconds:F0} s");
    return 0;
}
finally
{
    if (host is not null)
    {
        await host.DisposeAsync();
    }
    try
    {
        Directory.Delete(root, recursive: true);
    }
    catch (IOException)
    {
    }
}

// Runs both sides in the given order; returns their times in seconds.
static async Task<(double Sdk, double Plain)> PairAsync(bool sdkFirst, Func<Task> sdk, Func<Task> plain)
{
    double s, p;
    if (sdkFirst)
    {
        s = await TimeAsync(sdk);
        p = await TimeAsync(plain);
    }
    else
    {
        p = await TimeAsync(plain);
        s = await TimeAsync(sdk);
    }
    return (s, p);
}

static async Task<double> TimeAsync(Func<Task> action)
{
    var sw = Stopwatch.StartNew();
    await action();
    return sw.Elapsed.TotalSeconds;
}

static void WritePayload(string path, long length)
{
    // Pseudo-random (incompressible) content, written once.
    var random = new Random(42);
    var buffer = new byte[1 << 20];
    using var output = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    for (long written = 0; written < length; written += buffer.Length)
    {
        random.NextBytes(buffer);
        output.Write(buffer, 0, (int)Math.Min(buffer.Length, length - written));
    }
}

static void Check(CountingProgress progress, long bytes, string what)
{
    if (progress.Last != bytes)
    {
        Console.WriteLine($"WARNING {what}: the last progress report was {progress.Last}, not {bytes}.");
    }
}

static void CheckLength(string path, long bytes)
{
    var length = new FileInfo(path).Length;
    if (length != bytes)
    {
        throw new InvalidOperationException($"{path} has {length} bytes, not {bytes}.");
    }
}

/// <summary>A progress handler as a progress bar would use it: synchronous, counts reports, keeps the last value.</summary>
internal sealed class CountingProgress : IProgress<long>
{
    public long Count { get; private set; }

    public long Last { get; private set; }

    public void Report(long value)
    {
        Count++;
        Last = value;
    }
}

/// <summary>A credential that always returns the Emulator's token.</summary>
internal sealed class StaticTokenCredential(string token) : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(token, DateTimeOffset.UtcNow.AddHours(1));

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
