// The training script of samples/train_job.cs and samples/jobs/train.yml, run as a command job:
//
//   dotnet run train.cs -- --data <csv> --lr 0.1 --epochs 30 --out <folder>
//
// Reads a CSV of points (x1,x2,label), fits a logistic regression by gradient descent, logs the loss and accuracy of every
// epoch into the job's run through Run.GetContext() (the job's environment names the run: AZUREML_RUN_ID, AZUREML_LOCAL_DIR),
// and writes the model (model.json) to --out, the job's output folder. It references AzureMlSdk through the
// Directory.Build.props beside it, from $AZUREMLSDK_ROOT (the repository), which the job sets.
#:property PublishAot=false

using System.Globalization;
using System.Text.Json;
using AzureMlSdk;

var options = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    options[args[i].TrimStart('-')] = args[i + 1];
}
var data = options.GetValueOrDefault("data") ?? throw new ArgumentException("--data <csv> is required");
var outputFolder = options.GetValueOrDefault("out") ?? throw new ArgumentException("--out <folder> is required");
var lr = double.Parse(options.GetValueOrDefault("lr", "0.1"), CultureInfo.InvariantCulture);
var epochs = int.Parse(options.GetValueOrDefault("epochs", "30"), CultureInfo.InvariantCulture);

var rows = File.ReadAllLines(data).Skip(1).Where(l => l.Length > 0)
    .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
    .ToArray();
Console.WriteLine($"Training on {rows.Length} rows from {data}: lr={lr}, epochs={epochs}");

var run = Run.GetContext();
double w1 = 0, w2 = 0, b = 0;
for (var epoch = 0; epoch < epochs; epoch++)
{
    double g1 = 0, g2 = 0, gb = 0, loss = 0;
    var correct = 0;
    foreach (var r in rows)
    {
        var p = 1 / (1 + Math.Exp(-(w1 * r[0] + w2 * r[1] + b)));
        var y = r[2];
        loss -= y * Math.Log(p + 1e-12) + (1 - y) * Math.Log(1 - p + 1e-12);
        g1 += (p - y) * r[0];
        g2 += (p - y) * r[1];
        gb += p - y;
        correct += (p >= 0.5) == (y >= 0.5) ? 1 : 0;
    }
    w1 -= lr * g1 / rows.Length;
    w2 -= lr * g2 / rows.Length;
    b -= lr * gb / rows.Length;
    var accuracy = (double)correct / rows.Length;
    run.Log("loss", loss / rows.Length, step: epoch);
    run.Log("accuracy", accuracy, step: epoch);
    if (epoch % 10 == 0 || epoch == epochs - 1)
    {
        Console.WriteLine($"epoch {epoch,3}: loss {loss / rows.Length:0.0000}  accuracy {accuracy:0.000}");
    }
}

Directory.CreateDirectory(outputFolder);
var model = Path.Combine(outputFolder, "model.json");
await File.WriteAllTextAsync(model, JsonSerializer.Serialize(new Dictionary<string, double> { ["w1"] = w1, ["w2"] = w2, ["b"] = b }));
await run.FlushAsync();
Console.WriteLine($"Model written to {model}; run {run.Id}.");
