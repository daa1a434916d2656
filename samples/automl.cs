// AutoML: a CSV file in, the best model out, served. Trains on the local workspace with ML.NET learners chosen and tuned
// by AzureMlSdk.AutoML, prints the leaderboard, registers the best model (ONNX, the whole pipeline), deploys it to a local
// online endpoint and asks it about two customers by their raw column values.
//
//   dotnet run samples/automl.cs                    (from the repository root; about a minute)
//   dotnet run samples/automl.cs -- --minutes 2     (a longer search)
#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../sdk/AzureMlSdk.AutoML/AzureMlSdk.AutoML.csproj
#:project ../sdk/AzureMlSdk.Serving/AzureMlSdk.Serving.csproj
#:property PublishAot=false

using System.Globalization;
using System.Text;
using System.Text.Json;
using AzureMlSdk;
using AzureMlSdk.AutoML;

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

// 2. AutoML: azure-ai-ml's automl.classification(...), run here with ML.NET.
await using var ws = Workspace.Local();
var job = new AutoMLJob
{
    Task = AutoMLTask.Classification,
    TrainingData = Input.UriFile(csv),
    TargetColumnName = "churn",
    PrimaryMetric = "AUC_weighted",
    ExperimentName = "automl-churn",
    Limits = new AutoMLLimits { TimeoutMinutes = minutes, MaxTrials = 12 },
    Training = new AutoMLTraining { BlockedTrainingAlgorithms = ["LinearSVM"] },
};
var result = await AutoMLRunner.RunAsync(ws, job);

Console.WriteLine($"AutoML run {result.ParentRun.Id}: {result.Leaderboard.Count} trials ranked by {result.PrimaryMetric}, stopped by {result.StopReason}");
Console.WriteLine($"{"rank",4}  {"algorithm",-20} {result.PrimaryMetric,12}  {"accuracy",9}  {"seconds",8}");
foreach (var entry in result.Leaderboard)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{entry.Rank,4}  {entry.Algorithm,-20} {entry.Score,12:F4}  {entry.Metrics["accuracy"],9:F4}  {entry.DurationSeconds,8:F2}"));
}

// 3. Register the best model and deploy it.
var model = await result.RegisterBestModelAsync("churn-automl");
Console.WriteLine($"Registered {model.Name}:{model.Version} ({result.Best.Algorithm}, run {result.Best.RunId})");
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
