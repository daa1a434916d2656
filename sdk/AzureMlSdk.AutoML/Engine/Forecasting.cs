using System.Globalization;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Featurization;
using AzureMlSdk.AutoML.Learners;

namespace AzureMlSdk.AutoML.Engine;

/// <summary>One training series as the test scoring continues it: its times and target values, in time order.</summary>
internal sealed record SeriesHistory(List<DateTime> Times, List<double> Values);

/// <summary>
/// How a forecasting job turns raw rows into model rows: the raw columns, then the target's lags and rolling-window statistics
/// counted from the forecast origin (direct strategy). Shared by training and by the scoring of test data, so that a test row
/// gets exactly the features a training row gets.
/// </summary>
internal sealed class ForecastLayout
{
    private static readonly string[] RollingStats = ["mean", "min", "max"];

    public required string Target { get; init; }

    public required string TimeColumn { get; init; }

    public required IReadOnlyList<string> IdColumns { get; init; }

    /// <summary>The training data's own columns, in order: a model row starts with them.</summary>
    public required IReadOnlyList<string> RawColumns { get; init; }

    public required int Horizon { get; init; }

    public required IReadOnlyList<int> Lags { get; init; }

    public required int? Window { get; init; }

    /// <summary>The training series (after any <c>test_data_size</c> hold-out), by <see cref="SeriesKey"/>.</summary>
    public Dictionary<string, SeriesHistory> History { get; } = new(StringComparer.Ordinal);

    /// <summary>The raw columns followed by the lag and rolling-window columns.</summary>
    public List<string> Columns
    {
        get
        {
            var columns = new List<string>(RawColumns);
            columns.AddRange(Lags.Select(l => string.Create(CultureInfo.InvariantCulture, $"{Target}_lag{l}")));
            if (Window is { } w)
            {
                columns.AddRange(RollingStats.Select(s => string.Create(CultureInfo.InvariantCulture, $"{Target}_rolling_{s}{w}")));
            }
            return columns;
        }
    }

    /// <summary>The series of a row, by its <c>time_series_id_column_names</c> values (<paramref name="idIndices"/> gives their positions).</summary>
    public static string SeriesKey(string?[] row, int[] idIndices) => string.Join("\u001f", idIndices.Select(i => row[i] ?? ""));

    /// <summary>A readable name of a series key for messages.</summary>
    public string SeriesName(string key) => IdColumns.Count == 0 ? "the series" : $"series {string.Join(", ", IdColumns.Zip(key.Split('\u001f')).Select(p => $"{p.First}={p.Second}"))}";

    /// <summary>
    /// The model row of the value at position <paramref name="p"/> of its series: <paramref name="raw"/> (in <see cref="RawColumns"/> order)
    /// followed by lag l = the value H−1+l positions before, and the rolling window's mean, min and max over the w values ending H
    /// positions before (missing where the series has no value there). <paramref name="values"/> are the series' values in time order
    /// (NaN where one is missing).
    /// </summary>
    public string?[] Featurize(string?[] raw, IReadOnlyList<double> values, int p)
    {
        var row = new string?[RawColumns.Count + Lags.Count + (Window is null ? 0 : RollingStats.Length)];
        Array.Copy(raw, row, RawColumns.Count);
        var c = RawColumns.Count;
        foreach (var l in Lags)
        {
            var at = p - (Horizon - 1) - l;
            row[c++] = at >= 0 && !double.IsNaN(values[at]) ? values[at].ToString("R", CultureInfo.InvariantCulture) : null;
        }
        if (Window is { } w)
        {
            var end = p - Horizon;
            var span = Enumerable.Range(end - w + 1, w).Where(i => i >= 0 && i <= end && !double.IsNaN(values[i])).Select(i => values[i]).ToList();
            row[c++] = span.Count > 0 ? span.Average().ToString("R", CultureInfo.InvariantCulture) : null;
            row[c++] = span.Count > 0 ? span.Min().ToString("R", CultureInfo.InvariantCulture) : null;
            row[c] = span.Count > 0 ? span.Max().ToString("R", CultureInfo.InvariantCulture) : null;
        }
        return row;
    }

    /// <summary>The positions the features of the row at <paramref name="p"/> read.</summary>
    public IEnumerable<int> Reads(int p)
    {
        foreach (var l in Lags)
        {
            yield return p - (Horizon - 1) - l;
        }
        if (Window is { } w)
        {
            for (var i = p - Horizon - w + 1; i <= p - Horizon; i++)
            {
                yield return i;
            }
        }
    }
}

/// <summary>
/// Forecasting as regression over time features: rows sorted by series and time; the target's lags and rolling windows
/// (mean, min, max) become numeric features counted from the forecast origin (direct strategy: for a horizon H, lag l of
/// a row is the value H−1+l periods before it, so every feature of the H periods ahead is known at the origin); dates
/// become parts; series ids categories. Validation is rolling-origin: each fold trains on the rows up to an origin and
/// scores the next H periods, origins <c>cv_step_size</c> apart. <c>test_data_size</c> holds out the last rows of each series.
/// </summary>
internal static class Forecasting
{
    public static PreparedData Prepare(AutoMLJob job, TabularData train, List<string> log)
    {
        var settings = job.ForecastingSettings!;
        var target = job.TargetColumnName!;
        var timeColumn = settings.TimeColumnName!;
        PreparedData.Require(train, timeColumn, "forecasting.time_column_name");
        foreach (var id in settings.TimeSeriesIdColumnNames)
        {
            PreparedData.Require(train, id, "forecasting.time_series_id_column_names");
        }
        var timeIndex = train.IndexOf(timeColumn);
        var targetIndex = train.IndexOf(target);
        var idIndices = settings.TimeSeriesIdColumnNames.Select(train.IndexOf).ToArray();
        var times = ParseTimes(train, timeIndex, timeColumn);
        string SeriesKey(string?[] row) => ForecastLayout.SeriesKey(row, idIndices);
        var order = Enumerable.Range(0, train.RowCount).OrderBy(r => SeriesKey(train.Rows[r]), StringComparer.Ordinal).ThenBy(r => times[r]).ToArray();
        var dup = order.Zip(order.Skip(1)).FirstOrDefault(p => SeriesKey(train.Rows[p.First]) == SeriesKey(train.Rows[p.Second]) && times[p.First] == times[p.Second]);
        if (order.Length > 1 && dup != default)
        {
            throw new AutoMLDataException(AutoMLDataProblem.BadTimeColumn, $"The time column '{timeColumn}' has {train.Rows[dup.First][timeIndex]} twice in one series; give time_series_id_column_names or aggregate the rows.", timeColumn);
        }
        var horizon = settings.ForecastHorizon ?? 1;
        var layout = new ForecastLayout
        {
            Target = target,
            TimeColumn = timeColumn,
            IdColumns = [.. settings.TimeSeriesIdColumnNames],
            RawColumns = train.Columns,
            Horizon = horizon,
            Lags = settings.AutoTargetLags ? [1, 2, settings.Seasonality ?? 7] : settings.TargetLags.Distinct().Order().ToList(),
            Window = settings.AutoTargetRollingWindowSize ? Math.Max(2, settings.Seasonality ?? 7) : settings.TargetRollingWindowSize,
        };

        var rows = new List<string?[]>(order.Length);
        var sortedTimes = new List<DateTime>(order.Length);
        var heldOut = new List<string?[]>();
        foreach (var series in order.GroupBy(r => SeriesKey(train.Rows[r])))
        {
            var list = series.ToList();
            if (job.TestDataSize is { } size)
            {
                // The last ⌈size·n⌉ periods of each series are the test data (at least one period stays for training).
                var test = Math.Min(list.Count - 1, (int)Math.Ceiling(size * list.Count - 1e-9));
                heldOut.AddRange(list.Skip(list.Count - test).Select(r => train.Rows[r]));
                list = list.Take(list.Count - test).ToList();
            }
            var values = list.Select(r => ColumnProfile.TryNumber(train.Rows[r][targetIndex], out var v) ? v : double.NaN).ToList();
            layout.History[series.Key] = new SeriesHistory(list.Select(r => times[r]).ToList(), values);
            for (var p = 0; p < list.Count; p++)
            {
                rows.Add(layout.Featurize(train.Rows[list[p]], values, p));
                sortedTimes.Add(times[list[p]]);
            }
        }
        if (job.TestDataSize is { } fraction)
        {
            if (heldOut.Count == 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.EmptyData, string.Create(CultureInfo.InvariantCulture, $"test_data_size {fraction} holds out no period: every series has a single row."), timeColumn);
            }
            log.Add(string.Create(CultureInfo.InvariantCulture,
                $"test_data_size {fraction}: the last {heldOut.Count} rows in time ({layout.History.Count} series, the last ⌈{fraction}·n⌉ periods of each) held out as test data, used neither for training nor validation"));
        }
        var columns = layout.Columns;
        var table = new TabularData(columns, rows, train.Source);

        // Rolling origin over the distinct times.
        var distinct = sortedTimes.Distinct().Order().ToList();
        var k = job.NCrossValidations ?? 3;
        var step = settings.CvStepSize ?? horizon;
        var folds = new List<Fold>();
        for (var f = 0; f < k; f++)
        {
            var originIndex = distinct.Count - horizon - (k - 1 - f) * step - 1;
            if (originIndex < Math.Max(2, layout.Lags.DefaultIfEmpty(0).Max()))
            {
                continue;
            }
            var origin = distinct[originIndex];
            var last = distinct[Math.Min(distinct.Count - 1, originIndex + horizon)];
            var trainRows = Enumerable.Range(0, rows.Count).Where(i => sortedTimes[i] <= origin).ToArray();
            var validRows = Enumerable.Range(0, rows.Count).Where(i => sortedTimes[i] > origin && sortedTimes[i] <= last).ToArray();
            if (trainRows.Length > 0 && validRows.Length > 0)
            {
                folds.Add(new Fold(trainRows, validRows));
            }
        }
        if (folds.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.EmptyData,
                string.Create(CultureInfo.InvariantCulture, $"The series is too short ({distinct.Count} periods{(heldOut.Count > 0 ? " after the test_data_size hold-out" : "")}) for forecast_horizon {horizon} with {k} rolling-origin folds."), timeColumn);
        }
        var values2 = rows.Select(r => double.Parse(r[targetIndex]!, NumberStyles.Float, CultureInfo.InvariantCulture)).ToList();
        var exclude = new HashSet<string>(StringComparer.Ordinal) { target };
        if (job.WeightColumnName is { } weight)
        {
            exclude.Add(weight);
        }
        var plan = FeaturizationPlan.Create(table, job, exclude);
        var prepared = new PreparedData
        {
            Rows = table,
            Target = target,
            Task = LearnerTask.Regression,
            Plan = plan,
            Folds = folds,
            FitRows = Enumerable.Range(0, rows.Count).ToArray(),
            TargetRange = values2.Max() - values2.Min(),
            ValidationDescription = string.Create(CultureInfo.InvariantCulture, $"rolling-origin validation: {folds.Count} folds of {horizon} periods, step {step}"),
            Forecast = layout,
            HeldOutTest = heldOut.Count > 0 ? new TabularData(train.Columns, heldOut, train.Source + " (test_data_size hold-out)") : null,
        };
        prepared.Log.AddRange(log);
        prepared.Log.Add(string.Create(CultureInfo.InvariantCulture,
            $"forecasting: horizon {horizon}, lags [{string.Join(", ", layout.Lags)}], rolling window {(layout.Window is { } ww ? ww.ToString(CultureInfo.InvariantCulture) : "none")} (counted from the forecast origin)"));
        prepared.Log.AddRange(plan.Log);
        return prepared;
    }

    private static DateTime[] ParseTimes(TabularData data, int timeIndex, string timeColumn)
    {
        var times = new DateTime[data.RowCount];
        for (var r = 0; r < data.RowCount; r++)
        {
            if (!ColumnProfile.TryDate(data.Rows[r][timeIndex], out times[r]))
            {
                throw new AutoMLDataException(AutoMLDataProblem.BadTimeColumn,
                    string.Create(CultureInfo.InvariantCulture, $"The time column '{timeColumn}' of '{data.Source}' holds '{data.Rows[r][timeIndex]}' (row {r + 1}), which is not a date."), timeColumn);
            }
        }
        return times;
    }

    /// <summary>Test rows made model rows: each continues its training series in time.</summary>
    /// <param name="Rows">The model rows of the scored test rows (raw columns, then lags and rolling windows).</param>
    /// <param name="Actuals">The scored rows' target values.</param>
    /// <param name="Source">The index of each scored row in the test data.</param>
    /// <param name="Skipped">Test rows without a target value (not scored; a period of their series all the same).</param>
    /// <param name="BeyondHorizon">Scored rows more than forecast_horizon periods after the training data: their features read earlier test actuals.</param>
    internal sealed record TestRows(TabularData Rows, double[] Actuals, int[] Source, int Skipped, int BeyondHorizon);

    /// <summary>
    /// The rows of forecasting test data, featurised as a continuation of the training series: the test rows of a series follow its
    /// last training row (no overlap, no gap wider than the series' widest step), and each row's lags and rolling windows read the
    /// values before it — the training history, then the test data's own actual values (a rolling evaluation: a row more than
    /// forecast_horizon periods after the training data is forecast from an origin inside the test data, whose actuals are then known).
    /// A row without a target is not scored; a later row that needs it as history is an error naming both.
    /// </summary>
    public static TestRows Featurize(PreparedData data, TabularData test)
    {
        var layout = data.Forecast!;
        var timeIndex = test.IndexOf(layout.TimeColumn);
        if (timeIndex < 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.MissingColumn, $"The test data has no time column '{layout.TimeColumn}'.", layout.TimeColumn);
        }
        var targetIndex = test.IndexOf(layout.Target);
        if (targetIndex < 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.MissingTargetColumn, $"The test data has no target column '{layout.Target}'.", layout.Target);
        }
        var missing = layout.RawColumns.FirstOrDefault(c => test.IndexOf(c) < 0);
        if (missing is not null)
        {
            throw new AutoMLDataException(AutoMLDataProblem.SchemaMismatch, $"The test data has no column '{missing}', which the training data has.", missing);
        }
        // The test rows in the training data's column order.
        var map = layout.RawColumns.Select(test.IndexOf).ToArray();
        var raw = test.Rows.Select(r => map.Select(i => r[i]).ToArray()).ToList();
        var rawTime = layout.RawColumns.ToList().IndexOf(layout.TimeColumn);
        var rawTarget = layout.RawColumns.ToList().IndexOf(layout.Target);
        var idIndices = layout.IdColumns.Select(c => layout.RawColumns.ToList().IndexOf(c)).ToArray();
        var times = ParseTimes(new TabularData(layout.RawColumns, raw, test.Source), rawTime, layout.TimeColumn);

        var featurised = new List<string?[]>();
        var actuals = new List<double>();
        var source = new List<int>();
        var skipped = 0;
        var beyond = 0;
        foreach (var series in Enumerable.Range(0, raw.Count).GroupBy(r => ForecastLayout.SeriesKey(raw[r], idIndices)))
        {
            if (!layout.History.TryGetValue(series.Key, out var history))
            {
                throw new AutoMLDataException(AutoMLDataProblem.ForecastHistory,
                    $"The test data has {layout.SeriesName(series.Key)}, which the training data does not have: a forecast needs the series' history.", layout.IdColumns.Count > 0 ? layout.IdColumns[0] : layout.TimeColumn);
            }
            var list = series.OrderBy(r => times[r]).ToList();
            var end = history.Times[^1];
            var first = times[list[0]];
            var name = layout.SeriesName(series.Key);
            if (first <= end)
            {
                throw new AutoMLDataException(AutoMLDataProblem.ForecastHistory,
                    string.Create(CultureInfo.InvariantCulture, $"The test data of {name} starts at {Show(first)}, within its training data (which ends at {Show(end)}): test data must come after the training data."), layout.TimeColumn);
            }
            var widest = history.Times.Zip(history.Times.Skip(1)).Select(p => p.Second - p.First).DefaultIfEmpty(TimeSpan.MaxValue).Max();
            if (first - end > widest)
            {
                throw new AutoMLDataException(AutoMLDataProblem.ForecastHistory,
                    string.Create(CultureInfo.InvariantCulture,
                        $"The test data of {name} starts at {Show(first)}, but its training data ends at {Show(end)} and never steps more than {widest}: the test data must continue the series without a gap (the model's lags count periods)."),
                    layout.TimeColumn);
            }
            var dup = list.Zip(list.Skip(1)).FirstOrDefault(p => times[p.First] == times[p.Second]);
            if (list.Count > 1 && dup != default)
            {
                throw new AutoMLDataException(AutoMLDataProblem.BadTimeColumn, $"The test data has {Show(times[dup.First])} twice in {name}.", layout.TimeColumn);
            }
            var values = new List<double>(history.Values);
            values.AddRange(list.Select(r => ColumnProfile.TryNumber(raw[r][rawTarget], out var v) ? v : double.NaN));
            var bad = list.Select(r => raw[r][rawTarget]).FirstOrDefault(v => v is not null && !ColumnProfile.TryNumber(v, out _));
            if (bad is not null)
            {
                throw new AutoMLDataException(AutoMLDataProblem.NonNumericTarget, $"The test data's target column '{layout.Target}' holds '{AzureMlSdk.Validate.Shorten(bad)}': forecasting needs numbers.", layout.Target);
            }
            for (var j = 0; j < list.Count; j++)
            {
                var p = history.Values.Count + j;
                if (double.IsNaN(values[p]))
                {
                    skipped++;
                    continue;
                }
                var gap = layout.Reads(p).Where(i => i >= history.Values.Count && double.IsNaN(values[i])).Select(i => i - history.Values.Count).FirstOrDefault(-1);
                if (gap >= 0)
                {
                    throw new AutoMLDataException(AutoMLDataProblem.ForecastHistory,
                        string.Create(CultureInfo.InvariantCulture,
                            $"The test row of {name} at {Show(times[list[gap]])} has no value of '{layout.Target}', and the row at {Show(times[list[j]])} is forecast from it (forecast_horizon {layout.Horizon}, lags [{string.Join(", ", layout.Lags)}]{(layout.Window is { } w ? $", rolling window {w}" : "")}): give its actual value, or end the test data before {Show(times[list[j]])}."),
                        layout.Target);
                }
                featurised.Add(layout.Featurize(raw[list[j]], values, p));
                actuals.Add(values[p]);
                source.Add(list[j]);
                if (j >= layout.Horizon)
                {
                    beyond++;
                }
            }
        }
        return new TestRows(new TabularData(layout.Columns, featurised, test.Source), [.. actuals], [.. source], skipped, beyond);
    }

    private static string Show(DateTime time) => time.TimeOfDay == TimeSpan.Zero ? time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
