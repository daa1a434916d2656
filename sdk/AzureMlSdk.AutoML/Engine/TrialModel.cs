using AzureMlSdk.AutoML.Featurization;
using AzureMlSdk.AutoML.Learners;
using AzureMlSdk.AutoML.Metrics;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AzureMlSdk.AutoML.Engine;

/// <summary>Fits one learner configuration: featurisation + (scaling) + trainer (+ the key → class value mapping), and reads its predictions.</summary>
internal static class TrialModel
{
    public const string PredictedLabel = "PredictedLabel";
    public const string Score = "Score";

    public static IEstimator<ITransformer> Pipeline(MLContext ml, PreparedData data, Learner learner, IReadOnlyDictionary<string, double> config)
    {
        var chain = data.Plan.Estimator(ml);
        if (learner.Normalize)
        {
            chain = chain.Append(ml.Transforms.NormalizeMinMax(FeaturizationPlan.FeaturesColumn));
        }
        var withTrainer = chain.Append(learner.Build(ml, config));
        return data.Task == LearnerTask.Classification
            ? withTrainer.Append(ml.Transforms.Conversion.MapKeyToValue(PredictedLabel, PredictedLabel))
            : withTrainer;
    }

    /// <summary>Class probabilities per row (classification): the model's scores, clipped at 0 and normalised to sum 1.</summary>
    public static double[][] Probabilities(ITransformer model, IDataView features)
    {
        var scored = model.Transform(features);
        return scored.GetColumn<float[]>(Score).Select(Normalize).ToArray();
    }

    public static double[] Normalize(float[] scores)
    {
        var p = scores.Select(s => float.IsFinite(s) ? Math.Max(0, (double)s) : 0).ToArray();
        var sum = p.Sum();
        return sum > 0 ? p.Select(x => x / sum).ToArray() : p.Select(_ => 1.0 / p.Length).ToArray();
    }

    public static double[] Predictions(ITransformer model, IDataView features) =>
        model.Transform(features).GetColumn<float>(Score).Select(v => (double)v).ToArray();

    public static string[] Labels(ITransformer model, IDataView features) =>
        model.Transform(features).GetColumn<ReadOnlyMemory<char>>(PredictedLabel).Select(v => v.ToString()).ToArray();

    /// <summary>The task's metrics of out-of-fold predictions.</summary>
    public static MetricSet Evaluate(PreparedData data, int[] rows, double[][]? probabilities, double[]? predictions) =>
        data.Task == LearnerTask.Classification
            ? TaskMetrics.Classification(data.ClassIndices(rows), probabilities!, data.Classes)
            : TaskMetrics.Regression(data.Numbers(rows), predictions!, data.TargetRange);
}
