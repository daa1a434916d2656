using System.Globalization;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Featurization;
using AzureMlSdk.AutoML.Learners;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Transforms;

namespace AzureMlSdk.AutoML.Engine;

/// <summary>One validation fold: rows to train on and rows to score, as indices into <see cref="PreparedData.Rows"/>.</summary>
internal sealed record Fold(int[] Train, int[] Valid);

/// <summary>
/// The training (and validation) data checked, featurisation planned and folds chosen: what every trial shares.
/// Classification targets are text (the model answers the target's own values); regression and forecasting targets numbers.
/// </summary>
internal sealed class PreparedData
{
    public const string TargetText = "__target";
    public const string Label = "Label";

    public required TabularData Rows { get; init; }

    public required string Target { get; init; }

    public required LearnerTask Task { get; init; }

    public required FeaturizationPlan Plan { get; init; }

    public required List<Fold> Folds { get; init; }

    /// <summary>Rows the final model of a trial is fitted on (all training rows; the training part of a holdout split).</summary>
    public required int[] FitRows { get; init; }

    /// <summary>The classes, in the model's key order (classification).</summary>
    public string[] Classes { get; init; } = [];

    /// <summary>max − min of the target (normalised regression metrics).</summary>
    public double TargetRange { get; init; }

    public required string ValidationDescription { get; init; }

    /// <summary>The rows <c>test_data_size</c> held out of the training data (raw columns), scored with the best model at the end.</summary>
    public TabularData? HeldOutTest { get; init; }

    /// <summary>Forecasting: how raw rows become model rows, and the training series a test row continues.</summary>
    public ForecastLayout? Forecast { get; init; }

    public List<string> Log { get; } = [];

    private ValueToKeyMappingTransformer? _labelMap;

    public string?[] TargetValues(IEnumerable<int> rows)
    {
        var index = Rows.IndexOf(Target);
        return rows.Select(r => Rows.Rows[r][index]).ToArray();
    }

    /// <summary>The true class indices (classification) of <paramref name="rows"/>.</summary>
    public int[] ClassIndices(int[] rows) => TargetValues(rows).Select(v => Array.IndexOf(Classes, v)).ToArray();

    public double[] Numbers(int[] rows) => TargetValues(rows).Select(v => double.Parse(v!, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The model's inputs for <paramref name="rows"/> (no target).</summary>
    public IDataView Features(int[] rows) => Plan.ToFrame(Rows.WithRows(rows));

    /// <summary>Inputs plus the label column the trainers read.</summary>
    public IDataView Labelled(MLContext ml, int[] rows)
    {
        var frame = Plan.ToFrame(Rows.WithRows(rows));
        if (Task == LearnerTask.Regression)
        {
            frame.Columns.Add(new PrimitiveDataFrameColumn<float>(Label, Numbers(rows).Select(v => (float)v)));
            return frame;
        }
        frame.Columns.Add(new StringDataFrameColumn(TargetText, TargetValues(rows).Select(v => v ?? "")));
        _labelMap ??= LabelMap(ml);
        return _labelMap.Transform(frame);
    }

    private ValueToKeyMappingTransformer LabelMap(MLContext ml)
    {
        // One mapping for every fold and trial: class i is Classes[i] everywhere.
        var all = new DataFrame(new StringDataFrameColumn(TargetText, Classes));
        return ml.Transforms.Conversion.MapValueToKey(Label, TargetText, keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(all);
    }

    /// <summary>Reads, checks and prepares the job's data.</summary>
    public static PreparedData Prepare(AutoMLJob job, Func<Input, string> resolve)
    {
        var target = job.TargetColumnName!;
        var train = TabularData.Load(resolve(job.TrainingData!));
        var task = job.Task == AutoMLTask.Classification ? LearnerTask.Classification : LearnerTask.Regression;
        Check(train, job, "training data");
        TabularData? valid = null;
        if (job.ValidationData is not null)
        {
            valid = TabularData.Load(resolve(job.ValidationData));
            Check(valid, job, "validation data");
            var missing = train.Columns.FirstOrDefault(c => valid.IndexOf(c) < 0);
            if (missing is not null)
            {
                throw new AutoMLDataException(AutoMLDataProblem.SchemaMismatch, $"The validation data has no column '{missing}', which the training data has.", missing);
            }
            valid = new TabularData(train.Columns, valid.Rows.Select(r => train.Columns.Select(c => r[valid.IndexOf(c)]).ToArray()).ToList(), valid.Source);
        }
        var log = new List<string>();
        train = DropMissingTargets(train, target, log, "training");
        if (valid is not null)
        {
            valid = DropMissingTargets(valid, target, log, "validation");
        }
        TabularData? heldOut = null;
        if (job.TestDataSize is { } testSize && job.Task != AutoMLTask.Forecasting)
        {
            (train, heldOut) = TestHoldout.Split(train, target, task == LearnerTask.Classification, testSize, log);
        }
        var targetIndex = train.IndexOf(target);
        string[] classes = [];
        double range = 0;
        if (task == LearnerTask.Classification)
        {
            classes = train.Column(targetIndex).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray()!;
            if (classes.Length < 2)
            {
                throw new AutoMLDataException(AutoMLDataProblem.SingleClass, $"The target column '{target}' has a single class ('{classes.FirstOrDefault()}'): classification needs at least two.", target);
            }
            if (valid is not null)
            {
                var unseen = valid.Column(targetIndex).FirstOrDefault(v => !classes.Contains(v));
                if (unseen is not null)
                {
                    log.Add($"validation rows of class '{unseen}', absent from the training data, count as errors");
                    classes = [.. classes, .. valid.Column(targetIndex).Distinct(StringComparer.Ordinal).Where(v => !classes.Contains(v)).Order(StringComparer.Ordinal)!];
                    classes = classes.Order(StringComparer.Ordinal).ToArray();
                }
            }
        }
        else
        {
            foreach (var (data, what) in new[] { (train, "training"), (valid, "validation") })
            {
                if (data is null)
                {
                    continue;
                }
                var bad = data.Column(targetIndex).FirstOrDefault(v => !ColumnProfile.TryNumber(v, out _));
                if (bad is not null)
                {
                    throw new AutoMLDataException(AutoMLDataProblem.NonNumericTarget, $"The {what} target column '{target}' holds '{AzureMlSdk.Validate.Shorten(bad)}': {(job.Task == AutoMLTask.Forecasting ? "forecasting" : "regression")} needs numbers. For categories use a classification job.", target);
                }
            }
            var all = train.Column(targetIndex).Concat(valid?.Column(targetIndex) ?? []).Select(v => double.Parse(v!, NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();
            range = all.Max() - all.Min();
        }

        var exclude = new HashSet<string>(StringComparer.Ordinal) { target };
        if (job.WeightColumnName is { } weight)
        {
            Require(train, weight, "weight_column_name");
            exclude.Add(weight);
            log.Add($"{weight}: sample weights are not used by the local AutoML (ignored)");
        }
        foreach (var c in job.CvSplitColumnNames)
        {
            Require(train, c, "cv_split_column_names");
            exclude.Add(c);
        }

        if (job.Task == AutoMLTask.Forecasting)
        {
            return Forecasting.Prepare(job, train, log);
        }

        // Validation: the given data, n_cross_validations folds, a validation_data_size split, or Azure's rule by size.
        List<Fold> folds;
        int[] fitRows;
        string description;
        var rows = train.Rows;
        var trainCount = rows.Count;
        if (valid is not null)
        {
            rows = [.. rows, .. valid.Rows];
            fitRows = Enumerable.Range(0, trainCount).ToArray();
            folds = [new Fold(fitRows, Enumerable.Range(trainCount, valid.RowCount).ToArray())];
            description = $"validation data ({valid.RowCount} rows)";
        }
        else
        {
            var k = job.NCrossValidations ?? (job.ValidationDataSize is null && trainCount < 20_000 ? 3 : 0);
            var shuffled = Enumerable.Range(0, trainCount).ToArray();
            new Random(1).Shuffle(shuffled);
            // Position of each row within its class (classification: stratified folds and splits) or overall.
            var position = new int[trainCount];
            var ti = targetIndex;
            foreach (var group in shuffled.GroupBy(i => task == LearnerTask.Classification ? train.Rows[i][ti] : ""))
            {
                var n = 0;
                foreach (var row in group)
                {
                    position[row] = n++;
                }
            }
            if (k >= 2)
            {
                if (trainCount < k * 2)
                {
                    throw new AutoMLDataException(AutoMLDataProblem.EmptyData, string.Create(CultureInfo.InvariantCulture, $"{trainCount} training rows are too few for {k} cross-validation folds."));
                }
                folds = Enumerable.Range(0, k).Select(f => new Fold(
                    Enumerable.Range(0, trainCount).Where(i => position[i] % k != f).ToArray(),
                    Enumerable.Range(0, trainCount).Where(i => position[i] % k == f).ToArray())).ToList();
                fitRows = Enumerable.Range(0, trainCount).ToArray();
                description = string.Create(CultureInfo.InvariantCulture, $"{k}-fold cross-validation");
            }
            else
            {
                var size = job.ValidationDataSize ?? 0.1;
                // Row n of its class is held out when n·size crosses an integer: the fraction exactly, per class.
                var validRows = Enumerable.Range(0, trainCount).Where(i => Math.Floor((position[i] + 1) * size) > Math.Floor(position[i] * size)).ToHashSet();
                if (validRows.Count == 0 || validRows.Count == trainCount)
                {
                    throw new AutoMLDataException(AutoMLDataProblem.EmptyData, string.Create(CultureInfo.InvariantCulture, $"{trainCount} training rows are too few to hold out a validation fraction of {size}."));
                }
                fitRows = Enumerable.Range(0, trainCount).Where(i => !validRows.Contains(i)).ToArray();
                folds = [new Fold(fitRows, validRows.Order().ToArray())];
                description = string.Create(CultureInfo.InvariantCulture, $"train/validation split ({validRows.Count} validation rows)");
            }
        }
        var table = new TabularData(train.Columns, rows, train.Source);
        var plan = FeaturizationPlan.Create(train, job, exclude);
        var prepared = new PreparedData
        {
            Rows = table,
            Target = target,
            Task = task,
            Plan = plan,
            Folds = folds,
            FitRows = fitRows,
            Classes = classes,
            TargetRange = range,
            ValidationDescription = description,
            HeldOutTest = heldOut,
        };
        prepared.Log.AddRange(log);
        prepared.Log.AddRange(plan.Log);
        return prepared;
    }

    private static void Check(TabularData data, AutoMLJob job, string what)
    {
        if (data.RowCount == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.EmptyData, $"The {what} '{data.Source}' has no rows.");
        }
        if (data.IndexOf(job.TargetColumnName!) < 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.MissingTargetColumn,
                $"The {what} has no target column '{job.TargetColumnName}'. Its columns: {string.Join(", ", data.Columns)}.{AutoMLJob.Suggest(job.TargetColumnName!, data.Columns)}", job.TargetColumnName);
        }
    }

    internal static void Require(TabularData data, string column, string setting)
    {
        if (data.IndexOf(column) < 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.MissingColumn, $"'{setting}' names column '{column}', which the training data does not have (columns: {string.Join(", ", data.Columns)}).", column);
        }
    }

    private static TabularData DropMissingTargets(TabularData data, string target, List<string> log, string what)
    {
        var index = data.IndexOf(target);
        var kept = data.Rows.Where(r => r[index] is not null).ToList();
        if (kept.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.EmptyData, $"Every {what} row has an empty target '{target}': nothing to learn from.", target);
        }
        if (kept.Count < data.RowCount)
        {
            log.Add(string.Create(CultureInfo.InvariantCulture, $"{data.RowCount - kept.Count} {what} rows without a target value dropped"));
        }
        return data.WithRows(kept);
    }
}
