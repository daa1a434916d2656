// Compare the runs of experiment "quickstart" and list the versions of model "quickstart-classifier".
//
//   dotnet run samples/quickstart.cs                  (a few times, e.g. with -- --l2 0.1 or -- --epochs 5)
//   dotnet run samples/compare_runs.cs                (best run first)
//   dotnet run samples/compare_runs.cs -- "metrics.accuracy > 0.92 and params.l2 = '0.01'"   (your own filter)
//
// Reads the same local workspace as the quickstart: ./.azureml/local (or $AZUREML_LOCAL_DIR).
#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj
#:property PublishAot=false

using System.Globalization;
using AzureMlSdk;

const string ExperimentName = "quickstart";
const string ModelName = "quickstart-classifier";
string[] paramColumns = ["l2", "epochs", "seed", "noise"];
string[] metricColumns = ["accuracy", "val_loss", "loss", "train_accuracy"];

await using var ws = Workspace.Local();
Experiment experiment;
try
{
    experiment = await ws.GetExperimentAsync(ExperimentName);
}
catch (ResourceNotFoundException)
{
    Console.WriteLine($"No experiment '{ExperimentName}' in {ws.LocalDirectory} yet. Run first: dotnet run samples/quickstart.cs");
    return 1;
}

// 1. Every run, best accuracy first (runs without the metric come last, as in MLflow).
var runs = new List<Run>();
await foreach (var run in experiment.GetRunsAsync(orderBy: "metrics.accuracy DESC"))
{
    runs.Add(run);
}
Console.WriteLine($"Experiment '{experiment.Name}' in {ws.LocalDirectory}: {runs.Count} run(s), ordered by metrics.accuracy DESC");
Console.WriteLine();

var header = new List<string> { "run", "name", "status" };
header.AddRange(paramColumns.Select(p => "p:" + p));
header.AddRange(metricColumns);
header.Add("history");
var rows = new List<List<string>>();
foreach (var run in runs)
{
    var history = await run.GetMetricsAsync();
    var row = new List<string> { Short(run.Id), run.DisplayName, run.Status.ToString() };
    row.AddRange(paramColumns.Select(p => run.Params.TryGetValue(p, out var v) ? v : "-"));
    row.AddRange(metricColumns.Select(m => run.LatestMetrics.TryGetValue(m, out var point) ? point.Value.ToString("F4", CultureInfo.InvariantCulture) : "-"));
    // Points kept per metric: the full history, not only the latest value.
    row.Add(string.Join(" ", history.Where(h => metricColumns.Contains(h.Key)).Select(h => $"{h.Key}:{h.Value.Count}")));
    rows.Add(row);
}
PrintTable(header, rows);

// 2. A filter in MLflow's search syntax: metrics, params, tags and attributes.
var filter = args.Length > 0 ? string.Join(' ', args) : "metrics.accuracy >= 0.9 and params.epochs = '10' and attributes.status = 'FINISHED' and tags.sample = 'quickstart'";
var matching = new List<string>();
await foreach (var run in experiment.GetRunsAsync(filter: filter, orderBy: "attributes.start_time DESC"))
{
    matching.Add($"{Short(run.Id)} ({run.LatestMetrics.GetValueOrDefault("accuracy").Value:F4})");
}
Console.WriteLine();
Console.WriteLine($"Filter \"{filter}\": {matching.Count} run(s), newest first{(matching.Count > 0 ? ": " + string.Join(", ", matching) : "")}");

// 3. The best run in detail.
if (runs.Count > 0 && runs[0].LatestMetrics.ContainsKey("accuracy"))
{
    var best = runs[0];
    var accuracy = await best.GetMetricsAsync("accuracy");
    Console.WriteLine();
    Console.WriteLine($"Best run: {best.Id} ({best.DisplayName}), started {best.StartTime:u}, {(best.EndTime - best.StartTime)?.TotalSeconds:F1} s");
    Console.WriteLine($"  params   {string.Join(", ", best.Params.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"))}");
    Console.WriteLine($"  accuracy by epoch  {string.Join(" ", accuracy["accuracy"].Select(p => $"{p.Step}:{p.Value:F3}"))}");
    Console.WriteLine($"  files    {string.Join(", ", await best.GetFileNamesAsync())}");
}

// 4. The registered versions, newest first, with their aliases.
Console.WriteLine();
Console.WriteLine($"Model '{ModelName}':");
var versions = 0;
await foreach (var model in ws.ListModelsAsync(ModelName))
{
    versions++;
    var aliases = model.Aliases.Count > 0 ? " [" + string.Join(", ", model.Aliases) + "]" : "";
    Console.WriteLine($"  {model.Name}:{model.Version}{aliases}  {model.Framework}  accuracy={model.Tags.GetValueOrDefault("accuracy", "-")}  run={Short(model.RunId)}  created {model.CreatedAt:u}");
}
if (versions == 0)
{
    Console.WriteLine("  (no versions yet)");
}
return 0;

static string Short(string? id) => id is null ? "-" : id.Length <= 12 ? id : id[..12];

static void PrintTable(List<string> header, List<List<string>> rows)
{
    var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
    string Line(IEnumerable<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
    Console.WriteLine(Line(header));
    Console.WriteLine(Line(widths.Select(w => new string('-', w))));
    foreach (var row in rows)
    {
        Console.WriteLine(Line(row));
    }
}
