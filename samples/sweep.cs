// Hyperparameter sweep: tune the quickstart classifier (ML.NET L-BFGS maximum entropy on the iris-like data of
// samples/quickstart.cs) with a sweep job on the local workspace, print the trial table, and register the best trial's model.
//
//   dotnet run samples/sweep.cs                              (from the repository root; random sampling + bandit policy)
//   dotnet run samples/sweep.cs -- --sampling bayesian       (Gaussian-process Bayesian sampling, no early termination)
//   dotnet run samples/sweep.cs -- --trials 12 --concurrent 3
//
// Each trial is a child command job of the sweep that runs THIS program again with --trial (the build of this script, so trials
// start at once): it trains with the sampled l2 and epochs, logs accuracy and val_loss per epoch through Run.GetContext()
// (which the sweep reads as they arrive, to stop trials early), and writes the model to its 'model' output. The sweep records its
// best trial (best_child_run_id); downloading the sweep downloads that trial's output, which is registered as a model.
// About 25 s here once built (the first run builds this script and the SDK: a few minutes).
//
// Why random + bandit and not "bayesian + bandit": Azure ML refuses an early-termination policy with Bayesian sampling (each
// Bayesian point depends on the finished trials' results, which early termination would cut short), and so does this SDK. Random
// sampling (Sobol-scrambled) with a bandit policy is the combination Azure allows that stops poor trials early; --sampling
// bayesian drops the policy and lets the Gaussian process pick each point from the results so far.
//
// The trials run in the local workspace's job agent (package AzureMlSdk.Server, referenced below).
#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../sdk/AzureMlSdk.Server/AzureMlSdk.Server.csproj
#:package Microsoft.ML
#:property PublishAot=false

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using AzureMlSdk;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

if (args.Contains("--trial"))
{
    return await Trial.RunAsync(args);
}

var clock = Stopwatch.StartNew();
var sampling = "random";
var trials = 8;
var concurrent = 2;
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--sampling": sampling = args[i + 1]; break;
        case "--trials": trials = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--concurrent": concurrent = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        default: throw new ArgumentException($"Unknown option '{args[i]}'. Options: --sampling random|bayesian, --trials N, --concurrent N.");
    }
}
var bayesian = sampling switch
{
    "bayesian" => true,
    "random" => false,
    _ => throw new ArgumentException($"--sampling is random or bayesian, not '{sampling}'."),
};

// The trial runs this very program (its build, so no trial compiles anything): dotnet <this program's dll> --trial ….
var self = Assembly.GetEntryAssembly()!.Location;
await using var ws = Workspace.Local();
var sweep = await ws.Jobs.CreateOrUpdateAsync(new SweepJob
{
    DisplayName = $"quickstart-{sampling}",
    ExperimentName = "sweep-quickstart",
    Trial = new CommandJob
    {
        Command = $"dotnet \"{self}\" --trial --l2 ${{{{search_space.l2}}}} --epochs ${{{{search_space.epochs}}}} --seed ${{{{inputs.seed}}}} --out ${{{{outputs.model}}}}",
        Inputs = { ["seed"] = 42 },
        Outputs = { ["model"] = Output.CustomModel() },
        EnvironmentVariables = { ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" },
    },
    SearchSpace =
    {
        ["l2"] = new Uniform(0.0, 2.0),          // L2 regularisation: small is better on this data, up to a point
        ["epochs"] = new Choice(2, 4, 8, 12),    // more epochs = more L-BFGS iterations
    },
    SamplingAlgorithm = bayesian ? SamplingAlgorithm.Bayesian : new RandomSamplingAlgorithm { Seed = 7, Rule = RandomSamplingRule.Sobol },
    Objective = new Objective("accuracy", Goal.Maximize),
    Limits = new SweepLimits { MaxTotalTrials = trials, MaxConcurrentTrials = concurrent, Timeout = TimeSpan.FromMinutes(10), TrialTimeout = TimeSpan.FromMinutes(2) },
    // A trial whose best accuracy so far is more than 0.01 below the best trial's at the same epoch is stopped (from epoch 3 on):
    // the accuracies of this data lie within a few points, so an absolute slack (slack_amount) fits better than a relative one.
    EarlyTermination = bayesian ? null : new BanditPolicy { SlackAmount = 0.01, EvaluationInterval = 1, DelayEvaluation = 2 },
    Tags = { ["sample"] = "sweep" },
});
Console.WriteLine($"Submitted sweep {sweep.Name} ({sampling} sampling, {trials} trials, {concurrent} at a time) in workspace {ws.LocalDirectory}.");
Console.WriteLine("Its decisions (azureml-logs/hyperdrive.txt):");
await sweep.StreamAsync(new HyperdriveLines(Console.Out));
Console.WriteLine();

// The trial table: hyperparameters (the trials' params), final metrics, status.
var rows = new List<(Job Trial, double? Accuracy, double? ValLoss, int Epochs)>();
await foreach (var trial in ws.Jobs.ListAsync(sweep.Name))
{
    var metrics = await trial.Run.GetMetricsAsync();
    rows.Add((trial, metrics.TryGetValue("accuracy", out var a) && a.Count > 0 ? a.Max(p => p.Value) : null,
        metrics.TryGetValue("val_loss", out var v) && v.Count > 0 ? v[^1].Value : null, a?.Count ?? 0));
}
var best = sweep.Properties.GetValueOrDefault("best_child_run_id");
Console.WriteLine($"{"trial",-34} {"l2",8} {"epochs",6} {"logged",6} {"accuracy",9} {"val_loss",9}  status");
foreach (var (trial, accuracy, valLoss, logged) in rows.OrderBy(r => r.Trial.Name, StringComparer.Ordinal))
{
    var p = trial.Run.Params;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{trial.Name,-34} {double.Parse(p["l2"], CultureInfo.InvariantCulture),8:0.0000} {p["epochs"],6} {logged,6} {accuracy,9:0.0000} {valLoss,9:0.0000}  {trial.Status}{(trial.Name == best ? "  <- best" : "")}"));
}
Console.WriteLine();
var stopped = rows.Count(r => r.Trial.Status == JobStatus.Canceled);
Console.WriteLine($"Sweep {sweep.Name}: {sweep.Status}; best trial {best ?? "(none)"} with accuracy {sweep.Properties.GetValueOrDefault("score") ?? "-"}; "
    + $"{stopped} of {rows.Count} trials stopped early ({rows.Sum(r => r.Epochs)} of {rows.Sum(r => int.Parse(r.Trial.Run.Params["epochs"], CultureInfo.InvariantCulture))} epochs trained).");
if (sweep.Status != JobStatus.Completed || best is null)
{
    Console.Error.WriteLine($"The sweep did not complete with a best trial: {sweep.Error?.Code}: {sweep.Error?.Message}");
    return 1;
}

// Downloading the sweep downloads its best trial's output; register it.
var download = Path.Combine(Path.GetTempPath(), "sweep-" + sweep.Name);
await ws.Jobs.DownloadAsync(sweep.Name, download, outputName: "model");
var modelFolder = Path.Combine(download, "named-outputs", "model");
var bestParams = (await ws.Jobs.GetAsync(best)).Run.Params;
var model = await ws.RegisterModelAsync("quickstart-classifier-tuned", modelFolder,
    tags: new Dictionary<string, string>
    {
        ["sweep"] = sweep.Name, ["trial"] = best, ["accuracy"] = sweep.Properties["score"], ["l2"] = bestParams["l2"], ["epochs"] = bestParams["epochs"],
    },
    description: $"The quickstart classifier (ML.NET model zip) of sweep {sweep.Name}'s best trial {best}.");
Console.WriteLine($"Registered model {model.Name} version {model.Version} from {modelFolder}.");
Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s.");
return 0;

/// <summary>Passes the sweep's log through, keeping only its hyperdrive lines ([time][COMPONENT][LEVEL]message) without the time.</summary>
sealed class HyperdriveLines(TextWriter inner) : TextWriter
{
    private readonly System.Text.StringBuilder _line = new();

    public override System.Text.Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value != '\n')
        {
            _line.Append(value);
            return;
        }
        var line = _line.ToString().TrimEnd('\r');
        _line.Clear();
        if (line.StartsWith('[') && line.IndexOf("][", StringComparison.Ordinal) is > 0 and var end)
        {
            inner.WriteLine("  " + line[(end + 1)..]);
        }
    }
}

/// <summary>One trial: train the quickstart classifier with --l2 and --epochs, log per epoch into the job's run, save the model to --out.</summary>
static class Trial
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i].StartsWith("--", StringComparison.Ordinal) && args[i] != "--trial" && i + 1 < args.Length)
            {
                options[args[i][2..]] = args[++i];
            }
        }
        var l2 = double.Parse(options["l2"], CultureInfo.InvariantCulture);
        var epochs = (int)double.Parse(options["epochs"], CultureInfo.InvariantCulture);
        var seed = int.Parse(options["seed"], CultureInfo.InvariantCulture);
        var output = options["out"];

        var run = Run.GetContext(); // the trial's run: the sweep reads its "accuracy" as it is logged
        var (trainRows, testRows) = IrisLikeData.Generate(seed, noise: 1.6, trainPerClass: 150, testPerClass: 50);
        var ml = new MLContext(seed: seed);
        var train = ml.Data.LoadFromEnumerable(trainRows);
        var test = ml.Data.LoadFromEnumerable(testRows);
        ITransformer? model = null;
        for (var epoch = 1; epoch <= epochs; epoch++)
        {
            // As the quickstart: each epoch trains from scratch with two more L-BFGS iterations (deterministic with one thread).
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
                .Append(ml.Transforms.NormalizeMinMax("Features"))
                .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
                {
                    MaximumNumberOfIterations = epoch * 2, L2Regularization = (float)l2, OptimizationTolerance = 1e-12f, NumberOfThreads = 1,
                }))
                .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
            model = pipeline.Fit(train);
            var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
            run.Log("accuracy", metrics.MicroAccuracy, step: epoch);
            run.Log("val_loss", metrics.LogLoss, step: epoch);
            await run.FlushAsync();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch,2}: accuracy {metrics.MicroAccuracy:0.0000} val_loss {metrics.LogLoss:0.0000}"));
        }
        Directory.CreateDirectory(output);
        ml.Model.Save(model!, train.Schema, Path.Combine(output, "model.zip"));
        return 0;
    }
}

sealed class FlowerRow
{
    public string Label { get; set; } = "";

    [VectorType(IrisLikeData.FeatureCount)]
    public float[] Features { get; set; } = [];
}

/// <summary>The quickstart's data: three Gaussian clusters shaped like the iris flowers (4 features), from a fixed seed.</summary>
static class IrisLikeData
{
    public const int FeatureCount = 4;
    private static readonly string[] Classes = ["setosa", "versicolor", "virginica"];
    private static readonly double[][] Means = [[5.01, 3.43, 1.46, 0.25], [5.94, 2.77, 4.26, 1.33], [6.59, 2.97, 5.55, 2.03]];
    private static readonly double[][] Spreads = [[0.35, 0.38, 0.17, 0.11], [0.52, 0.31, 0.47, 0.20], [0.64, 0.32, 0.55, 0.27]];

    public static (List<FlowerRow> Train, List<FlowerRow> Test) Generate(int seed, double noise, int trainPerClass, int testPerClass)
    {
        var random = new Random(seed);
        List<FlowerRow> Make(int perClass)
        {
            var rows = new List<FlowerRow>(perClass * Classes.Length);
            for (var i = 0; i < perClass; i++)
            {
                for (var c = 0; c < Classes.Length; c++)
                {
                    var features = new float[FeatureCount];
                    for (var f = 0; f < FeatureCount; f++)
                    {
                        var u1 = 1.0 - random.NextDouble();
                        var u2 = random.NextDouble();
                        features[f] = (float)(Means[c][f] + (noise * Spreads[c][f] * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2)));
                    }
                    rows.Add(new FlowerRow { Label = Classes[c], Features = features });
                }
            }
            return rows;
        }
        return (Make(trainPerClass), Make(testPerClass));
    }
}
