// AutoML: a CSV file in, the best model out, served. Submits an AutoML job to the local workspace (ML.NET learners chosen and
// tuned by AzureMlSdk.AutoML, in the workspace's job agent), streams its log, prints the leaderboard, registers the best model
// (ONNX, the whole pipeline) from the job, deploys it to a local online endpoint and asks it about two customers by their raw
// column values, then to a local batch endpoint that scores an MLTable folder of new customers (raw rows, ';'-separated) and
// prints the predictions file: the class and a probability per class, by name.
//
//   dotnet run samples/automl.cs                    (from the repository root; about a minute)
//   dotnet run samples/automl.cs -- --minutes 2     (a longer search)
#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../sdk/AzureMlSdk.AutoML/AzureMlSdk.AutoML.csproj
#:project ../sdk/AzureMlSdk.Serving/AzureMlSdk.Serving.csproj
#:project ../sdk/AzureMlSdk.Server/AzureMlSdk.Server.csproj
#:property PublishAot=false

using System.Globalization;
using System.Text;
using System.Text.Json;
using AzureMlSdk;

var minutes = args.Length == 2 && args[0] == "--minutes" ? double.Parse(args[1], CultureInfo.InvariantCulture) : 0.5;

// 1. A CSV file: customers and whether they churned (generated here; use your own file the same way).
var csv = Path.Combine(Path.GetTempPath(), "automl-churn.csv");
var random = new Random(7);
var sb = new StringBuilder("tenure_months,plan,monthly_charges,support_calls,churn\n");
string[] plans = ["basic", "plus", "pro"];
for (var i = 0; i < 600; i++)
{
    var tenure = random.Next(1, 72);
    var plan = plans[random.Next(3)];
    var charges = 20 + random.NextDouble() * 80;
    var calls = random.Next(8);
    var risk = 0.04 * charges - 0.05 * tenure + 0.5 * calls + (plan == "basic" ? 0.8 : plan == "pro" ? -0.8 : 0) + random.NextDouble() * 1.5;
    sb.Append(CultureInfo.InvariantCulture, $"{tenure},{plan},{charges:F2},{calls},{(risk > 1.8 ? "yes" : "no")}\n");
}
File.WriteAllText(csv, sb.ToString());

// 2. AutoML as a job: azure-ai-ml's automl.classification(...) submitted with ws.Jobs, run here with ML.NET by the local
//    workspace's job agent (AzureMlSdk.Server, which loads AzureMlSdk.AutoML from this application's references).
await using var ws = Workspace.Local();
var definition = new AutoMLJob
{
    Task = AutoMLTask.Classification,
    TrainingData = Input.UriFile(csv),
    TargetColumnName = "churn",
    PrimaryMetric = "AUC_weighted",
    ExperimentName = "automl-churn",
    Limits = new AutoMLLimits { TimeoutMinutes = minutes, MaxTrials = 12, MaxConcurrentTrials = 2 },
    Training = new AutoMLTraining { BlockedTrainingAlgorithms = ["LinearSVM"] },
};
var job = await ws.Jobs.CreateOrUpdateAsync(definition);
Console.WriteLine($"Submitted AutoML job {job.Name}; its log:");
job = await job.StreamAsync(Console.Out);   // one line per trial as it ends
if (job.Status != JobStatus.Completed)
{
    Console.Error.WriteLine($"The job ended {job.Status}: {job.Error?.Message}");
    return 1;
}

// The leaderboard: a table of the job's run; the trials are its child jobs (and child runs).
var metric = job.Properties["primary_metric"];
var leaderboard = await job.Run.GetTableAsync("leaderboard");
int Column(string name) => leaderboard.Columns.ToList().IndexOf(name);
Console.WriteLine($"AutoML job {job.Name}: {leaderboard.Rows.Count} trials ranked by {metric}, stopped by {job.Properties["stop_reason"]}");
Console.WriteLine($"{"rank",4}  {"trial",-36} {"algorithm",-20} {metric,12}  {"seconds",8}");
foreach (var row in leaderboard.Rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{row[Column("rank")],4}  {row[Column("run_id")],-36} {row[Column("algorithm")],-20} {Convert.ToDouble(row[Column(metric)], CultureInfo.InvariantCulture),12:F4}  {Convert.ToDouble(row[Column("duration_seconds")], CultureInfo.InvariantCulture),8:F2}"));
}
var children = 0;
await foreach (var _ in ws.Jobs.ListAsync(parentJobName: job.Name))
{
    children++;
}
Console.WriteLine($"{children} child jobs; best: {job.Properties["automl_best_child_run_id"]}");

// 3. Register the best model and deploy it.
var model = await job.RegisterBestModelAsync("churn-automl");
Console.WriteLine($"Registered {model.Name}:{model.Version} ({model.Tags["automl_algorithm"]}, trial {model.RunId})");
var endpoint = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("churn-automl-ep"));
await endpoint.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true });

// 4. Ask it: raw column values by name (strings for categories), answers in the target's own values with probabilities.
var request = JsonSerializer.Serialize(new
{
    input_data = new
    {
        columns = new[] { "tenure_months", "plan", "monthly_charges", "support_calls" },
        data = new object[][] { [3, "basic", 95.5, 6], [60, "pro", 25.0, 0] },
    },
});
var reply = JsonDocument.Parse(await endpoint.InvokeAsync(request)).RootElement.GetProperty("predictions");
var labels = reply.GetProperty("label").EnumerateArray().Select(r => r[0].GetString()).ToList();
var probabilities = reply.GetProperty("probabilities").EnumerateArray().Select(r => r.EnumerateArray().Select(p => p.GetDouble()).ToArray()).ToList();
for (var i = 0; i < labels.Count; i++)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Customer {i + 1}: churn = {labels[i]} (p(no) = {probabilities[i][0]:F2}, p(yes) = {probabilities[i][1]:F2})"));
}

// 5. Batch scoring: the same model on a batch endpoint, reading an MLTable folder of raw rows (any extra columns are ignored;
//    an empty cell is a missing value, imputed as in training; a file without one of the model's columns fails the job).
var table = Directory.CreateTempSubdirectory("automl-churn-batch-").FullName;
Directory.CreateDirectory(Path.Combine(table, "data"));
File.WriteAllText(Path.Combine(table, "data", "week-1.txt"), "customer;tenure_months;plan;monthly_charges;support_calls\nc-101;3;basic;95.5;6\nc-102;60;pro;25.0;0\nc-103;;plus;61.2;2\n");
File.WriteAllText(Path.Combine(table, "data", "week-2.txt"), "customer;tenure_months;plan;monthly_charges;support_calls\nc-201;12;enterprise;70.0;4\n");
File.WriteAllText(Path.Combine(table, "MLTable"), "paths:\n  - pattern: ./data/*.txt\ntransformations:\n  - read_delimited:\n      delimiter: ';'\n      header: all_files_same_headers\n");
var batch = await ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("churn-automl-batch"));
await batch.DeployAsync(new BatchDeploymentSpec("automl", model));
var scored = await batch.InvokeAsync(table);
Console.WriteLine($"Batch job {scored.RunId}: {scored.Status}, {scored.RowsScored} rows scored, {scored.RowsFailed} failed; {scored.PredictionsArtifact}:");
var predictions = Path.Combine(table, "predictions.jsonl");
await (await ws.GetRunAsync(scored.RunId)).DownloadFileAsync(scored.PredictionsArtifact, predictions);
foreach (var line in File.ReadLines(predictions))
{
    Console.WriteLine("  " + line);
}
Directory.Delete(table, recursive: true);
return scored.Status == RunStatus.Completed ? 0 : 1;
