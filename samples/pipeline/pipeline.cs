// A pipeline with step reuse: prep → train → evaluate → register (samples/pipeline/pipeline.yml, each step a command component in
// components/, its script in src/), submitted twice to the local workspace. The first submit runs every step as a child job; the
// second, identical, reuses every step (azureml.isreused=true) and completes in well under two seconds. Then the trained model (the
// pipeline's `model` output) is registered as a model.
//
//   dotnet run samples/pipeline/pipeline.cs                  (from the repository root)
//   dotnet run samples/pipeline/pipeline.cs -- --lr 0.4      (another learning rate: prep is reused, train/evaluate/register run again)
//   dotnet run samples/pipeline/pipeline.cs -- --sweep       (samples/pipeline/pipeline_sweep.yml: train becomes `tune`, a sweep step)
//
// With --sweep the train step is a sweep (type: sweep, trial: ./components/train.yml): six trials of the train component with
// learning_rate and epochs sampled (seeded Sobol), each a child job of the tune step logging train_mse (train.sh, via curl to the
// job's MLflow endpoint); the tune step's outputs are its best trial's, so evaluate and register get the best model. Seeded, the
// sweep is reproducible, so the second submit reuses it too (an unseeded or bayesian sweep step is never reused).
//
// Steps are bash scripts (awk), so this runs on Linux and macOS. The jobs run in the local workspace's job agent (AzureMlSdk.Server).
#:project ../../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../../sdk/AzureMlSdk.Server/AzureMlSdk.Server.csproj
#:property PublishAot=false

using System.Diagnostics;
using System.Globalization;
using AzureMlSdk;

var set = new List<string>();
var sweep = args.Contains("--sweep");
for (var i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--lr")
    {
        set.Add($"inputs.learning_rate={double.Parse(args[i + 1], CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)}");
    }
}

var folder = AppContext.GetData("EntryPointFileDirectoryPath") as string is { Length: > 0 } dir ? dir : Path.Combine(Environment.CurrentDirectory, "samples", "pipeline");
await using var ws = Workspace.Local();
var definition = PipelineJob.Load(Path.Combine(folder, sweep ? "pipeline_sweep.yml" : "pipeline.yml"), set);
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
        if (step.Type == JobType.Sweep)
        {
            // A sweep step: its trials are its children; its best trial's outputs are the step's.
            var best = step.Properties.GetValueOrDefault("best_child_run_id");
            await foreach (var trial in ws.Jobs.ListAsync(step.Name))
            {
                var mse = trial.Run.LatestMetrics.TryGetValue("train_mse", out var m) ? m.Value.ToString("0.000000", CultureInfo.InvariantCulture) : "-";
                Console.WriteLine($"    trial {trial.Name,-30} {trial.Status,-10} lr={trial.Run.Params.GetValueOrDefault("learning_rate"),-22} epochs={trial.Run.Params.GetValueOrDefault("epochs"),-4} train_mse={mse}{(trial.Name == best ? "  ← best" : "")}");
            }
            if (step.Properties.GetValueOrDefault("azureml.isreused") == "true")
            {
                Console.WriteLine($"    (reused: the best trial is {best}, score {step.Properties.GetValueOrDefault("score")})");
            }
        }
    }
    return (job, elapsed);
}
