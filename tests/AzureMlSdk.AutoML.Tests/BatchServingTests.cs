using System.Globalization;
using System.Text.Json.Nodes;
using AzureMlSdk.AutoML.Bench;
using AzureMlSdk.Tests.Endpoints;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>
/// The best AutoML model on a local batch endpoint: CSV folders and MLTable folders of raw rows (the training columns by name, dates
/// as dates, missing values, extra columns such as the target) are scored as ML.NET predicts them, answered with the target's own
/// classes and a probability per class; a missing column fails the job naming it, a mistyped value fails its row naming its column.
/// </summary>
public sealed class BatchServingTests
{
    [Fact]
    public async Task The_best_model_scores_csv_and_mltable_folders_like_mlnet_and_names_bad_columns()
    {
        await using var t = new TestFolder();
        var (train, test) = SyntheticData.Split(SyntheticData.Churn(300));
        var job = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.UriFile(t.Write("train.csv", train)),
            TargetColumnName = "churn",
            ExperimentName = "batch",
            ValidationDataSize = 0.2,
            Limits = new AutoMLLimits { MaxTrials = 3, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression"], EnableVoteEnsemble = false },
        };
        var result = await AutoMLRunner.RunAsync(t.Workspace, job);
        var model = await result.RegisterBestModelAsync("churn-batch");
        var be = await t.Workspace.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("churn-batch-ep"));
        await be.DeployAsync(new BatchDeploymentSpec("automl", model) { MiniBatchSize = 16, ErrorThreshold = 0 });

        // The held-out rows as they are (customer_id, the raw signup date, missing ages, the churn column too); one unseen region.
        var lines = test.TrimEnd('\n').Split('\n');
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Take(40).Select(l => l.Split(',')).ToList();
        rows[0][Array.IndexOf(header, "region")] = "a-region-never-seen";
        Assert.Contains(rows, r => r[Array.IndexOf(header, "age")].Length == 0);
        string Csv(IEnumerable<string[]> part, string delimiter) => string.Join(delimiter, header) + "\n" + string.Concat(part.Select(r => string.Join(delimiter, r) + "\n"));
        t.Write("csv/a.csv", Csv(rows.Take(25), ","));
        t.Write("csv/more/b.csv", Csv(rows.Skip(25), ","));
        t.Write("table/data/part-1.txt", Csv(rows.Take(10), ";"));
        t.Write("table/data/part-2.txt", Csv(rows.Skip(10), ";"));
        t.Write("table/MLTable", "paths:\n  - pattern: ./data/*.txt\ntransformations:\n  - read_delimited:\n      delimiter: ';'\n      header: all_files_same_headers\n      encoding: utf8\n");
        // The same rows as typed Parquet files (nulls for the missing ages; two row groups in the first file), read with a path column.
        (string, Type)[] types = [("customer_id", typeof(string)), ("age", typeof(int)), ("plan", typeof(string)), ("region", typeof(string)), ("signup", typeof(DateTime)),
            ("monthly_charges", typeof(double)), ("support_calls", typeof(long)), ("churn", typeof(string))];
        Assert.Equal(types.Select(c => c.Item1), header);
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "pq", "data", "part-0.parquet"), types, rows.Take(30).Select(r => r.Select(v => (string?)v).ToArray()).ToList(), rowGroupSize: 16);
        await ParquetFiles.WriteAsync(Path.Combine(t.Path, "pq", "data", "part-1.parquet"), types, rows.Skip(30).Select(r => r.Select(v => (string?)v).ToArray()).ToList());
        t.Write("pq/data/_SUCCESS", "");
        t.Write("pq/MLTable", "paths:\n  - folder: ./data\ntransformations:\n  - read_parquet:\n      include_path_column: true\n");

        // ML.NET's predictions of the same rows, by the same trial's model.zip.
        var bestRun = await t.Workspace.GetRunAsync(result.Best.RunId);
        var dir = Path.Combine(t.Path, "best");
        await bestRun.DownloadFilesAsync("outputs", dir);
        var ml = new MLContext(1);
        var mlModel = ml.Model.Load(Path.Combine(dir, "outputs", "model.zip"), out var schema);
        var frame = new Microsoft.Data.Analysis.DataFrame();
        foreach (var input in schema.Select(c => c.Name))
        {
            frame.Columns.Add(schema[input].Type is TextDataViewType
                ? new Microsoft.Data.Analysis.StringDataFrameColumn(input, rows.Select(r => r[Array.IndexOf(header, input)]))
                : new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<float>(input, rows.Select(r => Number(header, r, input))));
        }
        var predicted = mlModel.Transform(frame);
        var expectedLabels = predicted.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(v => v.ToString()).ToList();
        var expectedScores = predicted.GetColumn<float[]>("Score").ToList();

        foreach (var (input, names) in new[] { (Path.Combine(t.Path, "csv"), new[] { "a.csv", "more/b.csv" }), (Path.Combine(t.Path, "table"), new[] { "data/part-1.txt", "data/part-2.txt" }), (Path.Combine(t.Path, "pq"), new[] { "data/part-0.parquet", "data/part-1.parquet" }) })
        {
            var scored = await be.InvokeAsync(input);
            var failures = scored.RowsFailed == 0 ? "" : (string)(await ReadLinesAsync(t, scored.RunId, scored.ErrorsArtifact))[0]["error"]!;
            Assert.True((RunStatus.Completed, 40L, 0L) == (scored.Status, scored.RowsScored, scored.RowsFailed), $"{scored.Status} {scored.RowsScored} {scored.RowsFailed}: {failures}");
            var lines2 = await ReadLinesAsync(t, scored.RunId, scored.PredictionsArtifact);
            Assert.Equal(40, lines2.Count);
            Assert.Equal(names, lines2.Select(l => (string)l["file"]!).Distinct());
            for (var i = 0; i < 40; i++)
            {
                var prediction = lines2[i]["prediction"]!;
                Assert.Equal(expectedLabels[i], (string)prediction["label"]!);
                var probabilities = prediction["probabilities"]!.AsObject();
                Assert.Equal(["no", "yes"], probabilities.Select(p => p.Key));
                Assert.Equal(expectedScores[i][0], (double)probabilities["no"]!, 4);
                Assert.Equal(expectedScores[i][1], (double)probabilities["yes"]!, 4);
            }
        }

        // A file without a column the model takes: the job fails, naming the column; its run is Failed.
        t.Write("bad/rows.csv", "age,region,signup,monthly_charges,support_calls\n30,r1,2021-03-04,50.5,2\n");
        var missing = await Assert.ThrowsAsync<InvalidInputException>(() => be.InvokeAsync(Path.Combine(t.Path, "bad")));
        Assert.Equal("plan", missing.ParameterName);
        Assert.Contains("no column 'plan'", missing.Message, StringComparison.Ordinal);
        Assert.Contains(await RunStatusesAsync(t.Workspace), s => s == RunStatus.Failed);

        // A value of the wrong type: its row fails naming the column (past the threshold of 0, the job ends Failed); the others are scored.
        t.Write("typo/rows.csv", Csv([rows[1], [.. rows[2].Select((v, c) => header[c] == "monthly_charges" ? "lots" : v)], rows[3]], ","));
        var typo = await be.InvokeAsync(Path.Combine(t.Path, "typo"));
        Assert.Equal((RunStatus.Failed, 2L, 1L), (typo.Status, typo.RowsScored, typo.RowsFailed));
        var error = Assert.Single(await ReadLinesAsync(t, typo.RunId, typo.ErrorsArtifact));
        Assert.Equal(2, (int)error["row"]!);
        Assert.Contains("Column 'monthly_charges' takes a number; got \"lots\"", (string)error["error"]!, StringComparison.Ordinal);

        // A Parquet file that is not one fails the job before anything is scored, naming the file.
        t.Write("parquet/x.parquet", "not parquet");
        t.Write("parquet/MLTable", "paths:\n  - file: ./x.parquet\ntransformations:\n  - read_parquet\n");
        var parquet = await Assert.ThrowsAsync<InvalidInputException>(() => be.InvokeAsync(Path.Combine(t.Path, "parquet")));
        Assert.Contains("x.parquet' is not a readable Parquet file", parquet.Message, StringComparison.Ordinal);
    }

    private static async Task<List<JsonNode>> ReadLinesAsync(TestFolder t, string runId, string artifact)
    {
        var run = await t.Workspace.GetRunAsync(runId);
        var local = Path.Combine(t.Path, "out", Guid.NewGuid().ToString("N"));
        await run.DownloadFileAsync(artifact, local);
        return File.ReadAllLines(local).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToList();
    }

    private static async Task<List<RunStatus>> RunStatusesAsync(Workspace ws)
    {
        var statuses = new List<RunStatus>();
        await foreach (var run in ws.SearchRunsAsync(experimentNames: ["churn-batch-ep"]))
        {
            statuses.Add(run.Status);
        }
        return statuses;
    }

    private static float Number(string[] header, string[] row, string input)
    {
        var i = Array.IndexOf(header, input);
        if (i >= 0)
        {
            return row[i].Length == 0 ? float.NaN : float.Parse(row[i], CultureInfo.InvariantCulture);
        }
        // A date part input: <column>_<part>.
        var cut = input.LastIndexOf('_');
        var date = DateTime.Parse(row[Array.IndexOf(header, input[..cut])], CultureInfo.InvariantCulture);
        return input[(cut + 1)..] switch
        {
            "year" => date.Year,
            "month" => date.Month,
            "day" => date.Day,
            "dayofweek" => (int)date.DayOfWeek,
            _ => date.Hour,
        };
    }
}
