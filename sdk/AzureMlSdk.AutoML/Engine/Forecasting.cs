using System.Globalization;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Featurization;
using AzureMlSdk.AutoML.Learners;

namespace AzureMlSdk.AutoML.Engine;

/// <summary>
/// Forecasting as regression over time features: rows sorted by series and time; the target's lags and rolling windows
/// (mean, min, max) become numeric features counted from the forecast origin (direct strategy: for a horizon H, lag l of
/// a row is the value H−1+l periods before it, so every feature of the H periods ahead is known at the origin); dates
/// become parts; series ids categories. Validation is rolling-origin: each fold trains on the rows up to an origin and
/// scores the next H periods, origins <c>cv_step_size</c> apart.
/// </summary>
internal static class Forecasting
{
    private static readonly string[] RollingStats = ["mean", "min", "max"];

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
        var times = new DateTime[train.RowCount];
        for (var r = 0; r < train.RowCount; r++)
        {
            if (!ColumnProfile.TryDate(train.Rows[r][timeIndex], out times[r]))
            {
                throw new AutoMLDataException(AutoMLDataProblem.BadTimeColumn, string.Create(CultureInfo.InvariantCulture, $"The time column '{timeColumn}' holds '{train.Rows[r][timeIndex]}' (row {r + 1}), which is not a date."), timeColumn);
            }
        }
        string SeriesKey(string?[] row) => string.Join("\u001f", idIndices.Select(i => row[i] ?? ""));
        var order = Enumerable.Range(0, train.RowCount).OrderBy(r => SeriesKey(train.Rows[r]), StringComparer.Ordinal).ThenBy(r => times[r]).ToArray();
        var dup = order.Zip(order.Skip(1)).FirstOrDefault(p => SeriesKey(train.Rows[p.First]) == SeriesKey(train.Rows[p.Second]) && times[p.First] == times[p.Second]);
        if (order.Length > 1 && dup != default)
        {
            throw new AutoMLDataException(AutoMLDataProblem.BadTimeColumn, $"The time column '{timeColumn}' has {train.Rows[dup.First][timeIndex]} twice in one series; give time_series_id_column_names or aggregate the rows.", timeColumn);
        }
        var horizon = settings.ForecastHorizon ?? (settings.AutoForecastHorizon ? 1 : 1);
        var lags = settings.AutoTargetLags ? [1, 2, settings.Seasonality ?? 7] : settings.TargetLags.Distinct().Order().ToList();
        var window = settings.AutoTargetRollingWindowSize ? Math.Max(2, settings.Seasonality ?? 7) : settings.TargetRollingWindowSize;

        var newColumns = new List<string>(train.Columns);
        newColumns.AddRange(lags.Select(l => string.Create(CultureInfo.InvariantCulture, $"{target}_lag{l}")));
        if (window is { } w0)
        {
            newColumns.AddRange(RollingStats.Select(s => string.Create(CultureInfo.InvariantCulture, $"{target}_rolling_{s}{w0}")));
        }
        var rows = new List<string?[]>(order.Length);
        var sortedTimes = new List<DateTime>(order.Length);
        foreach (var series in order.GroupBy(r => SeriesKey(train.Rows[r])))
        {
            var list = series.ToList();
            var values = list.Select(r => ColumnProfile.TryNumber(train.Rows[r][targetIndex], out var v) ? v : double.NaN).ToArray();
            for (var p = 0; p < list.Count; p++)
            {
                var row = new string?[newColumns.Count];
                Array.Copy(train.Rows[list[p]], row, train.Columns.Count);
                var c = train.Columns.Count;
                foreach (var l in lags)
                {
                    var at = p - (horizon - 1) - l;
                    row[c++] = at >= 0 && !double.IsNaN(values[at]) ? values[at].ToString("R", CultureInfo.InvariantCulture) : null;
                }
                if (window is { } w)
                {
                    var end = p - horizon;
                    var span = Enumerable.Range(end - w + 1, w).Where(i => i >= 0 && i <= end && !double.IsNaN(values[i])).Select(i => values[i]).ToList();
                    row[c++] = span.Count > 0 ? span.Average().ToString("R", CultureInfo.InvariantCulture) : null;
                    row[c++] = span.Count > 0 ? span.Min().ToString("R", CultureInfo.InvariantCulture) : null;
                    row[c] = span.Count > 0 ? span.Max().ToString("R", CultureInfo.InvariantCulture) : null;
                }
                rows.Add(row);
                sortedTimes.Add(times[list[p]]);
            }
        }
        var table = new TabularData(newColumns, rows, train.Source);

        // Rolling origin over the distinct times.
        var distinct = sortedTimes.Distinct().Order().ToList();
        var k = job.NCrossValidations ?? 3;
        var step = settings.CvStepSize ?? horizon;
        var folds = new List<Fold>();
        for (var f = 0; f < k; f++)
        {
            var originIndex = distinct.Count - horizon - (k - 1 - f) * step - 1;
            if (originIndex < Math.Max(2, lags.DefaultIfEmpty(0).Max()))
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
            throw new AutoMLDataException(AutoMLDataProblem.EmptyData, string.Create(CultureInfo.InvariantCulture, $"The series is too short ({distinct.Count} periods) for forecast_horizon {horizon} with {k} rolling-origin folds."), timeColumn);
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
        };
        prepared.Log.AddRange(log);
        prepared.Log.Add(string.Create(CultureInfo.InvariantCulture, $"forecasting: horizon {horizon}, lags [{string.Join(", ", lags)}], rolling window {(window is { } ww ? ww.ToString(CultureInfo.InvariantCulture) : "none")} (counted from the forecast origin)"));
        prepared.Log.AddRange(plan.Log);
        return prepared;
    }
}
