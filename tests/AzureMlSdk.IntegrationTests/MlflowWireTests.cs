using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AzureMlSdk.IntegrationTests;

/// <summary>The Emulator's MLflow routes with a raw HttpClient: MLflow's wire rules as its protos and handlers define them.</summary>
[Collection(EmulatorCollection.Name)]
public sealed partial class MlflowWireTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private string _ws = null!;

    public async Task InitializeAsync() => _ws = await emulator.CreateWorkspaceAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private string Url(string operation) => emulator.MlflowBase(_ws) + operation;

    private async Task<(HttpStatusCode Status, JsonObject Body, string Raw)> SendAsync(HttpMethod method, string operation, object? body = null, string? query = null, string? token = null)
    {
        using var request = new HttpRequestMessage(method, Url(operation) + (query is null ? string.Empty : "?" + query));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
        if (body is not null)
        {
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        }
        using var response = await emulator.Http.SendAsync(request);
        var raw = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, raw.Length == 0 ? [] : (JsonNode.Parse(raw) as JsonObject ?? []), raw);
    }

    private Task<(HttpStatusCode Status, JsonObject Body, string Raw)> PostAsync(string operation, object body) => SendAsync(HttpMethod.Post, operation, body);

    private Task<(HttpStatusCode Status, JsonObject Body, string Raw)> GetAsync(string operation, string query) => SendAsync(HttpMethod.Get, operation, query: query);

    private static void AssertError(HttpStatusCode expectedStatus, string expectedCode, (HttpStatusCode Status, JsonObject Body, string Raw) reply)
    {
        Assert.True(reply.Status == expectedStatus, $"expected {(int)expectedStatus}, got {(int)reply.Status}: {reply.Raw}");
        Assert.Equal(expectedCode, reply.Body["error_code"]?.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(reply.Body["message"]?.GetValue<string>()));
    }

    private async Task<string> NewExperimentAsync(string? name = null)
    {
        var reply = await PostAsync("experiments/create", new { name = name ?? "exp-" + Guid.NewGuid().ToString("N")[..8] });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Body["experiment_id"]!.GetValue<string>();
    }

    private async Task<string> NewRunAsync(string experimentId, string? name = null)
    {
        var reply = await PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1_700_000_000_000L, run_name = name });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        return reply.Body["run"]!["info"]!["run_id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Requests_without_a_valid_bearer_token_get_401_in_each_surfaces_shape()
    {
        using var anonymous = new HttpClient { BaseAddress = emulator.BaseAddress };
        using var mlflow = await anonymous.GetAsync(Url("experiments/get?experiment_id=1"));
        Assert.Equal(HttpStatusCode.Unauthorized, mlflow.StatusCode);
        Assert.Equal("UNAUTHENTICATED", JsonNode.Parse(await mlflow.Content.ReadAsStringAsync())!["error_code"]!.GetValue<string>());

        var wrong = await SendAsync(HttpMethod.Get, "experiments/get", query: "experiment_id=1", token: "not-the-token");
        AssertError(HttpStatusCode.Unauthorized, "UNAUTHENTICATED", wrong);
        Assert.DoesNotContain(emulator.Token, wrong.Raw, StringComparison.Ordinal);

        using var arm = await anonymous.GetAsync(EmulatorFixture.WorkspacePath(_ws) + "?api-version=2026-07-01");
        Assert.Equal(HttpStatusCode.Unauthorized, arm.StatusCode);
        var armError = JsonNode.Parse(await arm.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("AuthenticationFailed", armError["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Arm_routes_check_the_api_version()
    {
        using var missing = await emulator.Http.GetAsync(EmulatorFixture.WorkspacePath(_ws));
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("MissingApiVersionParameter", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        using var old = await emulator.Http.GetAsync(EmulatorFixture.WorkspacePath(_ws) + "?api-version=2019-01-01");
        Assert.Equal(HttpStatusCode.BadRequest, old.StatusCode);
        Assert.Equal("InvalidApiVersionParameter", JsonNode.Parse(await old.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
        using var unknown = await emulator.Http.GetAsync(EmulatorFixture.WorkspacePath("no-such-ws") + "?api-version=2026-07-01");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("ResourceNotFound", JsonNode.Parse(await unknown.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Workspace_reports_an_http_mlFlowTrackingUri_that_serves_the_MLflow_routes()
    {
        using var reply = await emulator.Http.GetAsync(EmulatorFixture.WorkspacePath(_ws) + "?api-version=2026-07-01");
        var body = JsonNode.Parse(await reply.Content.ReadAsStringAsync())!;
        Assert.Equal(EmulatorFixture.WorkspacePath(_ws), body["id"]!.GetValue<string>());
        Assert.Equal("Microsoft.MachineLearningServices/workspaces", body["type"]!.GetValue<string>());
        var tracking = body["properties"]!["mlFlowTrackingUri"]!.GetValue<string>();
        Assert.Equal(new Uri(emulator.BaseAddress, $"/mlflow/v1.0{EmulatorFixture.WorkspacePath(_ws)}").AbsoluteUri, tracking);
        using var search = await emulator.Http.GetAsync(tracking + "/api/2.0/mlflow/experiments/search?max_results=5");
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
    }

    [Fact]
    public async Task Create_experiment_returns_a_string_id_and_a_taken_name_is_RESOURCE_ALREADY_EXISTS_400()
    {
        var reply = await PostAsync("experiments/create", new { name = "dup", tags = new[] { new { key = "team", value = "a" } } });
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        Assert.Equal(JsonValueKind.String, reply.Body["experiment_id"]!.GetValueKind());
        Assert.Single(reply.Body);

        AssertError(HttpStatusCode.BadRequest, "RESOURCE_ALREADY_EXISTS", await PostAsync("experiments/create", new { name = "dup" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("experiments/create", new { }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("experiments/create", """{"name": 12}"""));
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await GetAsync("experiments/get-by-name", "experiment_name=never"));
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await GetAsync("experiments/get", "experiment_id=987654"));
    }

    [Fact]
    public async Task Experiment_fields_are_snake_case_with_int64_numbers()
    {
        var id = await NewExperimentAsync("fields");
        var experiment = (await GetAsync("experiments/get", "experiment_id=" + id)).Body["experiment"]!.AsObject();
        Assert.Equal(id, experiment["experiment_id"]!.GetValue<string>());
        Assert.Equal("fields", experiment["name"]!.GetValue<string>());
        Assert.Equal("active", experiment["lifecycle_stage"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.Number, experiment["creation_time"]!.GetValueKind());
        Assert.Equal(JsonValueKind.Number, experiment["last_update_time"]!.GetValueKind());
        Assert.False(experiment.ContainsKey("tags")); // empty repeated fields are omitted
    }

    [Fact]
    public async Task A_new_run_omits_empty_fields_and_uses_MLflow_status_names()
    {
        var run = (await PostAsync("runs/create", new { experiment_id = await NewExperimentAsync(), start_time = 1_700_000_000_000L })).Body["run"]!.AsObject();
        var info = run["info"]!.AsObject();
        Assert.Equal("RUNNING", info["status"]!.GetValue<string>());
        Assert.Equal("active", info["lifecycle_stage"]!.GetValue<string>());
        Assert.Equal(1_700_000_000_000L, info["start_time"]!.GetValue<long>());
        Assert.Equal(32, info["run_id"]!.GetValue<string>().Length);
        Assert.Equal(info["run_id"]!.GetValue<string>(), info["run_uuid"]!.GetValue<string>());
        Assert.False(info.ContainsKey("end_time"));
        Assert.False(string.IsNullOrEmpty(info["run_name"]!.GetValue<string>())); // a name is picked, as MLflow does
        var data = run["data"]!.AsObject();
        Assert.False(data.ContainsKey("metrics"));
        Assert.False(data.ContainsKey("params"));

        var runId = info["run_id"]!.GetValue<string>();
        var updated = await PostAsync("runs/update", new { run_id = runId, status = "FINISHED", end_time = 1_700_000_001_000L });
        Assert.Equal("FINISHED", updated.Body["run_info"]!["status"]!.GetValue<string>());
        Assert.Equal(1_700_000_001_000L, updated.Body["run_info"]!["end_time"]!.GetValue<long>());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/update", new { run_id = runId, status = "DONE" }));
    }

    [Fact]
    public async Task Get_only_routes_reject_POST_and_accept_query_strings()
    {
        var experimentId = await NewExperimentAsync();
        var post = await PostAsync("runs/get", new { run_id = "x" });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.Status);
        var get = await GetAsync("experiments/search", "max_results=1000&view_type=ALL");
        Assert.Equal(HttpStatusCode.OK, get.Status);
        Assert.Contains(get.Body["experiments"]!.AsArray(), e => e!["experiment_id"]!.GetValue<string>() == experimentId);
        AssertError(HttpStatusCode.NotFound, "ENDPOINT_NOT_FOUND", await GetAsync("runs/not-an-operation", "x=1"));
    }

    [Fact]
    public async Task Log_batch_enforces_MLflow_limits()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        object Metrics(int n) => Enumerable.Range(0, n).Select(i => new { key = "m", value = (double)i, timestamp = 1000L + i, step = (long)i }).ToArray();
        object Pairs(int n, string prefix) => Enumerable.Range(0, n).Select(i => new { key = prefix + i, value = "v" }).ToArray();

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/log-batch", new { run_id = runId, metrics = Metrics(1000) })).Status);
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-batch", new { run_id = runId, metrics = Metrics(1001) }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-batch", new { run_id = runId, @params = Pairs(101, "p") }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-batch", new { run_id = runId, tags = Pairs(101, "t") }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-batch", new { run_id = runId, metrics = Metrics(950), @params = Pairs(51, "q") }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-batch", new { run_id = runId, metrics = new[] { new { key = "m", value = 1.0 } } }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-batch", new { run_id = runId, metrics = new[] { new { key = new string('k', 251), value = 1.0, timestamp = 1L } } }));
        var history = await GetAsync("metrics/get-history", $"run_id={runId}&metric_key=m");
        Assert.Equal(1000, history.Body["metrics"]!.AsArray().Count);
    }

    [Fact]
    public async Task Params_are_immutable_and_a_rejected_batch_writes_nothing()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.1" })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.1" })).Status);
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.2" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-batch", new
        {
            run_id = runId,
            metrics = new[] { new { key = "loss", value = 1.0, timestamp = 5L, step = 0L } },
            @params = new[] { new { key = "lr", value = "0.3" } },
        }));
        var run = (await GetAsync("runs/get", "run_id=" + runId)).Body["run"]!;
        Assert.Null(run["data"]!["metrics"]);
        Assert.Equal("0.1", run["data"]!["params"]!.AsArray().Single()!["value"]!.GetValue<string>());
    }

    [Fact]
    public async Task Non_finite_metric_values_travel_as_proto_JSON_strings()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        var reply = await PostAsync("runs/log-batch", """
            {"run_id": "RUN", "metrics": [
              {"key": "x", "value": "NaN", "timestamp": 1, "step": 0},
              {"key": "x", "value": "Infinity", "timestamp": 2, "step": 1},
              {"key": "x", "value": "-Infinity", "timestamp": 3, "step": 2},
              {"key": "x", "value": 0.25, "timestamp": "4", "step": "3"}]}
            """.Replace("RUN", runId, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, reply.Status);
        var metrics = (await GetAsync("metrics/get-history", $"run_id={runId}&metric_key=x")).Body["metrics"]!.AsArray();
        Assert.Equal(["NaN", "Infinity", "-Infinity"], metrics.Take(3).Select(m => m!["value"]!.GetValue<string>()));
        Assert.Equal(0.25, metrics[3]!["value"]!.GetValue<double>());
        Assert.Equal(4L, metrics[3]!["timestamp"]!.GetValue<long>());
        Assert.Equal(3L, metrics[3]!["step"]!.GetValue<long>());
    }

    [Fact]
    public async Task Deleted_runs_reject_writes_leave_active_searches_and_come_back_on_restore()
    {
        var experimentId = await NewExperimentAsync();
        var runId = await NewRunAsync(experimentId);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/delete", new { run_id = runId })).Status);

        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/log-metric", new { run_id = runId, key = "m", value = 1.0, timestamp = 1L }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/set-tag", new { run_id = runId, key = "t", value = "v" }));
        var got = await GetAsync("runs/get", "run_id=" + runId);
        Assert.Equal("deleted", got.Body["run"]!["info"]!["lifecycle_stage"]!.GetValue<string>());

        var active = await PostAsync("runs/search", new { experiment_ids = new[] { experimentId } });
        Assert.Null(active.Body["runs"]);
        var deleted = await PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, run_view_type = "DELETED_ONLY" });
        Assert.Single(deleted.Body["runs"]!.AsArray());

        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/restore", new { run_id = runId })).Status);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/log-metric", new { run_id = runId, key = "m", value = 1.0, timestamp = 1L })).Status);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await GetAsync("runs/get", "run_id=0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public async Task Tags_are_last_write_wins_and_deleting_a_missing_tag_is_not_found()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        await PostAsync("runs/set-tag", new { run_id = runId, key = "t", value = "1" });
        await PostAsync("runs/set-tag", new { run_id = runId, key = "t", value = "2" });
        var tags = (await GetAsync("runs/get", "run_id=" + runId)).Body["run"]!["data"]!["tags"]!.AsArray();
        Assert.Equal("2", tags.Single(t => t!["key"]!.GetValue<string>() == "t")!["value"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("runs/delete-tag", new { run_id = runId, key = "t" })).Status);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("runs/delete-tag", new { run_id = runId, key = "t" }));
    }

    [Fact]
    public async Task Search_runs_pages_with_page_token_and_max_results_and_filters()
    {
        var experimentId = await NewExperimentAsync();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var runId = await NewRunAsync(experimentId, "r" + i);
            created.Add(runId);
            await PostAsync("runs/log-metric", new { run_id = runId, key = "acc", value = i / 10.0, timestamp = 1L, step = 0L });
        }
        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, max_results = 2, page_token = token, order_by = new[] { "metrics.acc DESC" } });
            Assert.Equal(HttpStatusCode.OK, page.Status);
            seen.AddRange(page.Body["runs"]!.AsArray().Select(r => r!["info"]!["run_id"]!.GetValue<string>()));
            token = page.Body["next_page_token"]?.GetValue<string>();
            pages++;
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(created), seen);

        var filtered = await PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.acc >= 0.3" });
        Assert.Equal(2, filtered.Body["runs"]!.AsArray().Count);
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.acc >>> 1" }));
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, max_results = 50001 }));
    }

    [Fact]
    public async Task Search_experiments_filters_orders_and_pages()
    {
        var prefix = "se" + Guid.NewGuid().ToString("N")[..6];
        foreach (var suffix in new[] { "c", "a", "b" })
        {
            await NewExperimentAsync(prefix + "-" + suffix);
        }
        var names = new List<string>();
        string? token = null;
        do
        {
            var page = await PostAsync("experiments/search", new { filter = $"name LIKE '{prefix}-%'", order_by = new[] { "name ASC" }, max_results = 2, page_token = token });
            names.AddRange(page.Body["experiments"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));
            token = page.Body["next_page_token"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal([prefix + "-a", prefix + "-b", prefix + "-c"], names);
    }

    [Fact]
    public async Task Metric_history_pages_with_max_results()
    {
        var runId = await NewRunAsync(await NewExperimentAsync());
        await PostAsync("runs/log-batch", new { run_id = runId, metrics = Enumerable.Range(0, 25).Select(i => new { key = "h", value = (double)i, timestamp = 100L + i, step = (long)i }).ToArray() });
        var values = new List<double>();
        string? token = null;
        do
        {
            var page = await GetAsync("metrics/get-history", $"run_id={runId}&metric_key=h&max_results=10" + (token is null ? string.Empty : "&page_token=" + Uri.EscapeDataString(token)));
            values.AddRange(page.Body["metrics"]!.AsArray().Select(m => m!["value"]!.GetValue<double>()));
            token = page.Body["next_page_token"]?.GetValue<string>();
        }
        while (token is not null);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (double)i), values);
    }

    [Fact]
    public async Task Deleted_experiments_are_kept_by_name_and_restore_brings_them_back()
    {
        var id = await NewExperimentAsync("to-delete");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("experiments/delete", new { experiment_id = id })).Status);
        var byName = await GetAsync("experiments/get-by-name", "experiment_name=to-delete");
        Assert.Equal("deleted", byName.Body["experiment"]!["lifecycle_stage"]!.GetValue<string>());
        AssertError(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE", await PostAsync("runs/create", new { experiment_id = id, start_time = 1L }));
        AssertError(HttpStatusCode.BadRequest, "RESOURCE_ALREADY_EXISTS", await PostAsync("experiments/create", new { name = "to-delete" }));
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("experiments/restore", new { experiment_id = id })).Status);
        AssertError(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST", await PostAsync("experiments/restore", new { experiment_id = id }));
    }
}
