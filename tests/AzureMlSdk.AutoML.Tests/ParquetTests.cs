using AzureMlSdk.AutoML.Bench;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.AutoML.Featurization;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>
/// MLTable <c>read_parquet</c> for AutoML data: real Parquet files (Parquet.Net's writer) read with their column types, nulls as
/// missing values, several files and row groups concatenated, an optional path column; a run on them gives the same leaderboard as
/// the same rows as CSV; corrupt files and unsupported columns fail with a typed error naming the file (and the column).
/// </summary>
public sealed class ParquetTests
{
    /// <summary>The churn data's columns, typed as a Parquet export of it would type them.</summary>
    private static readonly (string, Type)[] ChurnTypes =
    [
        ("customer_id", typeof(string)), ("age", typeof(int)), ("plan", typeof(string)), ("region", typeof(string)), ("signup", typeof(DateTime)),
        ("monthly_charges", typeof(double)), ("support_calls", typeof(long)), ("churn", typeof(string)),
    ];

    private static string Show(string?[] row) => string.Join("|", row.Select(v => v ?? "∅"));

    [Fact]
    public async Task A_parquet_mltable_reads_every_file_and_row_group_with_types_nulls_and_the_path_column()
    {
        await using var t = new TestFolder();
        (string, Type)[] columns = [("id", typeof(int)), ("zip", typeof(string)), ("price", typeof(double)), ("member", typeof(bool)), ("seen", typeof(DateTime)), ("amount", typeof(decimal))];
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "pq", "data", "part-0.parquet"), columns,
            [["1", "02139", "1.5", "true", "2024-01-02T03:04:05Z", "10.25"], ["2", null, null, "false", null, null], ["3", "10001", "-2", null, "2024-02-01", "3"]], rowGroupSize: 2);
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "pq", "data", "part-1.parquet"), columns, [["4", "60601", "0.1", "true", "2024-03-01", "0.5"]]);
        t.Write("pq/data/_SUCCESS", "");
        t.Write("pq/MLTable", "type: mltable\npaths:\n  - folder: ./data\ntransformations:\n  - read_parquet:\n      include_path_column: true\n");

        var data = TabularData.Load(Path.Combine(t.Path, "pq"));

        Assert.Equal(["id", "zip", "price", "member", "seen", "amount", "Path"], data.Columns);
        Assert.Equal(4, data.RowCount);
        Assert.Equal("1|02139|1.5|true|2024-01-02T03:04:05Z|10.2500|data/part-0.parquet", Show(data.Rows[0]));
        Assert.Equal("2|∅|∅|false|∅|∅|data/part-0.parquet", Show(data.Rows[1]));
        Assert.Equal("3|10001|-2|∅|2024-02-01|3.0000|data/part-0.parquet", Show(data.Rows[2]));
        Assert.Equal("4|60601|0.1|true|2024-03-01|0.5000|data/part-1.parquet", Show(data.Rows[3]));

        // The file's types decide: a string column of digits is categories (a CSV would make it numbers), a timestamp a date.
        var profiles = ColumnProfile.Infer(data, new HashSet<string>(), new Dictionary<string, string>());
        Assert.Equal(ColumnPurpose.Categorical, profiles.Single(p => p.Name == "zip").Purpose);
        Assert.Equal(ColumnPurpose.Numeric, profiles.Single(p => p.Name == "price").Purpose);
        Assert.Equal(ColumnPurpose.Numeric, profiles.Single(p => p.Name == "amount").Purpose);
        Assert.Equal(ColumnPurpose.DateTime, profiles.Single(p => p.Name == "seen").Purpose);
        Assert.Equal(ColumnPurpose.Categorical, profiles.Single(p => p.Name == "member").Purpose);
        Assert.Equal(1, profiles.Single(p => p.Name == "price").Missing);

        // Without include_path_column, and as a plain .parquet file, there is no Path column.
        t.Write("pq/MLTable", "paths:\n  - pattern: ./data/*.parquet\ntransformations:\n  - read_parquet\n");
        Assert.Equal(["id", "zip", "price", "member", "seen", "amount"], TabularData.Load(Path.Combine(t.Path, "pq", "MLTable")).Columns);
        Assert.Equal(3, TabularData.Load(Path.Combine(t.Path, "pq", "data", "part-0.parquet")).RowCount);
        Assert.Equal(4, TabularData.Load(Path.Combine(t.Path, "pq", "data")).RowCount);
    }

    [Fact]
    public async Task Corrupt_files_and_unsupported_columns_fail_naming_the_file_and_the_column()
    {
        await using var t = new TestFolder();
        t.Write("bad/x.parquet", "this is not a parquet file, only text");
        t.Write("bad/MLTable", "paths:\n  - file: ./x.parquet\ntransformations:\n  - read_parquet\n");
        var corrupt = Assert.Throws<AutoMLDataException>(() => TabularData.Load(Path.Combine(t.Path, "bad")));
        Assert.Equal(AutoMLDataProblem.UnreadableData, corrupt.Problem);
        Assert.Contains(Path.Combine(t.Path, "bad", "x.parquet"), corrupt.Message, StringComparison.Ordinal);

        // A real file damaged in its data pages: the error names the file and the column being read.
        var good = await ParquetFiles.WriteAsync(Path.Combine(t.Path, "dmg", "y.parquet"), [("v", typeof(double))], Enumerable.Range(0, 200).Select(i => new string?[] { i.ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList());
        var bytes = await File.ReadAllBytesAsync(good);
        for (var i = 4; i < Math.Min(bytes.Length - 200, 400); i++)
        {
            bytes[i] ^= 0x5A;
        }
        await File.WriteAllBytesAsync(good, bytes);
        var damaged = Assert.Throws<AutoMLDataException>(() => TabularData.Load(good));
        Assert.Contains(good, damaged.Message, StringComparison.Ordinal);

        var nested = await ParquetFiles.WriteNestedAsync(Path.Combine(t.Path, "nested", "n.parquet"));
        var e = Assert.Throws<AutoMLDataException>(() => TabularData.Load(nested));
        Assert.Equal("address", e.Column);
        Assert.Contains(nested, e.Message, StringComparison.Ordinal);
        Assert.Contains("nested", e.Message, StringComparison.Ordinal);

        var list = await ParquetFiles.WriteListAsync(Path.Combine(t.Path, "list", "l.parquet"));
        e = Assert.Throws<AutoMLDataException>(() => TabularData.Load(list));
        Assert.Equal("tags", e.Column);
        Assert.Contains(list, e.Message, StringComparison.Ordinal);

        var binary = await ParquetFiles.WriteBinaryAsync(Path.Combine(t.Path, "binary", "b.parquet"));
        e = Assert.Throws<AutoMLDataException>(() => TabularData.Load(binary));
        Assert.Equal("blob", e.Column);
        Assert.Contains(binary, e.Message, StringComparison.Ordinal);
        Assert.Contains("binary", e.Message, StringComparison.Ordinal);

        // Files whose columns disagree: the schema mismatch names the column.
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "mix", "a.parquet"), [("v", typeof(string))], [["x"]]);
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "mix", "b.parquet"), [("v", typeof(bool))], [["true"]]);
        t.Write("mix/MLTable", "paths:\n  - pattern: ./*.parquet\ntransformations:\n  - read_parquet:\n      include_path_column: false\n");
        var mismatch = Assert.Throws<AutoMLDataException>(() => TabularData.Load(Path.Combine(t.Path, "mix")));
        Assert.Equal((AutoMLDataProblem.SchemaMismatch, "v"), (mismatch.Problem, mismatch.Column));

        // A file that already has a Path column cannot take the path column.
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "haspath", "p.parquet"), [("Path", typeof(string)), ("v", typeof(float))], [["a", "0.5"]]);
        t.Write("haspath/MLTable", "paths:\n  - file: ./p.parquet\ntransformations:\n  - read_parquet:\n      include_path_column: true\n");
        Assert.Equal("Path", Assert.Throws<AutoMLDataException>(() => TabularData.Load(Path.Combine(t.Path, "haspath"))).Column);
        t.Write("haspath/MLTable", "paths:\n  - file: ./p.parquet\ntransformations:\n  - read_parquet\n");
        Assert.Equal("a|0.5", Show(Assert.Single(TabularData.Load(Path.Combine(t.Path, "haspath")).Rows)));

        // Settings read_parquet does not have are refused, naming them.
        t.Write("mix/MLTable", "paths:\n  - pattern: ./a.parquet\ntransformations:\n  - read_parquet:\n      path_column: p\n");
        Assert.Contains("read_parquet setting 'path_column'", Assert.Throws<AutoMLDataException>(() => TabularData.Load(Path.Combine(t.Path, "mix"))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Training_on_a_parquet_mltable_gives_the_same_leaderboard_as_the_same_rows_as_csv()
    {
        await using var t = new TestFolder();
        var csv = SyntheticData.Churn(240);
        var (header, rows) = ParquetFiles.FromCsv(csv);
        Assert.Equal(ChurnTypes.Select(c => c.Item1), header);
        Assert.Contains(rows, r => r[1]!.Length == 0); // missing ages: nulls in the Parquet file
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "table", "data", "a.parquet"), ChurnTypes, rows.Take(100).ToList(), rowGroupSize: 40);
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "table", "data", "b.parquet"), ChurnTypes, rows.Skip(100).ToList(), rowGroupSize: 64);
        t.Write("table/MLTable", "paths:\n  - pattern: ./data/*.parquet\ntransformations:\n  - read_parquet\n");

        AutoMLJob Job(Input data, string experiment) => new()
        {
            Task = AutoMLTask.Classification,
            TrainingData = data,
            TargetColumnName = "churn",
            ExperimentName = experiment,
            ValidationDataSize = 0.25,
            Limits = new AutoMLLimits { MaxTrials = 3, MaxConcurrentTrials = 1, TimeoutMinutes = 5 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LogisticRegression"], EnableVoteEnsemble = false },
        };
        var fromCsv = await AutoMLRunner.RunAsync(t.Workspace, Job(Input.UriFile(t.Write("churn.csv", csv)), "csv"));
        var fromParquet = await AutoMLRunner.RunAsync(t.Workspace, Job(Input.MLTable(Path.Combine(t.Path, "table")), "parquet"));

        Assert.Equal(fromCsv.Leaderboard.Count, fromParquet.Leaderboard.Count);
        foreach (var (a, b) in fromCsv.Leaderboard.Zip(fromParquet.Leaderboard))
        {
            Assert.Equal(a.Algorithm, b.Algorithm);
            Assert.Equal(a.Hyperparameters.OrderBy(h => h.Key), b.Hyperparameters.OrderBy(h => h.Key));
            Assert.Equal(a.Score, b.Score, 12);
            Assert.Equal(a.Metrics.Keys.Order(), b.Metrics.Keys.Order());
            foreach (var (name, value) in a.Metrics)
            {
                Assert.True(Math.Abs(value - b.Metrics[name]) < 1e-9 || (double.IsNaN(value) && double.IsNaN(b.Metrics[name])), $"{name}: {value} vs {b.Metrics[name]}");
            }
        }
    }
}
