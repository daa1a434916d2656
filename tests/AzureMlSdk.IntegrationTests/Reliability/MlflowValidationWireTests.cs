using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests.Reliability;

/// <summary>
/// MLflow's server-side validation (<c>mlflow/server/handlers.py</c> schemas, <c>mlflow/utils/validation.py</c>) rule by rule
/// on the Emulator's MLflow routes: what MLflow refuses is a 400 INVALID_PARAMETER_VALUE naming the field, what it accepts
/// (a param without a value, a key with '..' inside a segment, 1e400) is accepted. Plus the smaller faults of issue 16 item 9:
/// non-ASCII experiment names, encoded slashes in artifact paths, huge invalid values echoed, -0.0.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class MlflowValidationWireTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private string _ws = null!;
    private string _runId = null!;

    public async Task InitializeAsync()
    {
        _ws = await emulator.CreateWorkspaceAsync();
        var experiment = (await PostAsync("experiments/create", new { name = "rules-" + Guid.NewGuid().ToString("N")[..8] })).Body["experiment_id"]!.GetValue<string>();
        _runId = (await PostAsync("runs/create", new { experiment_id = experiment, start_time = 1_700_000_000_000L })).Body["run"]!["info"]!["run_id"]!.GetValue<string>();
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(HttpStatusCode Status, JsonObject Body, string Raw)> SendAsync(HttpMethod method, string pathAndQuery, object? body = null)
    {
        using var request = new HttpRequestMessage(method, emulator.MlflowBase(_ws) + pathAndQuery);
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using var response = await emulator.Http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, raw.Length == 0 ? [] : (JsonNode.Parse(raw) as JsonObject ?? []), raw);
    }

    private Task<(HttpStatusCode Status, JsonObject Body, string Raw)> PostAsync(string operation, object body) => SendAsync(HttpMethod.Post, operation, body);

    private static void AssertRefused((HttpStatusCode Status, JsonObject Body, string Raw) reply, string fragment)
    {
        Assert.True(reply.Status == HttpStatusCode.BadRequest, $"expected 400, got {(int)reply.Status}: {reply.Raw}");
        Assert.Equal("INVALID_PARAMETER_VALUE", reply.Body["error_code"]?.GetValue<string>());
        Assert.Contains(fragment, reply.Body["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static void AssertOk((HttpStatusCode Status, JsonObject Body, string Raw) reply) =>
        Assert.True(reply.Status == HttpStatusCode.OK, $"expected 200, got {(int)reply.Status}: {reply.Raw}");

    private string Batch(string fields) => "{\"run_id\": \"" + _runId + "\", " + fields + "}";

    // ------------------------------------------------------------------ log-batch, one rule per case

    [Theory]
    [InlineData("\"metrics\": [{\"value\": 1, \"timestamp\": 1}]", "metrics[0].key")]
    [InlineData("\"metrics\": [{\"key\": \"\", \"value\": 1, \"timestamp\": 1}]", "metrics[0].key")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": 1, \"timestamp\": 1}, {\"key\": \"m\", \"timestamp\": 1}]", "metrics[1].value")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": 1}]", "metrics[0].timestamp")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": \"abc\", \"timestamp\": 1}]", "Got invalid value \"abc\" for metric 'm'")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": true, \"timestamp\": 1}]", "Got invalid value true")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": {\"v\": 1}, \"timestamp\": 1}]", "Got invalid value")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": 1, \"timestamp\": -1}]", "Got invalid timestamp -1 for metric 'm'")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": 1, \"timestamp\": 1.5}]", "metrics[0].timestamp")]
    [InlineData("\"metrics\": [{\"key\": \"m\", \"value\": 1, \"timestamp\": 1, \"step\": \"x\"}]", "metrics[0].step")]
    [InlineData("\"metrics\": [{\"key\": \"a*b\", \"value\": 1, \"timestamp\": 1}]", "a*b")]
    [InlineData("\"metrics\": [{\"key\": \"a//b\", \"value\": 1, \"timestamp\": 1}]", "a//b")]
    [InlineData("\"metrics\": [{\"key\": \"a/\", \"value\": 1, \"timestamp\": 1}]", "a/")]
    [InlineData("\"metrics\": [{\"key\": \"./a\", \"value\": 1, \"timestamp\": 1}]", "./a")]
    [InlineData("\"metrics\": [{\"key\": \"a/../b\", \"value\": 1, \"timestamp\": 1}]", "a/../b")]
    [InlineData("\"metrics\": [1]", "metrics")]
    [InlineData("\"metrics\": {\"key\": \"m\"}", "metrics")]
    [InlineData("\"params\": [{\"value\": \"v\"}]", "params[0].key")]
    [InlineData("\"params\": [{\"key\": \"p\", \"value\": 3}]", "params[0].value")]
    [InlineData("\"params\": [{\"key\": \"p\", \"value\": \"1\"}, {\"key\": \"p\", \"value\": \"1\"}]", "Duplicate parameter keys have been submitted: ['p']")]
    [InlineData("\"params\": [{\"key\": \"p\", \"value\": \"1\"}, {\"key\": \"p\", \"value\": \"2\"}]", "Duplicate parameter keys")]
    [InlineData("\"tags\": [{\"value\": \"v\"}]", "tags[0].key")]
    [InlineData("\"tags\": \"t\"", "tags")]
    public async Task Log_batch_refuses_what_MLflow_refuses(string fields, string expected)
    {
        AssertRefused(await PostAsync("runs/log-batch", Batch(fields)), expected);
        // A refused batch writes nothing.
        var run = (await SendAsync(HttpMethod.Get, "runs/get?run_id=" + _runId)).Body["run"]!["data"]!;
        Assert.Null(run["metrics"]);
        Assert.Null(run["params"]);
    }

    [Fact]
    public async Task Log_batch_requires_a_string_run_id()
    {
        AssertRefused(await PostAsync("runs/log-batch", "{\"metrics\": []}"), "run_id");
        AssertRefused(await PostAsync("runs/log-batch", "{\"run_id\": 12}"), "run_id");
    }

    [Fact]
    public async Task Log_batch_counts_entities_as_MLflow_does()
    {
        object Metrics(int n) => Enumerable.Range(0, n).Select(i => new { key = "m", value = (double)i, timestamp = 1000L + i, step = (long)i }).ToArray();
        object Pairs(int n, string prefix) => Enumerable.Range(0, n).Select(i => new { key = prefix + i, value = "v" }).ToArray();
        AssertRefused(await PostAsync("runs/log-batch", new { run_id = _runId, metrics = Metrics(1001) }), "at most 1000 metrics. Got 1001 metrics");
        AssertRefused(await PostAsync("runs/log-batch", new { run_id = _runId, @params = Pairs(101, "p") }), "at most 100 params. Got 101 params");
        AssertRefused(await PostAsync("runs/log-batch", new { run_id = _runId, tags = Pairs(101, "t") }), "at most 100 tags. Got 101 tags");
        AssertRefused(await PostAsync("runs/log-batch", new { run_id = _runId, metrics = Metrics(950), @params = Pairs(51, "q") }), "at most 1000 metrics, params, and tags. Got 1001");
        AssertOk(await PostAsync("runs/log-batch", new { run_id = _runId, metrics = Metrics(900), @params = Pairs(50, "q"), tags = Pairs(50, "t") }));
    }

    [Fact]
    public async Task Log_batch_checks_key_and_value_lengths()
    {
        AssertRefused(await PostAsync("runs/log-batch", new { run_id = _runId, @params = new[] { new { key = "p", value = new string('v', 6001) } } }), "6001");
        AssertRefused(await PostAsync("runs/log-batch", new { run_id = _runId, tags = new[] { new { key = "t", value = new string('v', 8001) } } }), "8001");
        AssertRefused(await PostAsync("runs/log-batch", new { run_id = _runId, @params = new[] { new { key = new string('k', 251), value = "v" } } }), "251");
        AssertOk(await PostAsync("runs/log-batch", new { run_id = _runId, @params = new[] { new { key = new string('k', 250), value = new string('v', 6000) } }, tags = new[] { new { key = "t", value = new string('v', 8000) } } }));
    }

    [Fact]
    public async Task Log_batch_accepts_what_MLflow_accepts()
    {
        AssertOk(await PostAsync("runs/log-batch", Batch("""
            "params": [{"key": "no-value"}],
            "tags": [{"key": "empty-tag"}],
            "metrics": [
              {"key": "a..b", "value": 1, "timestamp": 1},
              {"key": "huge", "value": 1e400, "timestamp": 2},
              {"key": "typed", "value": "2.5", "timestamp": "3", "step": 4.0},
              {"key": "no-step", "value": 1, "timestamp": 5}]
            """)));
        var data = (await SendAsync(HttpMethod.Get, "runs/get?run_id=" + _runId)).Body["run"]!["data"]!;
        Assert.Equal("", data["params"]!.AsArray().Single(p => p!["key"]!.GetValue<string>() == "no-value")!["value"]!.GetValue<string>());
        Assert.Equal("", data["tags"]!.AsArray().Single(p => p!["key"]!.GetValue<string>() == "empty-tag")!["value"]!.GetValue<string>());
        var metrics = data["metrics"]!.AsArray().ToDictionary(m => m!["key"]!.GetValue<string>(), m => m!);
        Assert.Equal("Infinity", metrics["huge"]!["value"]!.GetValue<string>());
        Assert.Equal(2.5, metrics["typed"]!["value"]!.GetValue<double>());
        Assert.Equal(4L, metrics["typed"]!["step"]!.GetValue<long>());
        Assert.Equal(0L, metrics["no-step"]!["step"]!.GetValue<long>());
    }

    [Theory]
    [InlineData("text/plain", "Content-Type must be one of ['application/json']")]
    [InlineData("application/x-www-form-urlencoded", "Content-Type must be one of ['application/json']")]
    [InlineData(null, "Content-Type header is missing")]
    public async Task Posts_must_say_they_are_JSON_as_MLflow_requires(string? contentType, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, emulator.MlflowBase(_ws) + "runs/log-batch");
        request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Batch("\"params\": [{\"key\": \"ct\", \"value\": \"1\"}]")));
        if (contentType is not null)
        {
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }
        using var reply = await emulator.Http.SendAsync(request);
        var raw = await reply.Content.ReadAsStringAsync();
        AssertRefused((reply.StatusCode, JsonNode.Parse(raw)!.AsObject(), raw), expected);
        AssertOk(await PostAsync("runs/log-batch", Batch("\"params\": [{\"key\": \"ct\", \"value\": \"1\"}]"))); // application/json; charset=utf-8
    }

    // ------------------------------------------------------------------ the other tracking routes

    [Fact]
    public async Task Single_entry_routes_follow_MLflows_schemas()
    {
        AssertRefused(await PostAsync("runs/log-metric", new { run_id = _runId, key = "m", value = 1.0, timestamp = -5L }), "Got invalid timestamp -5");
        AssertRefused(await PostAsync("runs/log-metric", new { run_id = _runId, key = "m", value = "abc", timestamp = 5L }), "Got invalid value");
        AssertRefused(await PostAsync("runs/log-metric", new { run_id = _runId, key = "m", timestamp = 5L }), "'value'");
        AssertRefused(await PostAsync("runs/log-metric", new { run_id = _runId, key = "m", value = 1.0 }), "'timestamp'");
        AssertRefused(await PostAsync("runs/log-parameter", new { run_id = _runId, value = "v" }), "'key'");
        AssertRefused(await PostAsync("runs/set-tag", new { run_id = _runId, key = "k", value = 5 }), "'value'");
        // value is optional on log-parameter, set-tag and set-experiment-tag (the proto's default "").
        AssertOk(await PostAsync("runs/log-parameter", new { run_id = _runId, key = "p-empty" }));
        AssertOk(await PostAsync("runs/set-tag", new { run_id = _runId, key = "t-empty" }));
        var run = (await SendAsync(HttpMethod.Get, "runs/get?run_id=" + _runId)).Body["run"]!["data"]!;
        Assert.Contains(run["params"]!.AsArray(), p => p!["key"]!.GetValue<string>() == "p-empty" && p["value"]!.GetValue<string>() == "");
    }

    [Fact]
    public async Task Experiment_routes_follow_MLflows_schemas()
    {
        var id = (await PostAsync("experiments/create", new { name = "exp-" + Guid.NewGuid().ToString("N")[..8] })).Body["experiment_id"]!.GetValue<string>();
        AssertRefused(await PostAsync("experiments/update", new { experiment_id = id }), "'new_name'");
        AssertRefused(await PostAsync("experiments/update", new { experiment_id = id, new_name = 4 }), "new_name");
        AssertRefused(await PostAsync("experiments/create", new { name = "x", tags = "t" }), "tags");
        AssertOk(await PostAsync("experiments/set-experiment-tag", new { experiment_id = id, key = "empty" }));
        var experiment = (await SendAsync(HttpMethod.Get, "experiments/get?experiment_id=" + id)).Body["experiment"]!;
        Assert.Contains(experiment["tags"]!.AsArray(), t => t!["key"]!.GetValue<string>() == "empty" && t["value"]!.GetValue<string>() == "");
    }

    [Fact]
    public async Task Log_inputs_checks_MLflows_dataset_and_input_tag_limits()
    {
        object Dataset(string name, string digest, string? tagValue = null) => new
        {
            run_id = _runId,
            datasets = new[]
            {
                new
                {
                    tags = tagValue is null ? Array.Empty<object>() : new object[] { new { key = "mlflow.data.context", value = tagValue } },
                    dataset = new { name, digest, source_type = "local", source = "{}" },
                },
            },
        };
        AssertRefused(await PostAsync("runs/log-inputs", Dataset(new string('n', 501), "d")), "Dataset name exceeds the maximum length of 500");
        AssertRefused(await PostAsync("runs/log-inputs", Dataset("n", new string('d', 37))), "Dataset digest exceeds the maximum length of 36");
        AssertRefused(await PostAsync("runs/log-inputs", Dataset("n", "d", new string('v', 501))), "InputTag value exceeds the maximum length of 500");
        AssertOk(await PostAsync("runs/log-inputs", Dataset(new string('n', 500), new string('d', 36), new string('v', 500))));
    }

    [Fact]
    public async Task Registry_descriptions_and_tags_meet_the_limits_the_ARM_routes_apply()
    {
        var name = "desc-" + Guid.NewGuid().ToString("N")[..8];
        AssertRefused(await PostAsync("registered-models/create", new { name, description = new string('d', 5001) }), "5001");
        AssertOk(await PostAsync("registered-models/create", new { name, description = new string('d', 5000) }));
        AssertRefused(await SendAsync(HttpMethod.Patch, "registered-models/update", new { name, description = new string('d', 5001) }), "5001");
        AssertRefused(await PostAsync("registered-models/set-tag", new { name, key = new string('k', 251), value = "v" }), "251");
        AssertRefused(await PostAsync("registered-models/set-tag", new { name, key = "t", value = new string('v', 100_001) }), "100001");
        AssertRefused(await PostAsync("registered-models/create", new { name = "has space" }), "has space");
    }

    /// <summary>The registry routes' schemas (checked before any lookup, as MLflow's handlers do): the model need not exist.</summary>
    [Theory]
    [InlineData("GET", "model-versions/get?name=nobody&version=abc", null, "version")]
    [InlineData("GET", "model-versions/get?name=nobody", null, "'version'")]
    [InlineData("POST", "model-versions/create", """{"name": "nobody"}""", "'source'")]
    [InlineData("POST", "model-versions/create", """{"name": "nobody", "source": 5}""", "source")]
    [InlineData("POST", "model-versions/transition-stage", """{"name": "nobody", "version": "1", "stage": "Bogus"}""", "Bogus")]
    [InlineData("POST", "model-versions/transition-stage", """{"name": "nobody", "version": "1", "stage": "Staging", "archive_existing_versions": "maybe"}""", "archive_existing_versions")]
    [InlineData("POST", "model-versions/transition-stage", """{"name": "nobody", "version": 1, "stage": "Staging"}""", "version")]
    [InlineData("POST", "registered-models/alias", """{"name": "nobody", "alias": "latest", "version": "1"}""", "latest")]
    [InlineData("POST", "registered-models/alias", """{"name": "nobody", "alias": "v3", "version": "1"}""", "v3")]
    [InlineData("POST", "registered-models/alias", """{"name": "nobody", "alias": "a b", "version": "1"}""", "a b")]
    [InlineData("POST", "model-versions/set-tag", """{"name": "nobody", "version": "1", "value": "v"}""", "'key'")]
    [InlineData("POST", "registered-models/create", """{"name": ""}""", "'name'")]
    [InlineData("POST", "registered-models/create", """{"name": "m", "tags": {"k": "v"}}""", "tags")]
    [InlineData("GET", "registered-models/search?max_results=1001", null, "max_results")]
    [InlineData("GET", "model-versions/search?max_results=200001", null, "max_results")]
    public async Task Registry_routes_refuse_what_MLflow_refuses(string method, string path, string? body, string expected) =>
        AssertRefused(await SendAsync(new HttpMethod(method), path, body), expected);

    [Fact]
    public async Task Logged_model_params_and_tags_follow_the_run_rules()
    {
        var experiment = (await SendAsync(HttpMethod.Get, "runs/get?run_id=" + _runId)).Body["run"]!["info"]!["experiment_id"]!.GetValue<string>();
        AssertRefused(await PostAsync("logged-models", new { experiment_id = experiment, @params = new[] { new { key = "a//b", value = "v" } } }), "a//b");
        AssertRefused(await PostAsync("logged-models", new { experiment_id = experiment, tags = new[] { new { key = "t", value = new string('v', 8001) } } }), "8001");
        AssertRefused(await PostAsync("logged-models", new { experiment_id = experiment, @params = new[] { new { key = "p", value = new string('v', 6001) } } }), "6001");
        AssertOk(await PostAsync("logged-models", new { experiment_id = experiment, @params = new[] { new { key = "p", value = "1" } }, tags = new[] { new { key = "t", value = "v" } } }));
    }

    // ------------------------------------------------------------------ issue 16, item 9

    [Theory]
    [InlineData("Expérience-données")]
    [InlineData("实验_1")]
    [InlineData("Эксперимент.2")]
    public async Task Non_ASCII_experiment_names_are_accepted_as_MLflow_does(string name)
    {
        var created = await PostAsync("experiments/create", new { name });
        AssertOk(created);
        var byName = await SendAsync(HttpMethod.Get, "experiments/get-by-name?experiment_name=" + Uri.EscapeDataString(name));
        AssertOk(byName);
        Assert.Equal(created.Body["experiment_id"]!.GetValue<string>(), byName.Body["experiment"]!["experiment_id"]!.GetValue<string>());
        Assert.Equal(name, byName.Body["experiment"]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("a%2Fb.txt")]
    [InlineData("a%2fb.txt")]
    [InlineData("dir%5Cfile.txt")]
    public async Task Encoded_separators_in_artifact_paths_are_400_not_literal_names(string name)
    {
        var folder = $"ExperimentRun/dcid.{_runId}/enc";
        using var request = new HttpRequestMessage(HttpMethod.Put, emulator.ArtifactsBase(_ws) + $"artifacts/{folder}/{name}") { Content = new ByteArrayContent([1, 2, 3]) };
        using var reply = await emulator.Http.SendAsync(request);
        var raw = await reply.Content.ReadAsStringAsync();
        Assert.True(reply.StatusCode == HttpStatusCode.BadRequest, $"{(int)reply.StatusCode}: {raw}");
        Assert.Equal("INVALID_PARAMETER_VALUE", JsonNode.Parse(raw)!["error_code"]!.GetValue<string>());
        var listing = JsonNode.Parse(await emulator.Http.GetStringAsync(emulator.ArtifactsBase(_ws) + "artifacts?path=" + Uri.EscapeDataString(folder)))!;
        Assert.Null(listing["files"]);
        // A '%' that is part of the name (sent as %25) is still a name.
        using var literal = new HttpRequestMessage(HttpMethod.Put, emulator.ArtifactsBase(_ws) + $"artifacts/{folder}/100%25.txt") { Content = new ByteArrayContent([1]) };
        using var literalReply = await emulator.Http.SendAsync(literal);
        Assert.Equal(HttpStatusCode.OK, literalReply.StatusCode);
    }

    [Fact]
    public async Task A_5_MB_invalid_value_is_not_echoed_whole()
    {
        var huge = new string('x', 5 * 1024 * 1024);
        foreach (var (operation, body) in new (string, object)[]
        {
            ("experiments/create", new { name = new[] { huge } }),
            ("runs/log-metric", new { run_id = _runId, key = "m", value = huge, timestamp = 1L }),
            ("runs/log-batch", new { run_id = _runId, metrics = new[] { new { key = "m", value = huge, timestamp = 1L } } }),
            ("runs/update", new { run_id = _runId, status = huge }),
            ("runs/set-tag", new { run_id = _runId, key = huge, value = "v" }),
        })
        {
            var reply = await PostAsync(operation, body);
            Assert.Equal(HttpStatusCode.BadRequest, reply.Status);
            Assert.True(reply.Raw.Length < 4000, $"{operation}: a {reply.Raw.Length}-character reply");
        }
    }

    [Fact]
    public async Task Negative_zero_reads_back_as_negative_zero()
    {
        AssertOk(await PostAsync("runs/log-batch", Batch("\"metrics\": [{\"key\": \"z\", \"value\": -0.0, \"timestamp\": 1, \"step\": 0}]")));
        AssertOk(await PostAsync("runs/log-metric", "{\"run_id\": \"" + _runId + "\", \"key\": \"z2\", \"value\": -0.0, \"timestamp\": 1}"));
        var history = (await SendAsync(HttpMethod.Get, $"metrics/get-history?run_id={_runId}&metric_key=z")).Body["metrics"]!.AsArray();
        Assert.True(double.IsNegative(history.Single()!["value"]!.GetValue<double>()), history.ToJsonString());
        var latest = (await SendAsync(HttpMethod.Get, "runs/get?run_id=" + _runId)).Body["run"]!["data"]!["metrics"]!.AsArray();
        Assert.All(latest.Where(m => m!["key"]!.GetValue<string>().StartsWith('z')), m => Assert.True(double.IsNegative(m!["value"]!.GetValue<double>()), m!.ToJsonString()));
        // A search compares it as zero, as MLflow does.
        var experiment = (await SendAsync(HttpMethod.Get, "runs/get?run_id=" + _runId)).Body["run"]!["info"]!["experiment_id"]!.GetValue<string>();
        var found = await PostAsync("runs/search", new { experiment_ids = new[] { experiment }, filter = "metrics.z = 0" });
        Assert.Single(found.Body["runs"]!.AsArray());
    }
}
