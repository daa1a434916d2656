// A pipeline with step reuse: prep → train → evaluate → register (samples/pipeline/pipeline.yml, each step a command component in
// components/, its script in src/), submitted twice to the local workspace. The first submit runs every step as a child job; the
// second, identical, reuses every step (azureml.isreused=true) and completes in well under two seconds. Then the trained model (the
// pipeline's `model` output) is registered as a model.
//
//   dotnet run samples/pipeline/pipeline.cs                  (from the repository root)
//   dotnet run samples/pipeline/pipeline.cs -- --lr 0.4      (another learning rate: prep is reused, train/evaluate/register run again)
//
// Steps are bash scripts (awk), so this runs on Linux and macOS. The jobs run in the local workspace's job agent (AzureMlSdk.Server).
#:project ../../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../../sdk/AzureMlSdk.Server/AzureMlSdk.Server.csproj
#:property PublishAot=false

using System.Diagnostics;
using System.Globalization;
using AzureMlSdk;

var set = new List<string>();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--lr")
    {
        set.Add($"inputs.learning_rate={double.Parse(args[i + 1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)}");
    }
}

var folder = AppContext.GetData("EntryPointFileDirectoryPath") as string is { Length: > 0 } dir ? dir : Path.Combine(Environment.CurrentDirectory, "samples", "pipeline");
await using var ws = Workspace.Local();
var definition = PipelineJob.Load(Path.Combine(folder, "pipeline.yml"), set);
Console.WriteLine($"Pipeline '{definition.DisplayName}': {string.Join(" → ", definition.GetStepOrder())}");

var first = await SubmitAsync("first submit");
var second = await SubmitAsync("second submit (identical)");

var steps = await ws.Jobs.ListAsync(second.Job.Name).ToListAsync();
var allReused = steps.Count == definition.Jobs.Count && steps.All(s => s.Properties.GetValueOrDefault("azureml.isreused") == "true");
Console.WriteLine($"Second submit: {(allReused ? "every step reused" : "NOT every step reused")}, {second.Elapsed.TotalSeconds:0.00} s "
    + $"(first: {first.Elapsed.TotalSeconds:0.00} s).");

// The trained model is the pipeline's `model` output (train's output bound to it): download it and register it.
var download = Path.Combine(Path.GetTempPath(), "pipeline-sample-" + second.Job.Name);
await ws.Jobs.DownloadAsync(second.Job.Name, download, outputName: "model");
var model = await ws.RegisterModelAsync("pipeline-sample-linear", Path.Combine(download, "named-outputs", "model"),
    tags: new Dictionary<string, string> { ["pipeline"] = second.Job.Name });
Console.WriteLine($"Registered model {model.Name} version {model.Version}: {File.ReadAllText(Path.Combine(download, "named-outputs", "model", "model.txt")).ReplaceLineEndings(" ").Trim()}");
return allReused && second.Elapsed < TimeSpan.FromSeconds(2) ? 0 : 1;

async Task<(Job Job, TimeSpan Elapsed)> SubmitAsync(string what)
{
    var clock = Stopwatch.StartNew();
    var job = await ws.Jobs.CreateOrUpdateAsync(definition);
    await job.WaitAsync();
    var elapsed = clock.Elapsed;
    Console.WriteLine($"{what}: pipeline {job.Name} {job.Status} in {elapsed.TotalSeconds:0.00} s");
    if (job.Status != JobStatus.Completed)
    {
        Console.WriteLine($"  {job.Error?.Message}");
    }
    Console.WriteLine($"  {"step",-10} {"job",-32} {"status",-10} {"reused",-7} reused from");
    await foreach (var step in ws.Jobs.ListAsync(job.Name))
    {
        Console.WriteLine($"  {step.Properties["azureml.nodeid"],-10} {step.Name,-32} {step.Status,-10} {step.Properties.GetValueOrDefault("azureml.isreused"),-7} {step.Properties.GetValueOrDefault("azureml.reusedrunid")}");
    }
    return (job, elapsed);
}
