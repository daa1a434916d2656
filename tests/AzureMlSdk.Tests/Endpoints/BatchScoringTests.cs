using System.Globalization;
using System.Text.Json.Nodes;

namespace AzureMlSdk.Tests.Endpoints;

public sealed class BatchScoringTests : EndpointTestBase
{
    private string Input(string relative, string content)
    {
        var path = Path.Combine(Path.GetTempPath(), "azureml-batch-inputs", _id, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private readonly string _id = Guid.NewGuid().ToString("N");

    private string Folder => Path.Combine(Path.GetTempPath(), "azureml-batch-inputs", _id);

    private async Task<List<JsonNode>> ReadOutputAsync(BatchScoringResult result, string artifact)
    {
        var run = await Ws.GetRunAsync(result.RunId, Ct);
        var local = Path.Combine(Folder, "out", Guid.NewGuid().ToString("N"));
        await run.DownloadFileAsync(artifact, local, cancellationToken: Ct);
        return File.ReadAllLines(local).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!).ToList();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Csv_folder_is_scored_in_mini_batches_and_bad_rows_are_reported_not_dropped()
    {
        var model = await RegisterAsync("linear", TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        var good = string.Join('\n', new[] { "x1,x2,x3" }.Concat(Enumerable.Range(0, 20).Select(i => $"{i},0,0")));
        Input("a.csv", good);
        Input("sub/b.csv", "x1,x2,x3\n1,1,1\n1,abc,1\n2,2\n0,0,1\n");
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("batch-ep"), Ct);
        await be.DeployAsync(new BatchDeploymentSpec("onnx", model) { MiniBatchSize = 4, MaxConcurrency = 3 }, cancellationToken: Ct);
        var reports = new List<BatchScoringProgress>();

        var result = await be.InvokeAsync(Folder, progress: new SyncProgress<BatchScoringProgress>(reports), cancellationToken: Ct);

        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal((2, 22L, 2L), (result.FilesRead, result.RowsScored, result.RowsFailed));
        var predictions = await ReadOutputAsync(result, result.PredictionsArtifact);
        Assert.Equal(22, predictions.Count);
        Assert.Equal(Enumerable.Range(0, 20).Select(i => i + 0.5), predictions.Where(p => (string)p["file"]! == "a.csv").Select(p => (double)p["prediction"]![0]!));
        Assert.Equal([1, 4], predictions.Where(p => (string)p["file"]! == "sub/b.csv").Select(p => (int)p["row"]!));
        var errors = await ReadOutputAsync(result, result.ErrorsArtifact);
        Assert.Equal([2, 3], errors.Select(e => (int)e["row"]!));
        Assert.Contains("\"abc\"", (string)errors[0]["error"]!, StringComparison.Ordinal);
        Assert.Contains("features", (string)errors[0]["error"]!, StringComparison.Ordinal);
        Assert.Contains("2 values for 3 columns", (string)errors[1]["error"]!, StringComparison.Ordinal);

        var last = reports.MaxBy(r => r.MiniBatchesDone)!;
        Assert.Equal(last.MiniBatchesTotal, last.MiniBatchesDone);
        Assert.Equal(6, last.MiniBatchesTotal); // a.csv: 20 rows / 4; b.csv: 4 rows (the short line is a row that failed while reading)
        var run = await Ws.GetRunAsync(result.RunId, Ct);
        Assert.Equal(RunStatus.Completed, run.Status);
        var metrics = await run.GetMetricsAsync(cancellationToken: Ct);
        Assert.Equal(2, metrics["rows_failed"].Single().Value);
        Assert.Equal("batch-ep", (await Ws.GetExperimentAsync("batch-ep", Ct)).Name);
    }

    [Fact]
    public async Task A_model_whose_inputs_are_columns_takes_them_by_name_with_values_converted_and_bad_ones_named()
    {
        // Sum: inputs a and b (float [N,1]). Extra columns are ignored, a missing value is NaN (null out), a word in b fails its row.
        var model = await RegisterAsync("sum", TinyOnnx.Sum());
        Input("rows.csv", "id,b,a\nr1,2,1\nr2,3,\nr3,oops,4\nr4,\"1,000\",0.5\n");
        Input("more.jsonl", "{\"a\": 1, \"b\": \"2\", \"note\": [1]}\n{\"a\": true, \"b\": 1}\n{\"b\": 1}\n");
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("columns-ep"), Ct);
        await be.DeployAsync(new BatchDeploymentSpec("sum", model) { MiniBatchSize = 10 }, cancellationToken: Ct);

        var result = await be.InvokeAsync(Folder, cancellationToken: Ct);

        Assert.Equal((4L, 3L), (result.RowsScored, result.RowsFailed));
        var predictions = await ReadOutputAsync(result, result.PredictionsArtifact);
        Assert.Equal(["[3]", "[3]", "[null]", "[1000.5]"], predictions.Select(p => p["prediction"]!.ToJsonString()));
        var errors = (await ReadOutputAsync(result, result.ErrorsArtifact)).Select(e => ((string)e["file"]!, (int)e["row"]!, (string)e["error"]!)).ToList();
        Assert.Equal([("more.jsonl", 2), ("more.jsonl", 3), ("rows.csv", 3)], errors.Select(e => (e.Item1, e.Item2)));
        Assert.Contains("Column 'a' takes a number; got true", errors[0].Item3, StringComparison.Ordinal);
        Assert.Contains("Column 'a' is missing", errors[1].Item3, StringComparison.Ordinal);
        Assert.Contains("Column 'b' takes a number; got \"oops\"", errors[2].Item3, StringComparison.Ordinal);

        // A CSV file without one of the model's columns fails the job, naming the column (and the file).
        File.Delete(Path.Combine(Folder, "more.jsonl"));
        Input("rows.csv", "a,c\n1,2\n");
        var missing = await Assert.ThrowsAsync<InvalidInputException>(() => be.InvokeAsync(Folder, cancellationToken: Ct));
        Assert.Equal("b", missing.ParameterName);
        Assert.Contains("'rows.csv' has no column 'b'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_lines_go_to_a_custom_scorer_and_the_error_threshold_fails_the_job()
    {
        var model = await RegisterAsync("any", "{}"u8.ToArray(), "model.json");
        Input("rows.jsonl", "{\"n\": 1}\n{\"n\": 2}\nnot json\n{\"n\": -1}\n{\"n\": 5}\n");
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("jsonl-ep"), Ct);
        await be.DeployAsync(new BatchDeploymentSpec("custom", model) { Scorer = () => new SquareScorer(), MiniBatchSize = 2, MaxConcurrency = 2, ErrorThreshold = 1 }, cancellationToken: Ct);

        var result = await be.InvokeAsync(Folder, "custom", cancellationToken: Ct);

        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Equal((3L, 2L), (result.RowsScored, result.RowsFailed));
        var predictions = await ReadOutputAsync(result, result.PredictionsArtifact);
        Assert.Equal([1.0, 4.0, 25.0], predictions.Select(p => (double)p["prediction"]!));
        var errors = await ReadOutputAsync(result, result.ErrorsArtifact);
        Assert.Equal([3, 4], errors.Select(e => (int)e["row"]!));
        Assert.Contains("negative", (string)errors[1]["error"]!, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Failed, (await Ws.GetRunAsync(result.RunId, Ct)).Status);
    }

    [Fact]
    public async Task Invoking_without_a_deployment_or_input_is_rejected()
    {
        var be = await Ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("empty-ep"), Ct);
        Input("x.csv", "a\n1\n");

        await Assert.ThrowsAsync<InvalidStateException>(() => be.InvokeAsync(Folder, cancellationToken: Ct));
        var model = await RegisterAsync("any", "{}"u8.ToArray(), "model.json");
        await be.DeployAsync(new BatchDeploymentSpec("dep1", model) { Scorer = () => new SquareScorer() }, cancellationToken: Ct);
        Assert.Equal("dep1", (await Ws.GetBatchEndpointAsync("empty-ep", Ct)).DefaultDeployment);
        await Assert.ThrowsAsync<InvalidInputException>(() => be.InvokeAsync(Path.Combine(Folder, "missing"), cancellationToken: Ct));
        Assert.Throws<InvalidInputException>(() => new BatchDeploymentSpec("dep2", Substitute()) { MiniBatchSize = 0 }.Validate());
    }

    private static Model Substitute()
    {
        var model = NSubstitute.Substitute.For<Model>();
        NSubstitute.SubstituteExtensions.Returns(model.Name, "m");
        NSubstitute.SubstituteExtensions.Returns(model.Version, 1);
        return model;
    }

    /// <summary>Squares column 'n'; negative values are an error (throws for the whole call, so rows are retried one by one).</summary>
    private sealed class SquareScorer : IScorer
    {
        public Task InitAsync(ScorerContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task<string> RunAsync(string requestJson, CancellationToken cancellationToken)
        {
            var data = JsonNode.Parse(requestJson)!["input_data"]!["data"]!.AsArray();
            var values = data.Select(row => (double)row![0]!).ToList();
            if (values.Any(v => v < 0))
            {
                throw new InvalidInputException("n must not be negative", "n");
            }
            return Task.FromResult("{\"predictions\": [" + string.Join(",", values.Select(v => (v * v).ToString(CultureInfo.InvariantCulture))) + "]}");
        }
    }

    private sealed class SyncProgress<T>(List<T> sink) : IProgress<T>
    {
        public void Report(T value)
        {
            lock (sink)
            {
                sink.Add(value);
            }
        }
    }
}
