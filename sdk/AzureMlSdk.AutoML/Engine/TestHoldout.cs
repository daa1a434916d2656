using System.Globalization;
using System.Text;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Featurization;

namespace AzureMlSdk.AutoML.Engine;

/// <summary>
/// <c>test_data_size</c> for classification and regression: a fraction of the training rows held out before anything else (validation
/// split, cross-validation folds, featurisation), as Azure does — stratified by class for classification, a random sample for regression,
/// the same rows on every run (seed <see cref="Seed"/>). Forecasting holds out the last periods of each series instead
/// (<see cref="Forecasting"/>).
/// </summary>
internal static class TestHoldout
{
    /// <summary>The seed of the hold-out's shuffle: the same data and fraction hold out the same rows.</summary>
    public const int Seed = 42;

    /// <summary>
    /// Splits <paramref name="data"/> into the rows to train (and validate) on and the test rows, both in their original order.
    /// ⌈<paramref name="size"/>·n⌉ rows are held out (scikit-learn's count); for classification each class gives ⌊size·n_c⌋ rows and the
    /// remaining ones go to the classes with the largest remainders, never a class's last training row.
    /// </summary>
    public static (TabularData Train, TabularData Test) Split(TabularData data, string target, bool classification, double size, List<string> log)
    {
        var targetIndex = data.IndexOf(target);
        var n = data.RowCount;
        if (!classification)
        {
            var bad = data.Column(targetIndex).FirstOrDefault(v => !ColumnProfile.TryNumber(v, out _));
            if (bad is not null)
            {
                throw new AutoMLDataException(AutoMLDataProblem.NonNumericTarget, $"The training target column '{target}' holds '{AzureMlSdk.Validate.Shorten(bad)}': regression needs numbers. For categories use a classification job.", target);
            }
        }
        var total = (int)Math.Ceiling(size * n - 1e-9);
        if (n - total < 2)
        {
            throw new AutoMLDataException(AutoMLDataProblem.EmptyData,
                string.Create(CultureInfo.InvariantCulture, $"{n} training rows are too few to hold out test_data_size {size} ({total} rows) and still train on at least two."));
        }
        var shuffled = Enumerable.Range(0, n).ToArray();
        new Random(Seed).Shuffle(shuffled);
        var groups = shuffled.GroupBy(i => classification ? data.Rows[i][targetIndex]! : "", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => (Class: g.Key, Rows: g.ToList()))
            .ToList();
        var quota = groups.Select(g => Math.Min(g.Rows.Count - (classification ? 1 : 0), (int)Math.Floor(size * g.Rows.Count + 1e-9))).ToArray();
        // The rows ⌊size·n_c⌋ leaves over go to the classes with the largest remainders (ties: the larger class, then by name).
        var order = Enumerable.Range(0, groups.Count)
            .OrderByDescending(g => size * groups[g].Rows.Count - Math.Floor(size * groups[g].Rows.Count + 1e-9))
            .ThenByDescending(g => groups[g].Rows.Count)
            .ThenBy(g => g)
            .ToList();
        var left = total - quota.Sum();
        for (var pass = 0; left > 0 && pass < 2; pass++)
        {
            foreach (var g in order)
            {
                if (left == 0)
                {
                    break;
                }
                if (quota[g] < groups[g].Rows.Count - (classification ? 1 : 0))
                {
                    quota[g]++;
                    left--;
                }
            }
        }
        var test = groups.SelectMany((g, i) => g.Rows.Take(quota[i])).ToHashSet();
        if (test.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.EmptyData, string.Create(CultureInfo.InvariantCulture, $"test_data_size {size} holds out no row of the {n} training rows."));
        }
        log.Add(string.Create(CultureInfo.InvariantCulture,
            $"test_data_size {size}: {test.Count} of {n} training rows held out as test data ({(classification ? "stratified by class" : "a random sample")}, seed {Seed}), used neither for training nor validation"));
        return (data.WithRows(Enumerable.Range(0, n).Where(i => !test.Contains(i))),
            new TabularData(data.Columns, Enumerable.Range(0, n).Where(test.Contains).Select(i => data.Rows[i]).ToList(), data.Source + " (test_data_size hold-out)"));
    }

    /// <summary>Writes rows as RFC 4180 CSV (fields with a comma, quote or line break quoted; missing values empty).</summary>
    public static void WriteCsv(string path, IReadOnlyList<string> columns, IEnumerable<string?[]> rows)
    {
        var sb = new StringBuilder();
        static string Field(string? v) => v is null ? "" : v.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
        sb.AppendJoin(',', columns.Select(Field)).Append('\n');
        foreach (var row in rows)
        {
            sb.AppendJoin(',', row.Select(Field)).Append('\n');
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
    }
}
