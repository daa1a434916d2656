using System.Globalization;
using System.Text.Json;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Engine;
using AzureMlSdk.AutoML.Learners;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AzureMlSdk.AutoML.Export;

/// <summary>How the exported ONNX model was checked against ML.NET.</summary>
internal sealed record OnnxCheck(bool Passed, int Rows, double MaxProbabilityDifference, int LabelMismatches, string? Error);

/// <summary>
/// A trial's artifacts in Azure AutoML's layout: <c>outputs/model.onnx</c> (featurisation and model in one graph; inputs
/// are the raw columns by name; outputs <c>label</c> with the target's own values and <c>probabilities</c> per class in
/// <c>classes.json</c>'s order, or <c>prediction</c> for regression), <c>outputs/model.zip</c> (ML.NET), and
/// <c>outputs/mlflow-model/</c> (MLmodel with the ONNX flavour and signature, model.onnx, conda.yaml).
/// </summary>
internal static class ModelExport
{
    public const string LabelOutput = "label";
    public const string ProbabilitiesOutput = "probabilities";
    public const string PredictionOutput = "prediction";

    /// <summary>ONNX metadata key: <c>classification</c> or <c>regression</c> (forecasting models are regressions over lag features).</summary>
    public const string TaskMetadata = "azureml.automl.task";

    /// <summary>ONNX metadata key: the target's classes as a JSON array, in the order of the <c>probabilities</c> output.</summary>
    public const string ClassesMetadata = "azureml.automl.classes";

    /// <summary>ONNX metadata key: the target column's name.</summary>
    public const string TargetMetadata = "azureml.automl.target";

    /// <summary>ONNX metadata key: the date columns (JSON array) whose parts <c>&lt;name&gt;_year</c>, <c>_month</c>, <c>_day</c>, <c>_dayofweek</c>, <c>_hour</c> are inputs.</summary>
    public const string DateColumnsMetadata = "azureml.automl.date_columns";

    public static byte[] ToOnnx(MLContext ml, ITransformer model, PreparedData data)
    {
        var sample = data.Features(data.FitRows.Take(Math.Min(100, data.FitRows.Length)).ToArray());
        using var stream = new MemoryStream();
        var outputs = data.Task == LearnerTask.Classification ? new[] { TrialModel.PredictedLabel, TrialModel.Score } : [TrialModel.Score];
        ml.Model.ConvertToOnnx(model, sample, stream, outputs);
        var rename = data.Task == LearnerTask.Classification
            ? new Dictionary<string, string> { ["PredictedLabel.output"] = LabelOutput, ["Score.output"] = ProbabilitiesOutput }
            : new Dictionary<string, string> { ["Score.output"] = PredictionOutput };
        return WithMetadata(OnnxGraphEditor.Edit(stream.ToArray(), name => !name.StartsWith("mlnet.", StringComparison.Ordinal), rename), data);
    }

    /// <summary>
    /// Sets the model's metadata (ONNX <c>metadata_props</c>) that a scorer needs to answer in the training data's own terms: the
    /// task, the classes in the order of the <c>probabilities</c> output, the target's name and the date columns given as parts.
    /// </summary>
    public static byte[] WithMetadata(byte[] onnx, PreparedData data)
    {
        var metadata = new Dictionary<string, string>
        {
            [TaskMetadata] = data.Task == LearnerTask.Classification ? "classification" : "regression",
            [TargetMetadata] = data.Target,
            [DateColumnsMetadata] = JsonSerializer.Serialize(data.Plan.DateColumns),
        };
        if (data.Task == LearnerTask.Classification)
        {
            metadata[ClassesMetadata] = JsonSerializer.Serialize(data.Classes);
        }
        return OnnxGraphEditor.SetMetadata(onnx, metadata);
    }

    /// <summary>The ONNX model's predictions of raw rows (featurised by <paramref name="data"/>'s plan): labels and normalised probabilities, or values.</summary>
    public static (string[]? Labels, double[][]? Probabilities, double[]? Predictions) Predict(string onnxFile, PreparedData data, TabularData rows)
    {
        using var session = new InferenceSession(onnxFile);
        var frame = data.Plan.ToFrame(rows);
        var n = rows.RowCount;
        var inputs = new List<NamedOnnxValue>();
        foreach (var name in session.InputMetadata.Keys)
        {
            var column = frame.Columns[name];
            inputs.Add(session.InputMetadata[name].ElementType == typeof(string)
                ? NamedOnnxValue.CreateFromTensor(name, new DenseTensor<string>(Enumerable.Range(0, n).Select(i => (string)column[i]).ToArray(), [n, 1]))
                : NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(Enumerable.Range(0, n).Select(i => (float)column[i]).ToArray(), [n, 1])));
        }
        using var results = session.Run(inputs);
        if (data.Task == LearnerTask.Classification)
        {
            var labels = ((DenseTensor<string>)results.First(r => r.Name == LabelOutput).Value).ToArray();
            var scores = (DenseTensor<float>)results.First(r => r.Name == ProbabilitiesOutput).Value;
            var k = data.Classes.Length;
            return (labels, Enumerable.Range(0, n).Select(i => TrialModel.Normalize(Enumerable.Range(0, k).Select(c => scores[i, c]).ToArray())).ToArray(), null);
        }
        return (null, null, ((DenseTensor<float>)results.First(r => r.Name == PredictionOutput).Value).ToArray().Select(v => (double)v).ToArray());
    }

    /// <summary>Runs the ONNX model with ONNX Runtime on held-out rows and compares it with ML.NET's predictions of the same rows.</summary>
    public static OnnxCheck Verify(string onnxFile, PreparedData data, int[] rows, string[]? mlLabels, double[][]? mlProbabilities, double[]? mlPredictions)
    {
        try
        {
            using var session = new InferenceSession(onnxFile);
            var subset = data.Rows.WithRows(rows);
            var frame = data.Plan.ToFrame(subset);
            var inputs = new List<NamedOnnxValue>();
            foreach (var name in session.InputMetadata.Keys)
            {
                var column = frame.Columns[name];
                if (session.InputMetadata[name].ElementType == typeof(string))
                {
                    inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<string>(Enumerable.Range(0, rows.Length).Select(i => (string)column[i]).ToArray(), [rows.Length, 1])));
                }
                else
                {
                    inputs.Add(NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(Enumerable.Range(0, rows.Length).Select(i => (float)column[i]).ToArray(), [rows.Length, 1])));
                }
            }
            using var results = session.Run(inputs);
            var maxDiff = 0.0;
            var mismatches = 0;
            if (data.Task == LearnerTask.Classification)
            {
                var labels = ((DenseTensor<string>)results.First(r => r.Name == LabelOutput).Value).ToArray();
                var scores = (DenseTensor<float>)results.First(r => r.Name == ProbabilitiesOutput).Value;
                var k = data.Classes.Length;
                for (var i = 0; i < rows.Length; i++)
                {
                    if (labels[i] != mlLabels![i])
                    {
                        mismatches++;
                    }
                    var p = TrialModel.Normalize(Enumerable.Range(0, k).Select(c => scores[i, c]).ToArray());
                    for (var c = 0; c < k; c++)
                    {
                        maxDiff = Math.Max(maxDiff, Math.Abs(p[c] - mlProbabilities![i][c]));
                    }
                }
            }
            else
            {
                var predictions = ((DenseTensor<float>)results.First(r => r.Name == PredictionOutput).Value).ToArray();
                for (var i = 0; i < rows.Length; i++)
                {
                    maxDiff = Math.Max(maxDiff, Math.Abs(predictions[i] - mlPredictions![i]) / Math.Max(1, Math.Abs(mlPredictions[i])));
                }
            }
            return new OnnxCheck(mismatches == 0 && maxDiff < 1e-3, rows.Length, maxDiff, mismatches, null);
        }
        catch (Exception e) when (e is OnnxRuntimeException or InvalidCastException or KeyNotFoundException or InvalidOperationException)
        {
            return new OnnxCheck(false, rows.Length, double.NaN, 0, e.Message);
        }
    }

    /// <summary>Writes <c>mlflow-model/</c>: MLmodel (onnx + python_function flavours, signature), model.onnx, conda.yaml, classes.json.</summary>
    public static void WriteMlflowModel(string folder, string onnxFile, PreparedData data, string runId)
    {
        Directory.CreateDirectory(folder);
        File.Copy(onnxFile, Path.Combine(folder, "model.onnx"), overwrite: true);
        var inputs = data.Plan.InputColumns.Select(c => new Dictionary<string, string> { ["name"] = c, ["type"] = data.Plan.IsStringInput(c) ? "string" : "float" }).ToList();
        var outputs = data.Task == LearnerTask.Classification
            ? new List<Dictionary<string, string>> { new() { ["name"] = LabelOutput, ["type"] = "string" }, new() { ["name"] = ProbabilitiesOutput, ["type"] = "float" } }
            : [new() { ["name"] = PredictionOutput, ["type"] = "float" }];
        var created = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        var mlmodel = $"""
            artifact_path: outputs/mlflow-model
            flavors:
              onnx:
                code: null
                data: model.onnx
                onnx_version: 1.17.0
                providers:
                - CPUExecutionProvider
              python_function:
                data: model.onnx
                env:
                  conda: conda.yaml
                loader_module: mlflow.onnx
                python_version: 3.10.14
            mlflow_version: 2.16.0
            model_size_bytes: {new FileInfo(onnxFile).Length}
            model_uuid: {Guid.NewGuid():N}
            run_id: {runId}
            signature:
              inputs: '{JsonSerializer.Serialize(inputs)}'
              outputs: '{JsonSerializer.Serialize(outputs)}'
              params: null
            utc_time_created: '{created}'

            """;
        File.WriteAllText(Path.Combine(folder, "MLmodel"), mlmodel.Replace("\r\n", "\n", StringComparison.Ordinal));
        File.WriteAllText(Path.Combine(folder, "conda.yaml"), "channels:\n- conda-forge\ndependencies:\n- python=3.10.14\n- pip\n- pip:\n  - mlflow==2.16.0\n  - onnx==1.17.0\n  - onnxruntime==1.19.2\nname: mlflow-env\n");
        if (data.Task == LearnerTask.Classification)
        {
            File.WriteAllText(Path.Combine(folder, "classes.json"), JsonSerializer.Serialize(data.Classes));
        }
    }
}
