// Quickstart: train a small real classifier with ML.NET, track it in a local workspace, export it to
// ONNX, check the ONNX file with ONNX Runtime, and register it as a model.
//
//   dotnet run samples/quickstart.cs                         (from the repository root)
//   dotnet run samples/quickstart.cs -- --l2 0.5 --epochs 8  (other hyperparameters, for comparing runs)
//
// The workspace is ./.azureml/local (or $AZUREML_LOCAL_DIR). Each run adds a run to experiment
// "quickstart" and a version of model "quickstart-classifier". Then: dotnet run samples/compare_runs.cs
#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../sdk/AzureMlSdk.Serving/AzureMlSdk.Serving.csproj
#:package Microsoft.ML
#:package Microsoft.ML.OnnxConverter
#:package Microsoft.ML.OnnxRuntime
#:property PublishAot=false

using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json.Nodes;
using AzureMlSdk;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Trainers;

const int IterationsPerEpoch = 2;
var clock = Stopwatch.StartNew();
var options = QuickstartOptions.Parse(args);
var outputDir = Path.Combine(SamplePaths.SamplesDirectory, "outputs", "quickstart-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture));
Directory.CreateDirectory(outputDir);

// 1. Data: three Gaussian clusters shaped like the iris flowers (4 features), generated with a fixed seed.
var (trainRows, testRows) = IrisLikeData.Generate(options.Seed, options.Noise, trainPerClass: 150, testPerClass: 50);

// 2. The workspace, the experiment and the run.
await using var ws = Workspace.Local();
var experiment = await ws.GetOrCreateExperimentAsync("quickstart");
await using var run = await experiment.StartLoggingAsync(displayName: $"lbfgs-l2-{options.L2.ToString(CultureInfo.InvariantCulture)}");
Console.WriteLine($"Run {run.Id} started in experiment '{experiment.Name}' (workspace {ws.LocalDirectory}).");

try
{
    run.Tag("sample", "quickstart");
    run.LogParam("trainer", "LbfgsMaximumEntropy");
    run.LogParam("epochs", options.Epochs);
    run.LogParam("l2", options.L2);
    run.LogParam("iterations_per_epoch", IterationsPerEpoch);
    run.LogParam("seed", options.Seed);
    run.LogParam("noise", options.Noise);
    run.LogParam("train_rows", trainRows.Count);
    run.LogParam("test_rows", testRows.Count);
    run.LogParam("features", IrisLikeData.FeatureCount);
    run.LogParam("classes", IrisLikeData.Classes.Length);

    // 3. Training: L-BFGS maximum entropy, IterationsPerEpoch more optimizer iterations per epoch (each epoch
    //    trains from scratch with a larger iteration budget, which is deterministic with one thread), evaluated each epoch.
    var ml = new MLContext(seed: options.Seed);
    var train = ml.Data.LoadFromEnumerable(trainRows);
    var test = ml.Data.LoadFromEnumerable(testRows);
    var history = new List<(int Epoch, double Loss, double ValLoss, double Accuracy)>();
    ITransformer? model = null;
    MulticlassClassificationMetrics? last = null;
    for (var epoch = 1; epoch <= options.Epochs; epoch++)
    {
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(new LbfgsMaximumEntropyMulticlassTrainer.Options
            {
                MaximumNumberOfIterations = epoch * IterationsPerEpoch,
                L2Regularization = (float)options.L2,
                OptimizationTolerance = 1e-12f,
                NumberOfThreads = 1,
            }))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        model = pipeline.Fit(train);
        var trainMetrics = ml.MulticlassClassification.Evaluate(model.Transform(train));
        last = ml.MulticlassClassification.Evaluate(model.Transform(test));

        run.Log("loss", trainMetrics.LogLoss, step: epoch);
        run.Log("val_loss", last.LogLoss, step: epoch);
        run.Log("train_accuracy", trainMetrics.MicroAccuracy, step: epoch);
        run.Log("accuracy", last.MicroAccuracy, step: epoch);
        run.LogRow("epochs", new { epoch, loss = trainMetrics.LogLoss, val_loss = last.LogLoss, train_accuracy = trainMetrics.MicroAccuracy, accuracy = last.MicroAccuracy });
        history.Add((epoch, trainMetrics.LogLoss, last.LogLoss, last.MicroAccuracy));
        Console.WriteLine($"  epoch {epoch,2}: loss {trainMetrics.LogLoss:F4}  val_loss {last.LogLoss:F4}  accuracy {last.MicroAccuracy:P1}");
    }
    if (model is null || last is null)
    {
        throw new InvalidOperationException("--epochs must be at least 1.");
    }
    run.Log("macro_accuracy", last.MacroAccuracy);
    run.LogTable("confusion", ConfusionTable(last.ConfusionMatrix));

    // 4. The loss curve, as a PNG drawn by the small dependency-free plotter below.
    var pngPath = Path.Combine(outputDir, "loss_curve.png");
    File.WriteAllBytes(pngPath, LossCurve.Render(history));
    run.LogImage("loss_curve", pngPath);

    // 5. ONNX export, checked with ONNX Runtime against ML.NET's own predictions.
    var onnxPath = Path.Combine(outputDir, "model.onnx");
    using (var stream = File.Create(onnxPath))
    {
        ml.Model.ConvertToOnnx(model, train, stream);
    }
    var check = OnnxCheck.Run(onnxPath, ml, model, testRows);
    Console.WriteLine($"ONNX Runtime: {check.Agreement:P1} of {testRows.Count} test rows predicted as ML.NET does; e.g. {check.Example}");
    if (check.Agreement < 0.99)
    {
        throw new InvalidOperationException($"The ONNX model disagrees with ML.NET on {1 - check.Agreement:P1} of the test rows.");
    }
    run.Log("onnx_agreement", check.Agreement);

    // 6. Upload and register the model; point the 'production' alias at the new version.
    await run.UploadFileAsync("outputs/model.onnx", onnxPath);
    var registered = await run.RegisterModelAsync(
        "quickstart-classifier",
        "outputs/model.onnx",
        tags: new Dictionary<string, string>
        {
            ["accuracy"] = last.MicroAccuracy.ToString("F4", CultureInfo.InvariantCulture),
            ["dataset"] = "synthetic-iris",
            ["trainer"] = "LbfgsMaximumEntropy",
        },
        description: "3-class classifier over 4 float features (input 'Features' [N,4]); ONNX exported from ML.NET.");
    await registered.SetAliasAsync("production");

    await run.CompleteAsync();

    // 7. Deploy the production model to a local online endpoint (served over HTTP on 127.0.0.1, no Docker) and invoke it.
    var endpoint = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("quickstart-ep") { Description = "quickstart classifier" });
    await endpoint.DeployAsync(new OnlineDeploymentSpec("blue", registered) { AllTraffic = true });
    var sample = testRows[1];
    // The graph ML.NET exports also takes the label column as an input; it plays no part in scoring.
    var request = new JsonObject
    {
        ["inputs"] = new JsonObject
        {
            ["Features"] = new JsonArray(new JsonArray([.. sample.Features.Select(v => (JsonNode?)JsonValue.Create(v))])),
            ["Label"] = new JsonArray(new JsonArray(JsonValue.Create(""))),
        },
    }.ToJsonString();
    var reply = await endpoint.InvokeAsync(request);
    var predictedLabel = JsonNode.Parse(reply)?["predictions"]?.AsObject().FirstOrDefault(p => p.Key.StartsWith("PredictedLabel", StringComparison.Ordinal)).Value?[0]?[0]?.GetValue<string>();

    // 8. Summary, read back from the workspace.
    var metrics = await run.GetMetricsAsync();
    var files = await run.GetFileNamesAsync();
    var production = await ws.GetModelAsync("quickstart-classifier", alias: "production");
    Console.WriteLine();
    Console.WriteLine($"Run        {run.Id} ({run.DisplayName}) -> {run.Status}");
    Console.WriteLine($"Metrics    {string.Join(", ", metrics.Select(m => $"{m.Key}={m.Value[^1].Value:F4} ({m.Value.Count} pts)"))}");
    Console.WriteLine($"Artifacts  {string.Join(", ", files)}");
    Console.WriteLine($"Model      {registered.Name}:{registered.Version} ({registered.Framework}); production -> {production.Name}:{production.Version}");
    Console.WriteLine($"Endpoint   {endpoint.Name} at {endpoint.ScoringUri} -> blue ({registered.Name}:{registered.Version})");
    Console.WriteLine($"Prediction [{string.Join(", ", sample.Features.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))}] -> {predictedLabel} (actual {sample.Label})");
    Console.WriteLine($"Workspace  {ws.LocalDirectory}");
    Console.WriteLine($"Outputs    {outputDir}");
    Console.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F1} s. Next: dotnet run samples/compare_runs.cs");
}
catch (Exception ex) when (run.Status == RunStatus.Running)
{
    // 'await using' alone would mark the run Completed: record the failure instead.
    await run.FailAsync(ex);
    throw;
}

static Dictionary<string, double[]> ConfusionTable(ConfusionMatrix matrix)
{
    // Columns: the actual class, then one column per predicted class (counts).
    var table = new Dictionary<string, double[]>
    {
        ["actual"] = Enumerable.Range(0, matrix.NumberOfClasses).Select(i => (double)i).ToArray(),
    };
    for (var predicted = 0; predicted < matrix.NumberOfClasses; predicted++)
    {
        table[$"predicted_{predicted}"] = Enumerable.Range(0, matrix.NumberOfClasses).Select(actual => matrix.Counts[actual][predicted]).ToArray();
    }
    return table;
}

/// <summary>Command-line options: --epochs N, --l2 X, --seed S, --noise F.</summary>
sealed record QuickstartOptions(int Epochs, double L2, int Seed, double Noise)
{
    public static QuickstartOptions Parse(string[] args)
    {
        var o = new QuickstartOptions(Epochs: 10, L2: 0.01, Seed: 42, Noise: 1.6);
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            o = args[i] switch
            {
                "--epochs" => o with { Epochs = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--l2" => o with { L2 = double.Parse(Next(), CultureInfo.InvariantCulture) },
                "--seed" => o with { Seed = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--noise" => o with { Noise = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'. Options: --epochs N, --l2 X, --seed S, --noise F."),
            };
        }
        if (o.Epochs < 1 || o.L2 < 0 || o.Noise <= 0)
        {
            throw new ArgumentException($"Need --epochs >= 1, --l2 >= 0 and --noise > 0; got {o}.");
        }
        return o;
    }
}

static class SamplePaths
{
    /// <summary>The folder holding this script (dotnet run sets it for file-based apps), else ./samples.</summary>
    public static string SamplesDirectory =>
        AppContext.GetData("EntryPointFileDirectoryPath") as string is { Length: > 0 } dir ? dir : Path.Combine(Environment.CurrentDirectory, "samples");
}

sealed class FlowerRow
{
    public string Label { get; set; } = "";

    [VectorType(IrisLikeData.FeatureCount)]
    public float[] Features { get; set; } = [];
}

sealed class FlowerPrediction
{
    public string PredictedLabel { get; set; } = "";
}

static class IrisLikeData
{
    public const int FeatureCount = 4;
    public static readonly string[] Classes = ["setosa", "versicolor", "virginica"];

    // Class means and spreads of sepal length/width, petal length/width (cm), after the iris data.
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
                        features[f] = (float)(Means[c][f] + (noise * Spreads[c][f] * Gaussian(random)));
                    }
                    rows.Add(new FlowerRow { Label = Classes[c], Features = features });
                }
            }
            return rows;
        }
        return (Make(trainPerClass), Make(testPerClass));
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

static class OnnxCheck
{
    /// <summary>Scores the rows with ONNX Runtime and returns the share of rows where it agrees with ML.NET.</summary>
    public static (double Agreement, string Example) Run(string onnxPath, MLContext ml, ITransformer model, IReadOnlyList<FlowerRow> rows)
    {
        var n = rows.Count;
        var flat = rows.SelectMany(r => r.Features).ToArray();
        using var session = new InferenceSession(onnxPath);
        var inputs = new List<NamedOnnxValue>();
        foreach (var (name, meta) in session.InputMetadata)
        {
            if (meta.ElementType == typeof(float))
            {
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(flat, [n, IrisLikeData.FeatureCount])));
            }
            else if (meta.ElementType == typeof(string))
            {
                // The label is an input of the exported graph (ML.NET maps it to a key) but plays no part in scoring.
                inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<string>(Enumerable.Repeat("", n).ToArray(), [n, 1])));
            }
            else
            {
                throw new InvalidOperationException($"Unexpected ONNX input '{name}' of type {meta.ElementType}.");
            }
        }
        using var results = session.Run(inputs);
        var predicted = results.First(r => r.Name.StartsWith("PredictedLabel", StringComparison.Ordinal)).AsTensor<string>().ToArray();
        var scores = results.First(r => r.Name.StartsWith("Score", StringComparison.Ordinal)).AsTensor<float>();

        var engine = ml.Model.CreatePredictionEngine<FlowerRow, FlowerPrediction>(model);
        var agree = rows.Select((row, i) => engine.Predict(row).PredictedLabel == predicted[i]).Count(same => same);
        var features = string.Join(", ", rows[1].Features.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)));
        var probabilities = string.Join(" ", Enumerable.Range(0, IrisLikeData.Classes.Length).Select(c => scores[1, c].ToString("F3", CultureInfo.InvariantCulture)));
        return ((double)agree / n, $"[{features}] -> {predicted[1]} (scores {probabilities}; actual {rows[1].Label})");
    }
}

/// <summary>A tiny line plot rendered to PNG with no dependency: RGB raster, 5x7 font, zlib + CRC-32.</summary>
static class LossCurve
{
    private const int Width = 720, Height = 420, Left = 64, Right = 24, Top = 44, Bottom = 52, Scale = 2;
    private static readonly (byte R, byte G, byte B) Background = (255, 255, 255), Axis = (60, 60, 60), Grid = (225, 225, 225);
    private static readonly (byte, byte, byte)[] Palette = [(31, 119, 180), (255, 127, 14), (44, 160, 44)];

    public static byte[] Render(IReadOnlyList<(int Epoch, double Loss, double ValLoss, double Accuracy)> history)
    {
        var pixels = new byte[Width * Height * 3];
        Fill(pixels, 0, 0, Width, Height, Background);
        var series = new (string Name, double[] Values)[]
        {
            ("train loss", history.Select(h => h.Loss).ToArray()),
            ("val loss", history.Select(h => h.ValLoss).ToArray()),
            ("accuracy", history.Select(h => h.Accuracy).ToArray()),
        };
        var finite = series.SelectMany(s => s.Values).Where(double.IsFinite).DefaultIfEmpty(1).Max();
        var yMax = Math.Ceiling(Math.Max(1.0, finite) * 5) / 5;
        var xMin = history[0].Epoch;
        var xMax = Math.Max(history[^1].Epoch, xMin + 1);
        int X(double epoch) => Left + (int)Math.Round((epoch - xMin) / (xMax - xMin) * (Width - Left - Right));
        int Y(double value) => Height - Bottom - (int)Math.Round(Math.Clamp(value, 0, yMax) / yMax * (Height - Top - Bottom));

        for (var i = 0; i <= 5; i++)
        {
            var v = yMax * i / 5;
            Fill(pixels, Left, Y(v), Width - Right - Left, 1, Grid);
            var label = v.ToString("F2", CultureInfo.InvariantCulture);
            Text(pixels, Left - 8 - (label.Length * 6 * Scale), Y(v) - (3 * Scale), label, Axis);
        }
        var every = Math.Max(1, (int)Math.Ceiling(history.Count / 12.0));
        foreach (var (epoch, _, _, _) in history.Where((_, i) => i % every == 0))
        {
            Fill(pixels, X(epoch), Height - Bottom, 1, 5, Axis);
            var label = epoch.ToString(CultureInfo.InvariantCulture);
            Text(pixels, X(epoch) - (label.Length * 3 * Scale), Height - Bottom + 10, label, Axis);
        }
        Fill(pixels, Left, Top, 1, Height - Top - Bottom + 1, Axis);
        Fill(pixels, Left, Height - Bottom, Width - Left - Right, 1, Axis);
        Text(pixels, (Width / 2) - (5 * 3 * Scale), Height - 22, "epoch", Axis);

        var legendX = Left + 8;
        for (var s = 0; s < series.Length; s++)
        {
            var color = Palette[s];
            for (var i = 1; i < series[s].Values.Length; i++)
            {
                Line(pixels, X(history[i - 1].Epoch), Y(series[s].Values[i - 1]), X(history[i].Epoch), Y(series[s].Values[i]), color);
            }
            foreach (var (point, i) in series[s].Values.Select((v, i) => (v, i)))
            {
                Fill(pixels, X(history[i].Epoch) - 3, Y(point) - 3, 7, 7, color);
            }
            Fill(pixels, legendX, 14, 14, 14, color);
            Text(pixels, legendX + 20, 14, series[s].Name, Axis);
            legendX += 20 + (series[s].Name.Length * 6 * Scale) + 24;
        }
        return Png.Encode(Width, Height, pixels);
    }

    private static void Fill(byte[] pixels, int x, int y, int w, int h, (byte R, byte G, byte B) c)
    {
        for (var yy = Math.Max(0, y); yy < Math.Min(Height, y + h); yy++)
        {
            for (var xx = Math.Max(0, x); xx < Math.Min(Width, x + w); xx++)
            {
                var o = ((yy * Width) + xx) * 3;
                pixels[o] = c.R;
                pixels[o + 1] = c.G;
                pixels[o + 2] = c.B;
            }
        }
    }

    private static void Line(byte[] pixels, int x0, int y0, int x1, int y1, (byte, byte, byte) c)
    {
        // Bresenham, 3 px thick.
        int dx = Math.Abs(x1 - x0), sx = x0 < x1 ? 1 : -1, dy = -Math.Abs(y1 - y0), sy = y0 < y1 ? 1 : -1, err = dx + dy;
        while (true)
        {
            Fill(pixels, x0 - 1, y0 - 1, 3, 3, c);
            if (x0 == x1 && y0 == y1)
            {
                return;
            }
            var e2 = 2 * err;
            if (e2 >= dy)
            {
                err += dy;
                x0 += sx;
            }
            if (e2 <= dx)
            {
                err += dx;
                y0 += sy;
            }
        }
    }

    private static void Text(byte[] pixels, int x, int y, string text, (byte, byte, byte) c)
    {
        foreach (var ch in text)
        {
            if (Font.TryGetValue(ch, out var rows))
            {
                for (var r = 0; r < 7; r++)
                {
                    for (var col = 0; col < 5; col++)
                    {
                        if (rows[r][col] == '#')
                        {
                            Fill(pixels, x + (col * Scale), y + (r * Scale), Scale, Scale, c);
                        }
                    }
                }
            }
            x += 6 * Scale;
        }
    }

    private static readonly Dictionary<char, string[]> Font = new()
    {
        ['0'] = [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."],
        ['1'] = ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."],
        ['2'] = [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        ['3'] = ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
        ['4'] = ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        ['5'] = ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        ['6'] = ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        ['7'] = ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        ['8'] = [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        ['9'] = [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        ['.'] = [".....", ".....", ".....", ".....", ".....", ".##..", ".##.."],
        ['a'] = [".....", ".....", ".###.", "....#", ".####", "#...#", ".####"],
        ['c'] = [".....", ".....", ".###.", "#....", "#....", "#...#", ".###."],
        ['e'] = [".....", ".....", ".###.", "#...#", "#####", "#....", ".###."],
        ['h'] = ["#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
        ['i'] = ["..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."],
        ['l'] = [".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."],
        ['n'] = [".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"],
        ['o'] = [".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."],
        ['p'] = [".....", ".....", "####.", "#...#", "####.", "#....", "#...."],
        ['r'] = [".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."],
        ['s'] = [".....", ".....", ".###.", "#....", ".###.", "....#", "####."],
        ['t'] = [".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."],
        ['u'] = [".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"],
        ['v'] = [".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
        ['y'] = [".....", ".....", "#...#", "#...#", ".####", "....#", ".###."],
    };
}

/// <summary>Minimal PNG writer: 8-bit RGB, one IDAT chunk, filter type 0.</summary>
static class Png
{
    private static readonly uint[] CrcTable = Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++)
        {
            c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return c;
    }).ToArray();

    public static byte[] Encode(int width, int height, byte[] rgb)
    {
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(0);
                z.Write(rgb, y * width * 3, width * 3);
            }
        }
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: RGB
        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(png, "IHDR", header);
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void Chunk(Stream output, string type, byte[] data)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buffer, data.Length);
        output.Write(buffer);
        var typeBytes = System.Text.Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        var crc = 0xFFFFFFFFu;
        foreach (var b in typeBytes.Concat(data))
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        BinaryPrimitives.WriteUInt32BigEndian(buffer, crc ^ 0xFFFFFFFFu);
        output.Write(buffer);
    }
}
