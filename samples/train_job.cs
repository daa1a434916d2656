// Train as a command job: submit a C# training script (samples/jobs/train/train.cs, run with `dotnet run train.cs`) to the
// local workspace with a data input and a model output, stream its log while it runs, then register the output as a model.
//
//   dotnet run samples/train_job.cs                       (from the repository root)
//   dotnet run samples/train_job.cs -- --lr 0.2 --epochs 60
//
// The job runs on compute `local` (this machine, the host's environment) from a snapshot of samples/jobs/train; its run (run id =
// job name) gets the script's per-epoch loss and accuracy through Run.GetContext(). The same job as YAML: samples/jobs/train.yml.
// The first job builds the script and the SDK it references (a minute or two); later ones reuse the build.
// The job runs in the local workspace's job agent (package AzureMlSdk.Server, referenced below): it would go on if this script stopped.
#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../sdk/AzureMlSdk.Server/AzureMlSdk.Server.csproj
#:property PublishAot=false

using System.Globalization;
using AzureMlSdk;

var lr = 0.5;
var epochs = 40;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--lr":
            lr = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
        case "--epochs":
            epochs = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            break;
    }
}

var samples = AppContext.GetData("EntryPointFileDirectoryPath") as string is { Length: > 0 } dir ? dir : Path.Combine(Environment.CurrentDirectory, "samples");
var repository = Path.GetFullPath(Path.Combine(samples, ".."));

await using var ws = Workspace.Local();
var definition = new CommandJob
{
    DisplayName = "train-logistic-regression",
    ExperimentName = "train-job",
    Code = Path.Combine(samples, "jobs", "train"),
    Command = "dotnet run train.cs -- --data ${{inputs.data}} --lr ${{inputs.lr}} --epochs ${{inputs.epochs}} --out ${{outputs.model}}",
    Inputs =
    {
        ["data"] = Input.UriFile(Path.Combine(samples, "jobs", "data", "points.csv")),
        ["lr"] = lr,
        ["epochs"] = epochs,
    },
    Outputs = { ["model"] = Output.CustomModel() },
    EnvironmentVariables =
    {
        ["AZUREMLSDK_ROOT"] = repository,          // train/Directory.Build.props references the SDK from here
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_NOLOGO"] = "1",
    },
    Compute = "local",
    Limits = new CommandJobLimits { Timeout = TimeSpan.FromMinutes(30) },
    Tags = { ["sample"] = "train_job" },
};

var job = await ws.Jobs.CreateOrUpdateAsync(definition);
Console.WriteLine($"Submitted job {job.Name} ({job.Status}) to compute '{job.Compute}' in workspace {ws.LocalDirectory}; streaming its log:");
Console.WriteLine();
await job.StreamAsync(Console.Out);
Console.WriteLine();
Console.WriteLine($"Job {job.Name}: {job.Status} in {(job.EndedAt - job.StartedAt)?.TotalSeconds:0.0} s");
if (job.Status != JobStatus.Completed)
{
    Console.Error.WriteLine($"The job did not complete: {job.Error?.Code}: {job.Error?.Message}");
    return 1;
}

// The run the script logged into through Run.GetContext().
var metrics = await job.Run.GetMetricsAsync();
foreach (var (name, points) in metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
{
    Console.WriteLine($"  {name}: {points[0].Value:0.0000} → {points[^1].Value:0.0000} over {points.Count} epochs");
}

// The model output: download it (az ml's layout, named-outputs/model/) and register it.
var download = Path.Combine(Path.GetTempPath(), "train_job-" + job.Name);
await ws.Jobs.DownloadAsync(job.Name, download, outputName: "model");
var modelFolder = Path.Combine(download, "named-outputs", "model");
var model = await ws.RegisterModelAsync("train-job-logreg", modelFolder,
    tags: new Dictionary<string, string> { ["job"] = job.Name, ["lr"] = lr.ToString(CultureInfo.InvariantCulture) },
    description: $"Logistic regression trained by job {job.Name} ({job.OutputUris["model"]}).");
Console.WriteLine($"Registered model {model.Name} version {model.Version} from {modelFolder}.");
return 0;
