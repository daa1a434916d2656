using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using AzureMlSdk.Backends;
using AzureMlSdk.Backends.Remote;
using AzureMlSdk.Backends.Remote.Arm;
using NSubstitute;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>The SDK's ActivitySource and Meter ("AzureMlSdk"), seen through ActivityListener and MeterListener as OpenTelemetry would see them.</summary>
public sealed class TelemetryTests : IDisposable
{
    private readonly ConcurrentQueue<Activity> _activities = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)> _measurements = new();
    private readonly ActivityListener _activityListener;
    private readonly MeterListener _meterListener;

    public TelemetryTests()
    {
        _activityListener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == AzureMlDiagnostics.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => _activities.Enqueue(a),
        };
        ActivitySource.AddActivityListener(_activityListener);
        _meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == AzureMlDiagnostics.SourceName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _meterListener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _meterListener.Start();
    }

    public void Dispose()
    {
        _activityListener.Dispose();
        _meterListener.Dispose();
    }

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dict = new Dictionary<string, object?>();
        foreach (var t in tags)
        {
            dict[t.Key] = t.Value;
        }
        _measurements.Enqueue((instrument.Name, value, dict));
    }

    private IEnumerable<(string Instrument, double Value, Dictionary<string, object?> Tags)> Measured(string instrument, string? host = null) =>
        _measurements.Where(m => m.Instrument == instrument && (host is null || Equals(m.Tags.GetValueOrDefault("server.address"), host)));

    [Fact]
    public async Task An_http_call_is_one_activity_with_its_retries_as_events_and_is_counted_by_host()
    {
        var stub = new StubWorkspace();
        var batches = 0;
        stub.Mlflow = r => r.Path.EndsWith("/runs/log-batch", StringComparison.Ordinal) && ++batches == 1
            ? StubHandler.Json(503, "{}", ("Retry-After", "0"))
            : StubHandler.Json(200, "{}", ("x-ms-request-id", "svc-42"));
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), stub.Options(), default);
        await backend.Tracking.LogBatchAsync("r1", LogBatch.OfMetrics([new MetricPoint("acc", 0.5, 1, stub.Time.GetUtcNow())]), default);

        var activity = Assert.Single(_activities, a => Equals(a.GetTagItem("server.address"), stub.MlflowHost));
        Assert.Equal("POST /api/2.0/mlflow/runs/log-batch", activity.DisplayName);
        Assert.Equal(ActivityKind.Client, activity.Kind);
        Assert.Equal(200, activity.GetTagItem("http.response.status_code"));
        Assert.Equal(1, activity.GetTagItem("http.request.resend_count"));
        Assert.Equal("svc-42", activity.GetTagItem("az.service_request_id"));
        Assert.Equal(stub.Handler.Requests.Last().Header("x-ms-client-request-id"), activity.GetTagItem("az.client_request_id"));
        var retry = Assert.Single(activity.Events, e => e.Name == AzureMlDiagnostics.RetryEvent);
        Assert.Contains(retry.Tags, t => t.Key == "error.type" && Equals(t.Value, "503"));

        var arm = Assert.Single(_activities, a => Equals(a.GetTagItem("server.address"), stub.ArmHost));
        Assert.Equal("GET /subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}", arm.DisplayName);
        Assert.DoesNotContain(arm.Tags, t => t.Value?.Contains("SECRET", StringComparison.Ordinal) == true);

        Assert.Equal(1, Measured(AzureMlDiagnostics.HttpRequestsInstrument, stub.MlflowHost).Sum(m => m.Value));
        Assert.Equal(1, Measured(AzureMlDiagnostics.HttpRetriesInstrument, stub.MlflowHost).Sum(m => m.Value));
        Assert.Single(Measured(AzureMlDiagnostics.HttpDurationInstrument, stub.MlflowHost));
        Assert.Equal(1, Measured(AzureMlDiagnostics.HttpRequestsInstrument, stub.ArmHost).Sum(m => m.Value));
    }

    [Fact]
    public async Task A_long_running_operation_is_an_activity_with_its_polls_and_a_duration()
    {
        var stub = new StubWorkspace();
        var polls = 0;
        stub.Mlflow = r => r.Method == HttpMethod.Put
            ? StubHandler.Json(202, "", ("Location", $"https://{stub.ArmHost}/operationResults/op-telemetry"), ("Retry-After", "0"))
            : ++polls < 3
                ? StubHandler.Json(202, "", ("Retry-After", "0"))
                : StubHandler.Json(200, $$$"""{"id":"{{{StubWorkspace.WsPath}}}","name":"{{{StubWorkspace.Ws}}}","properties":{"friendlyName":"done"}}""");
        await using var backend = await RemoteWorkspaceBackend.ConnectAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, stub.Credential(), stub.Options(), default);
        var put = await backend.Arm!.Workspaces.CreateOrUpdateAsync(StubWorkspace.Sub, StubWorkspace.Rg, StubWorkspace.Ws, new ArmResource<WorkspaceProperties> { Properties = new() }, default);
        var done = await backend.Arm.Lro.WaitAsync(put, ArmJsonContext.Default.ArmResourceWorkspaceProperties, default).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("done", done!.Properties!.FriendlyName);

        var lro = Assert.Single(_activities, a => a.OperationName == AzureMlDiagnostics.LongRunningOperationActivity && Equals(a.GetTagItem("url.path"), StubWorkspace.WsPath));
        Assert.Equal(3, lro.GetTagItem("azureml.lro.polls"));
        Assert.Equal("succeeded", lro.GetTagItem("azureml.lro.outcome"));
        Assert.Equal("PUT", lro.GetTagItem("http.request.method"));
        // The polls are HTTP activities nested under it.
        Assert.Equal(3, _activities.Count(a => a.ParentSpanId == lro.SpanId && Equals(a.GetTagItem("server.address"), stub.ArmHost)));
        Assert.Contains(Measured(AzureMlDiagnostics.LroDurationInstrument), m => Equals(m.Tags.GetValueOrDefault("azureml.lro.outcome"), "succeeded"));
        Assert.True(Measured(AzureMlDiagnostics.LroPollsInstrument).Sum(m => m.Value) >= 3);
    }

    [Fact]
    public async Task Log_batches_are_activities_and_counted_and_the_buffer_depth_is_observable()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tracking = Substitute.For<ITrackingStore>();
        tracking.LogBatchAsync(default!, default!, default).ReturnsForAnyArgs(_ => release.Task);
        var backend = Substitute.For<IWorkspaceBackend>();
        backend.Tracking.Returns(tracking);
        var runId = "run-" + Guid.NewGuid().ToString("N");
        await using (var logger = new RunLogger(backend, runId, TimeProvider.System, new LogBufferOptions { MaxBatchSize = 1000, Capacity = 10_000 }))
        {
            for (var i = 0; i < 2500; i++)
            {
                logger.Enqueue(LogEntry.Metric("loss", i, i, 1767225600000 + i));
            }
            // The first batch is stuck in the store: the rest waits in the buffer.
            _meterListener.RecordObservableInstruments();
            Assert.True(Measured(AzureMlDiagnostics.LogBufferDepthInstrument).Max(m => m.Value) >= 1000);
            release.SetResult();
            await logger.FlushAsync(default);
        }

        var batches = _activities.Where(a => a.OperationName == AzureMlDiagnostics.LogBatchActivity && Equals(a.GetTagItem("azureml.run_id"), runId)).ToList();
        Assert.True(batches.Count >= 3, $"{batches.Count} batches");
        Assert.Equal(2500, batches.Sum(b => (int)b.GetTagItem("azureml.batch.metrics")!));
        Assert.True(Measured(AzureMlDiagnostics.LogBatchesInstrument).Where(m => Equals(m.Tags["azureml.outcome"], "ok")).Sum(m => m.Value) >= 3);
        Assert.True(Measured(AzureMlDiagnostics.LogPointsInstrument).Where(m => Equals(m.Tags["azureml.outcome"], "ok")).Sum(m => m.Value) >= 2500);
    }
}
