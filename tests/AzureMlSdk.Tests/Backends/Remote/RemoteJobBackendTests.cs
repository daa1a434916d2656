using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Assets;
using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Blob;
using AzureMlSdk.Backends.Remote.History;
using AzureMlSdk.Backends.Remote.Http;
using AzureMlSdk.Backends.Remote.Jobs;
using AzureMlSdk.Jobs;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>
/// <see cref="RemoteJobBackend"/> over a stub ARM / run-history / blob transport with the real Refit clients: the bodies it sends are
/// checked against the 2026-07-01 spec, references are resolved through the workspace's contract (NSubstitute), and logs, lists,
/// cancel, archive and download behave as azure-ai-ml's.
/// </summary>
public sealed class RemoteJobBackendTests : IDisposable
{
    private const string Sub = "00000000-1111-2222-3333-444444444444";
    private const string WsPath = $"/subscriptions/{Sub}/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws1";
    private const string ArmHost = "arm.test";
    private const string HistoryHost = "api.test";
    private const string BlobHost = "blob.test";

    private static readonly OpenApiValidator Spec = new(Path.Combine(RestSpecFolder.Find(), "2026-07-01", "openapi.json"), Path.Combine(RestSpecFolder.Find(), "common-types"));

    private readonly StubHandler _stub = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentDictionary<string, JsonObject> _jobs = new(StringComparer.Ordinal);
    private readonly IWorkspaceBackend _owner = Substitute.For<IWorkspaceBackend>();
    private readonly IAssetBackend _assets = Substitute.For<IAssetBackend>();
    private readonly IDatastoreBackend _datastores = Substitute.For<IDatastoreBackend>();
    private readonly IComputeBackend _computes = Substitute.For<IComputeBackend>();
    private readonly IArtifactStore _artifacts = Substitute.For<IArtifactStore>();
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("remote-jobs-");
    private readonly HttpClient _arm;
    private readonly HttpClient _history;
    private readonly HttpClient _blob;
    private readonly RemoteJobBackend _backend;

    private string _runStatus = "Running";
    private string? _runError;
    private byte[] _log = [];
    private bool _rangeIgnored;
    private int _cancelPolls;
    private bool _historyKnowsJobs = true;

    public RemoteJobBackendTests()
    {
        _stub.Route = Answer;
        _arm = new HttpClient(_stub) { BaseAddress = new Uri($"https://{ArmHost}") };
        _history = new HttpClient(_stub) { BaseAddress = new Uri($"https://{HistoryHost}") };
        _blob = new HttpClient(_stub);
        _history.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "arm-SECRET");
        _owner.Assets.Returns(_assets);
        _owner.Datastores.Returns(_datastores);
        _owner.Computes.Returns(_computes);
        _owner.Artifacts.Returns(_artifacts);
        _datastores.DefaultDatastoreName.Returns("workspaceblobstore");
        _backend = new RemoteJobBackend(
            RemoteHttp.For<IArmCommandJobsApi>(_arm, ArmJobJsonContext.Default),
            new ArmLongRunningOperation(_arm, _time, TimeSpan.FromMinutes(5)),
            new WorkspaceCoordinates(Sub, "rg", "ws1"),
            RemoteHttp.For<IRunHistoryApi>(_history, RunHistoryJsonContext.Default),
            _history, _blob, _owner, _time);
    }

    public void Dispose()
    {
        _arm.Dispose();
        _history.Dispose();
        _blob.Dispose();
        _temp.Delete(recursive: true);
    }

    // ------------------------------------------------------------------ the stub service

    private HttpResponseMessage Answer(StubRequest r)
    {
        var path = Uri.UnescapeDataString(r.Path);
        if (r.Uri.Host == ArmHost)
        {
            Assert.True(path.StartsWith("/operations/", StringComparison.Ordinal) || r.Uri.Query.Contains("api-version=2026-07-01", StringComparison.Ordinal), path);
            if (path == WsPath + "/jobs" && r.Method == HttpMethod.Get)
            {
                var archived = r.Uri.Query.Contains("listViewType=All", StringComparison.Ordinal);
                var all = _jobs.Values.Where(j => archived || j["properties"]!["isArchived"]?.GetValue<bool>() != true).Select(j => j.DeepClone()).ToList();
                var skip = r.Uri.Query.Contains("%24skip=1", StringComparison.Ordinal) || r.Uri.Query.Contains("$skip=1", StringComparison.Ordinal) ? 1 : 0;
                var page = new JsonObject { ["value"] = new JsonArray([.. all.Skip(skip).Take(1)]) };
                if (skip + 1 < all.Count)
                {
                    page["nextLink"] = $"https://{ArmHost}{WsPath}/jobs?api-version=2026-07-01&listViewType=ActiveOnly&$skip=1";
                }
                return StubHandler.Json(200, page.ToJsonString());
            }
            if (path.StartsWith(WsPath + "/jobs/", StringComparison.Ordinal))
            {
                var rest = path[(WsPath.Length + "/jobs/".Length)..];
                if (rest.EndsWith("/cancel", StringComparison.Ordinal) && r.Method == HttpMethod.Post)
                {
                    return StubHandler.Json(202, "", ("Location", $"https://{ArmHost}/operations/cancel-1"), ("Retry-After", "0"));
                }
                if (r.Method == HttpMethod.Put)
                {
                    var body = JsonNode.Parse(r.Body!)!.AsObject();
                    var existed = _jobs.ContainsKey(rest);
                    body["id"] = $"{WsPath}/jobs/{rest}";
                    body["name"] = rest;
                    body["type"] = "Microsoft.MachineLearningServices/workspaces/jobs";
                    body["systemData"] = new JsonObject { ["createdAt"] = "2026-01-01T00:00:00Z" };
                    body["properties"]!["status"] = existed ? _jobs[rest]["properties"]!["status"]!.GetValue<string>() : "NotStarted";
                    _jobs[rest] = body;
                    return StubHandler.Json(existed ? 200 : 201, body.ToJsonString());
                }
                return _jobs.TryGetValue(rest, out var job)
                    ? StubHandler.Json(200, job.ToJsonString())
                    : StubHandler.Json(404, """{"error":{"code":"ResourceNotFound","message":"not found"}}""");
            }
            if (path == "/operations/cancel-1")
            {
                return ++_cancelPolls < 2 ? StubHandler.Json(202, "", ("Retry-After", "0")) : StubHandler.Json(200, "");
            }
        }
        if (r.Uri.Host == HistoryHost && path.StartsWith("/history/v1.0" + WsPath + "/runs/", StringComparison.Ordinal))
        {
            var rest = path[("/history/v1.0" + WsPath + "/runs/").Length..];
            if (rest.EndsWith("/details", StringComparison.Ordinal))
            {
                var runId = rest[..^"/details".Length];
                if (!_historyKnowsJobs || !_jobs.ContainsKey(runId))
                {
                    return StubHandler.Json(404, """{"error":{"code":"UserError","message":"no run"}}""");
                }
                var details = new JsonObject
                {
                    ["runId"] = runId,
                    ["status"] = _runStatus,
                    ["startTimeUtc"] = "2026-01-01T00:00:05Z",
                    ["endTimeUtc"] = "2026-01-01T00:01:00Z",
                    ["logFiles"] = new JsonObject
                    {
                        ["system_logs/lifecycler/execution-wrapper.log"] = $"https://{BlobHost}/azureml/ExperimentRun/dcid.{runId}/system_logs/x.log?sig=SAS",
                        ["user_logs/std_log.txt"] = $"https://{BlobHost}/azureml/ExperimentRun/dcid.{runId}/user_logs/std_log.txt?sig=SAS",
                    },
                };
                if (_runError is not null)
                {
                    details["error"] = new JsonObject { ["error"] = new JsonObject { ["code"] = "UserError", ["message"] = _runError } };
                }
                return StubHandler.Json(200, details.ToJsonString());
            }
            if (rest.EndsWith("/children", StringComparison.Ordinal))
            {
                return StubHandler.Json(200, """{"value":[{"runId":"child-1","parentRunId":"parent"},{"runId":"helper-run","parentRunId":"parent"}],"continuationToken":null}""");
            }
        }
        if (r.Uri.Host == BlobHost)
        {
            Assert.Null(r.Header("Authorization")); // a SAS URL never gets the ARM token
            var range = r.Header("Range");
            var from = range is null || _rangeIgnored ? 0 : int.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            if (from > 0 && from >= _log.Length)
            {
                return new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable);
            }
            return new HttpResponseMessage(from > 0 ? HttpStatusCode.PartialContent : HttpStatusCode.OK) { Content = new ByteArrayContent(_log[from..]) };
        }
        return StubHandler.Json(404, """{"error":{"code":"NotFound","message":"unexpected"}}""");
    }

    private static CommandJob Job(string? name = "job-1") => new()
    {
        Name = name,
        ExperimentName = "exp",
        DisplayName = "train",
        Command = "python train.py --lr ${{inputs.lr}}",
        Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest",
        Inputs = new Dictionary<string, Input> { ["lr"] = 0.01 },
    };

    private StubRequest SinglePut() => Assert.Single(_stub.Requests, r => r.Method == HttpMethod.Put);

    private static void AssertValid(string body)
    {
        var problems = Spec.Validate(JsonDocument.Parse(body).RootElement, Spec.Definition("JobBase").Schema, Spec.Root);
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    // ------------------------------------------------------------------ submit

    [Fact]
    public async Task Submit_uploads_code_and_local_inputs_resolves_references_and_puts_a_spec_valid_body()
    {
        var code = Directory.CreateDirectory(Path.Combine(_temp.FullName, "src")).FullName;
        await File.WriteAllTextAsync(Path.Combine(code, "train.py"), "print('hi')");
        var data = Path.Combine(_temp.FullName, "iris.csv");
        await File.WriteAllTextAsync(data, "a,b\n1,2\n");
        _assets.CreateCodeAsync(code, Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>())
            .Returns(new CodeSnapshot($"{WsPath}/codes/abc123/versions/1", "abc123", "1", "abc123", "azureml://datastores/workspaceblobstore/paths/LocalUpload/abc123", 1, 11, true));
        _assets.GetDataAsync("iris", null, "latest", Arg.Any<CancellationToken>())
            .Returns(new AssetVersion<DataAsset>("iris", "4", $"{WsPath}/data/iris/versions/4", new DataAsset { Name = "iris", Path = "azureml://datastores/workspaceblobstore/paths/iris" }, default, false));
        _computes.GetAsync("cpu-cluster", Arg.Any<CancellationToken>())
            .Returns(new ComputeData("cpu-cluster", "amlcompute", $"{WsPath}/computes/cpu-cluster", 0, 4, "Standard_DS3_v2", "Succeeded", null, new Dictionary<string, string>(), default));
        _datastores.UploadAsync(data, Arg.Any<string>(), "workspaceblobstore", Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>())
            .Returns(c => $"azureml://datastores/workspaceblobstore/paths/{c.ArgAt<string>(1)}");

        var job = new CommandJob
        {
            Name = "job-1",
            ExperimentName = "exp",
            Code = code,
            Compute = "azureml:cpu-cluster",
            Command = "python train.py --data ${{inputs.data}} --more ${{inputs.more}} --out ${{outputs.model}}",
            Environment = "azureml:sklearn:3",
            Inputs = new Dictionary<string, Input> { ["data"] = Input.UriFile(data), ["more"] = Input.UriFolder("azureml:iris@latest") },
            Outputs = new Dictionary<string, Output> { ["model"] = Output.UriFolder() },
        };
        var submitted = await _backend.CreateOrUpdateAsync(job, null, default);

        var put = SinglePut();
        Assert.EndsWith("/jobs/job-1", put.Path, StringComparison.Ordinal);
        AssertValid(put.Body!);
        var p = JsonNode.Parse(put.Body!)!["properties"]!;
        Assert.Equal($"{WsPath}/codes/abc123/versions/1", p["codeId"]!.GetValue<string>());
        Assert.Equal($"{WsPath}/environments/sklearn/versions/3", p["environmentId"]!.GetValue<string>());
        Assert.Equal($"{WsPath}/computes/cpu-cluster", p["computeId"]!.GetValue<string>());
        var hash = await RemoteJobBackend.ContentHashAsync(data, default);
        Assert.Equal($"azureml://datastores/workspaceblobstore/paths/LocalUpload/{hash}/iris.csv", p["inputs"]!["data"]!["uri"]!.GetValue<string>());
        Assert.Equal($"azureml:{WsPath}/data/iris/versions/4", p["inputs"]!["more"]!["uri"]!.GetValue<string>());
        Assert.Equal("Command", p["jobType"]!.GetValue<string>());

        Assert.Equal(("job-1", JobStatus.NotStarted, JobType.Command, "exp", "cpu-cluster"), (submitted.Name, submitted.Status, submitted.Type, submitted.ExperimentName, submitted.Compute));
        var definition = Assert.IsType<CommandJob>(submitted.Definition);
        Assert.Equal("azureml:abc123:1", definition.Code);
        Assert.Equal("azureml:sklearn:3", definition.Environment!.Reference);
    }

    [Fact]
    public async Task A_job_without_a_name_gets_one_before_the_put_in_azure_ml_style()
    {
        var submitted = await _backend.CreateOrUpdateAsync(Job(name: null), null, default);
        Assert.Matches("^[a-z]+_[a-z]+_[a-z0-9]{10}$", submitted.Name);
        Assert.EndsWith("/jobs/" + submitted.Name, SinglePut().Path, StringComparison.Ordinal);
        AssertValid(SinglePut().Body!);
    }

    [Fact]
    public async Task An_inline_environment_without_a_name_is_registered_as_the_anonymous_environment_of_its_content()
    {
        EnvironmentAsset? registered = null;
        _assets.CreateEnvironmentAsync(Arg.Do<EnvironmentAsset>(e => registered = e), Arg.Any<CancellationToken>())
            .Returns(c => new AssetVersion<EnvironmentAsset>("CliV2AnonymousEnvironment", c.Arg<EnvironmentAsset>().Version!, $"{WsPath}/environments/CliV2AnonymousEnvironment/versions/{c.Arg<EnvironmentAsset>().Version}", c.Arg<EnvironmentAsset>(), default, false));
        var job = Job();
        var inline = new CommandJob
        {
            Name = job.Name,
            Command = job.Command,
            Inputs = job.Inputs,
            Environment = new EnvironmentAsset { Image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest" },
        };
        await _backend.CreateOrUpdateAsync(inline, null, default);
        Assert.Equal("CliV2AnonymousEnvironment", registered!.Name);
        Assert.Equal(RemoteJobBackend.Anonymous(new EnvironmentAsset { Image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04:latest" }).Version, registered.Version);
        Assert.NotEqual(RemoteJobBackend.Anonymous(new EnvironmentAsset { Image = "python:3.12" }).Version, registered.Version);
        Assert.Equal(registered.Version, AssetValidation.Version(AssetKind.Environment, registered.Version));   // a version every backend accepts
        Assert.EndsWith("/environments/CliV2AnonymousEnvironment/versions/" + registered.Version, JsonNode.Parse(SinglePut().Body!)!["properties"]!["environmentId"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_is_rejected_before_anything_is_sent()
    {
        var src = Directory.CreateTempSubdirectory("no-env-src-").FullName;
        var noEnv = new CommandJob { Name = "j", Command = "echo hi", Code = src };
        var ex = await Assert.ThrowsAsync<JobDefinitionException>(() => _backend.CreateOrUpdateAsync(noEnv, null, default));
        Assert.Equal("environment", ex.Key);
        await _assets.DidNotReceiveWithAnyArgs().CreateCodeAsync(default!, default, default); // refused before its code is uploaded
        var noTrialEnv = new SweepJob
        {
            Name = "s",
            Trial = new CommandJob { Command = "echo ${{search_space.x}}", Code = src },
            SearchSpace = { ["x"] = new Choice(1, 2) },
            SamplingAlgorithm = SamplingAlgorithm.Grid,
            Objective = new Objective("m", Goal.Maximize),
        };
        Assert.Equal("trial.environment", (await Assert.ThrowsAsync<JobDefinitionException>(() => _backend.CreateOrUpdateAsync(noTrialEnv, null, default))).Key);
        await _assets.DidNotReceiveWithAnyArgs().CreateCodeAsync(default!, default, default);
        Directory.Delete(src);

        var unknownPlaceholder = new CommandJob { Name = "j", Command = "echo ${{inputs.nope}}", Environment = "azureml:e:1" };
        await Assert.ThrowsAsync<JobDefinitionException>(() => _backend.CreateOrUpdateAsync(unknownPlaceholder, null, default));

        _computes.GetAsync("gpu", Arg.Any<CancellationToken>()).ThrowsAsync(new ResourceNotFoundException("Compute 'gpu' was not found."));
        var unknownCompute = new CommandJob { Name = "j", Command = "echo hi", Environment = "azureml:e:1", Compute = "azureml:gpu" };
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _backend.CreateOrUpdateAsync(unknownCompute, null, default));
        Assert.Contains("gpu", missing.Message, StringComparison.Ordinal);

        var badName = new CommandJob { Name = "bad name!", Command = "echo hi", Environment = "azureml:e:1" };
        await Assert.ThrowsAsync<JobDefinitionException>(() => _backend.CreateOrUpdateAsync(badName, null, default));
        Assert.DoesNotContain(_stub.Requests, r => r.Method == HttpMethod.Put);
    }

    [Fact]
    public async Task Submitting_the_same_job_again_puts_the_same_name_and_body()
    {
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        var puts = _stub.Requests.Where(r => r.Method == HttpMethod.Put).ToList();
        Assert.Equal(2, puts.Count);
        Assert.Equal(puts[0].Path, puts[1].Path);
        Assert.Equal(puts[0].Body, puts[1].Body);
        Assert.Single(_jobs);
    }

    // ------------------------------------------------------------------ read, list

    [Fact]
    public async Task Get_of_a_failed_job_reads_its_error_and_times_from_run_history()
    {
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        _jobs["job-1"]["properties"]!["status"] = "Failed";
        _runStatus = "Failed";
        _runError = "Execution failed: exit code 2";
        var job = await _backend.GetAsync("job-1", default);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(new JobError("UserError", "Execution failed: exit code 2"), job.Error);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 0, 5, TimeSpan.Zero), job.StartedAt);
        Assert.Equal(new DateTimeOffset(2026, 1, 1, 0, 1, 0, TimeSpan.Zero), job.EndedAt);

        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _backend.GetAsync("nope", default));
        Assert.Contains("'nope'", missing.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidInputException>(() => _backend.GetAsync("../x", default));
    }

    [Theory]
    [InlineData("Provisioning", JobStatus.Preparing)]
    [InlineData("NotResponding", JobStatus.Running)]
    [InlineData("CancelRequested", JobStatus.CancelRequested)]
    [InlineData("Paused", JobStatus.Paused)]
    [InlineData("Canceled", JobStatus.Canceled)]
    [InlineData("SomethingNew", JobStatus.Unknown)]
    public void Every_arm_status_maps(string arm, JobStatus expected) => Assert.Equal(expected, RemoteJobBackend.ParseStatus(arm));

    [Fact]
    public async Task List_pages_by_skip_token_hides_archived_jobs_and_lists_children_through_run_history()
    {
        await _backend.CreateOrUpdateAsync(Job("job-a"), null, default);
        await _backend.CreateOrUpdateAsync(Job("job-b"), null, default);
        await _backend.CreateOrUpdateAsync(Job("parent"), null, default);
        await _backend.CreateOrUpdateAsync(Job("child-1"), null, default);
        await _backend.ArchiveAsync("job-b", true, default);

        var first = await _backend.ListAsync(new JobQuery(), default);
        Assert.Single(first.Items);
        Assert.Equal("1", first.NextPageToken);
        var second = await _backend.ListAsync(new JobQuery(PageToken: first.NextPageToken), default);
        Assert.DoesNotContain(first.Items.Concat(second.Items), j => j.Name == "job-b");
        var withArchived = await _backend.ListAsync(new JobQuery(IncludeArchived: true), default);
        Assert.Contains("listViewType=All", _stub.Requests.Last(r => r.Path.EndsWith("/jobs", StringComparison.Ordinal)).Uri.Query, StringComparison.Ordinal);
        Assert.NotEmpty(withArchived.Items);

        var children = await _backend.ListAsync(new JobQuery(ParentJobName: "parent"), default);
        var child = Assert.Single(children.Items); // helper-run is no job: skipped
        Assert.Equal(("child-1", "parent"), (child.Name, child.ParentJobName));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _backend.ListAsync(new JobQuery(ParentJobName: "no-such-parent"), default));
    }

    [Fact]
    public async Task Archive_puts_the_job_back_with_is_archived_and_a_spec_valid_body()
    {
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        await _backend.ArchiveAsync("job-1", true, default);
        var put = _stub.Requests.Where(r => r.Method == HttpMethod.Put).Last();
        AssertValid(put.Body!);
        Assert.True(JsonNode.Parse(put.Body!)!["properties"]!["isArchived"]!.GetValue<bool>());
        Assert.Null(JsonNode.Parse(put.Body!)!["properties"]!["status"]);
        Assert.True((await _backend.GetAsync("job-1", default)).IsArchived);
        await _backend.ArchiveAsync("job-1", false, default);
        Assert.False((await _backend.GetAsync("job-1", default)).IsArchived);
    }

    // ------------------------------------------------------------------ cancel

    [Fact]
    public async Task Cancel_posts_cancel_and_waits_for_the_operation_and_leaves_a_finished_job_alone()
    {
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        await _backend.CancelAsync("job-1", default);
        Assert.Equal(1, _stub.Count("/jobs/job-1/cancel"));
        Assert.Equal(2, _cancelPolls); // polled the Location until it stopped answering 202

        _jobs["job-1"]["properties"]!["status"] = "Completed";
        await _backend.CancelAsync("job-1", default);
        Assert.Equal(1, _stub.Count("/jobs/job-1/cancel"));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _backend.CancelAsync("nope", default));
    }

    // ------------------------------------------------------------------ logs

    [Fact]
    public async Task Logs_are_read_incrementally_by_byte_offset_in_whole_lines_until_the_job_ends()
    {
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        _log = Encoding.UTF8.GetBytes("epoch 1 ✓\nepoch 2");
        var first = await _backend.ReadLogAsync("job-1", 0, default);
        Assert.Equal(("epoch 1 ✓\n", false), (first.Text, first.IsJobTerminal));
        Assert.Equal(Encoding.UTF8.GetByteCount("epoch 1 ✓\n"), first.NextOffset);

        var nothingNew = await _backend.ReadLogAsync("job-1", first.NextOffset, default);
        Assert.Equal(("", first.NextOffset), (nothingNew.Text, nothingNew.NextOffset));

        _log = Encoding.UTF8.GetBytes("epoch 1 ✓\nepoch 2\ndone");
        _runStatus = "Completed";
        var last = await _backend.ReadLogAsync("job-1", first.NextOffset, default);
        Assert.Equal(("epoch 2\ndone", true), (last.Text, last.IsJobTerminal));
        Assert.Equal(_log.Length, last.NextOffset);
        Assert.Equal($"bytes={first.NextOffset}-", _stub.Requests.Last(r => r.Uri.Host == BlobHost).Header("Range"));

        var end = await _backend.ReadLogAsync("job-1", last.NextOffset, default);
        Assert.Equal(("", true), (end.Text, end.IsJobTerminal));
    }

    [Fact]
    public async Task A_log_server_that_ignores_range_still_yields_each_line_once()
    {
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        _rangeIgnored = true;
        _log = Encoding.UTF8.GetBytes("a\nb\n");
        var first = await _backend.ReadLogAsync("job-1", 0, default);
        _log = Encoding.UTF8.GetBytes("a\nb\nc\n");
        var second = await _backend.ReadLogAsync("job-1", first.NextOffset, default);
        Assert.Equal("a\nb\nc\n", first.Text + second.Text);
    }

    [Fact]
    public async Task A_job_run_history_does_not_know_yet_has_an_empty_log()
    {
        await _backend.CreateOrUpdateAsync(Job("fresh"), null, default);
        _historyKnowsJobs = false;
        Assert.Equal(new JobLogChunk("", 7, false), await _backend.ReadLogAsync("fresh", 7, default));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => _backend.ReadLogAsync("unknown-everywhere", 0, default));
    }

    [Fact]
    public void The_main_log_is_user_logs_std_log_else_the_first_process_log()
    {
        Assert.Equal("u", RemoteJobBackend.FindStdLog(new() { ["system_logs/a.log"] = "s", [RemoteJobBackend.StdLog] = "u" }));
        Assert.Equal("p0", RemoteJobBackend.FindStdLog(new() { ["user_logs/std_log_process_1.txt"] = "p1", ["user_logs/std_log_process_0.txt"] = "p0" }));
        Assert.Null(RemoteJobBackend.FindStdLog(new() { ["system_logs/a.log"] = "s" }));
        Assert.Null(RemoteJobBackend.FindStdLog(null));
    }

    // ------------------------------------------------------------------ download

    [Fact]
    public async Task Download_writes_artifacts_and_named_outputs_in_az_ml_layout()
    {
        var job = Job();
        var withOutputs = new CommandJob
        {
            Name = job.Name,
            Command = "python train.py --out ${{outputs.model}}",
            Environment = job.Environment,
            Outputs = new Dictionary<string, Output>
            {
                ["model"] = Output.UriFolder(),
                ["scores"] = Output.UriFolder("azureml://datastores/workspaceblobstore/paths/scores/"),
            },
        };
        await _backend.CreateOrUpdateAsync(withOutputs, null, default);
        _artifacts.ListAsync("job-1", null, Arg.Any<CancellationToken>()).Returns([new ArtifactItem("outputs/model.onnx", 3), new ArtifactItem("user_logs/std_log.txt", 2)]);
        _artifacts.DownloadAsync("job-1", Arg.Any<string>(), Arg.Any<Stream>(), Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>())
            .Returns(c => c.ArgAt<Stream>(2).WriteAsync(Encoding.UTF8.GetBytes(c.ArgAt<string>(1))).AsTask());
        var seen = new List<(string Uri, string Target)>();
        _datastores.DownloadAsync(Arg.Any<string>(), Arg.Any<string>(), Arg.Any<IProgress<long>?>(), Arg.Any<CancellationToken>())
            .Returns(c =>
            {
                seen.Add((c.ArgAt<string>(0), c.ArgAt<string>(1)));
                return (IReadOnlyList<string>)[Path.Combine(c.ArgAt<string>(1), "f.bin")];
            });

        var target = Path.Combine(_temp.FullName, "dl");
        var written = await _backend.DownloadAsync("job-1", target, null, null, default);
        Assert.Equal("outputs/model.onnx", await File.ReadAllTextAsync(Path.Combine(target, "artifacts", "outputs", "model.onnx")));
        Assert.True(File.Exists(Path.Combine(target, "artifacts", "user_logs", "std_log.txt")));
        Assert.Contains(("azureml://datastores/workspaceblobstore/paths/azureml/job-1/model/", Path.Combine(target, "named-outputs", "model")), seen);
        Assert.Contains(("azureml://datastores/workspaceblobstore/paths/scores/", Path.Combine(target, "named-outputs", "scores")), seen);
        Assert.Equal(4, written.Count);
        Assert.Empty(Directory.EnumerateFiles(target, "*.partial", SearchOption.AllDirectories));

        seen.Clear();
        await _backend.DownloadAsync("job-1", Path.Combine(_temp.FullName, "one"), "scores", null, default);
        Assert.Equal("scores", Path.GetFileName(Assert.Single(seen).Target));
        var unknown = await Assert.ThrowsAsync<ResourceNotFoundException>(() => _backend.DownloadAsync("job-1", target, "nope", null, default));
        Assert.Contains("model, scores", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_artifact_path_escaping_the_download_folder_is_refused()
    {
        await _backend.CreateOrUpdateAsync(Job(), null, default);
        _artifacts.ListAsync("job-1", null, Arg.Any<CancellationToken>()).Returns([new ArtifactItem("../../evil.txt", 3)]);
        await Assert.ThrowsAsync<InvalidInputException>(() => _backend.DownloadAsync("job-1", Path.Combine(_temp.FullName, "dl2"), null, null, default));
        Assert.False(File.Exists(Path.Combine(_temp.FullName, "evil.txt")));
    }

    // ------------------------------------------------------------------ through the real pipeline

    [Fact]
    public async Task A_put_whose_first_attempt_fails_is_replayed_under_the_same_name_by_the_pipeline()
    {
        var stub = new StubWorkspace();
        var puts = new List<StubRequest>();
        stub.Mlflow = r =>
        {
            if (r.Method == HttpMethod.Put && r.Path.Contains("/jobs/", StringComparison.Ordinal))
            {
                puts.Add(r);
                if (puts.Count == 1)
                {
                    return StubHandler.Json(503, """{"error":{"code":"ServiceUnavailable","message":"later"}}""", ("Retry-After", "0"));
                }
                var body = JsonNode.Parse(r.Body!)!.AsObject();
                body["name"] = r.Path.Split('/')[^1];
                body["properties"]!["status"] = "NotStarted";
                return StubHandler.Json(201, body.ToJsonString());
            }
            return StubHandler.Json(404, "{}");
        };
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), stub.Options(), default);
        var job = await ((IWorkspaceBackend)backend).Jobs.CreateOrUpdateAsync(Job(name: null), null, default).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(2, puts.Count);
        Assert.Equal(puts[0].Path, puts[1].Path);
        Assert.Equal(puts[0].Body, puts[1].Body);
        Assert.EndsWith("/jobs/" + job.Name, puts[1].Path, StringComparison.Ordinal);
    }
}
