using System.Globalization;
using AzureMlSdk;

// Commands (all print one line per result, "ERROR <type>: <message>" and exit 1 on failure):
//   log <workspaceDir> <experiment> <runs> <pointsPerRun> <modelFile>
//       races other workers on one experiment, logs, registers one model version per run.
//   context
//       logs one metric through Run.GetContext() (workspace and run from the environment) and exits without flushing.
//   log-until-killed <workspaceDir> <readyFile> [flushIntervalMs]
//       logs forever (metric "loss", steps 0, 1, 2…); writes the run id to readyFile once the first points are stored,
//       then "<last step logged> <unix ms>" to readyFile.progress after every 1000 points (written aside, then renamed).
//   upload-until-killed <workspaceDir> <readyFile>
//       uploads a large artifact forever (a stream that never ends); writes the run id once the upload has begun.
//   submit-job <workspaceDir> <experiment> <command>
//       submits a command job to the local workspace (its job agent runs it) and exits at once: "JOB <name> <submit ms>".
//   trial <key> <v1,v2,…> [delayMs] [outputFolder]
//       a sweep trial: logs each value as the next step of metric <key> through Run.GetContext() (flushed at once, delayMs apart),
//       then writes "<key>=<last value>" to outputFolder/model.txt when given, and prints "TRIAL <run id> <values>".
//   mlflow-log-metric <key> <value>
//       a Python-free MLflow client: POSTs runs/log-metric to $MLFLOW_TRACKING_URI for $MLFLOW_RUN_ID with the bearer
//       $MLFLOW_TRACKING_TOKEN, reads the run back (runs/get), uploads artifact mlflow/<key>.txt under its artifact_uri through
//       the artifacts proxy, and prints "LOGGED <key> <value>".
try
{
    switch (args[0])
    {
        case "log":
            await LogAsync(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
            return 0;
        case "context":
            // Logs through Run.GetContext() and exits WITHOUT flushing or disposing: the exit hook must drain it.
            var run = Run.GetContext();
            run.Log("context_metric", 42);
            run.Tag("from", "context");
            Console.WriteLine($"RUN {run.Id} SAME {ReferenceEquals(run, Run.GetContext())}");
            return 0;
        case "log-until-killed":
            await LogUntilKilledAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 50);
            return 0;
        case "upload-until-killed":
            await UploadUntilKilledAsync(args[1], args[2]);
            return 0;
        case "submit-job":
            await SubmitJobAsync(args[1], args[2], args[3]);
            return 0;
        case "trial":
            await TrialAsync(args[1], args[2], args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0, args.Length > 4 ? args[4] : null);
            return 0;
        case "mlflow-log-metric":
            await MlflowLogMetricAsync(args[1], double.Parse(args[2], CultureInfo.InvariantCulture));
            return 0;
        default:
            Console.Error.WriteLine($"unknown command {args[0]}");
            return 2;
    }
}
catch (Exception ex)
{
    Console.WriteLine($"ERROR {ex.GetType().Name}: {ex.Message}");
    return 1;
}

static async Task LogAsync(string dir, string experimentName, int runs, int points, string modelFile)
{
    await using var ws = Workspace.Local(dir);
    var experiment = await ws.GetOrCreateExperimentAsync(experimentName);
    for (var r = 0; r < runs; r++)
    {
        await using var run = await experiment.StartLoggingAsync($"pid{Environment.ProcessId}-{r}");
        run.LogParam("pid", Environment.ProcessId);
        run.Tag("worker", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < points; i++)
        {
            run.Log("value", i, step: i);
        }
        await run.FlushAsync();
        var model = await ws.RegisterModelAsync("shared-model", modelFile);
        Console.WriteLine($"RUN {run.Id} MODEL {model.Version}");
    }
}

static async Task LogUntilKilledAsync(string dir, string readyFile, int flushIntervalMs)
{
    var ws = Workspace.Local(dir, new LogBufferOptions { FlushInterval = TimeSpan.FromMilliseconds(flushIntervalMs) });
    var experiment = await ws.GetOrCreateExperimentAsync("crash");
    var run = await experiment.StartLoggingAsync("doomed");
    run.LogParam("lr", 0.1);
    for (long i = 0; ; i++)
    {
        run.Log("loss", 1.0 / (i + 1));
        if (i == 1000)
        {
            await run.FlushAsync();
            await File.WriteAllTextAsync(readyFile + ".tmp", run.Id);
            File.Move(readyFile + ".tmp", readyFile);
        }
        if (i > 1000 && i % 1000 == 0)
        {
            // What has been logged (not necessarily stored): the kill tests compare it with what survived.
            File.WriteAllText(readyFile + ".progress.tmp", string.Create(CultureInfo.InvariantCulture, $"{i} {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}"));
            File.Move(readyFile + ".progress.tmp", readyFile + ".progress", overwrite: true);
        }
        if (i % 5000 == 0)
        {
            await Task.Yield();
        }
    }
}

static async Task UploadUntilKilledAsync(string dir, string readyFile)
{
    var ws = Workspace.Local(dir);
    var experiment = await ws.GetOrCreateExperimentAsync("crash-upload");
    var run = await experiment.StartLoggingAsync("doomed-upload");
    await using var endless = new EndlessStream(() => File.WriteAllText(readyFile, run.Id));
    await ws.Backend.Artifacts.UploadAsync(run.Id, "outputs/endless.bin", endless, null, CancellationToken.None);
}

static async Task SubmitJobAsync(string dir, string experiment, string command)
{
    var clock = System.Diagnostics.Stopwatch.StartNew();
    await using var ws = Workspace.Local(dir);
    var job = await ws.Jobs.CreateOrUpdateAsync(new CommandJob { ExperimentName = experiment, Command = command });
    Console.WriteLine($"JOB {job.Name} {clock.ElapsedMilliseconds}");
}

static async Task TrialAsync(string key, string values, int delayMs, string? outputFolder)
{
    var run = Run.GetContext();
    var parsed = values.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToList();
    for (var step = 0; step < parsed.Count; step++)
    {
        if (step > 0 && delayMs > 0)
        {
            await Task.Delay(delayMs);
        }
        run.Log(key, parsed[step], step);
        await run.FlushAsync();
    }
    if (outputFolder is not null)
    {
        Directory.CreateDirectory(outputFolder);
        await File.WriteAllTextAsync(Path.Combine(outputFolder, "model.txt"), $"{key}={parsed[^1].ToString(CultureInfo.InvariantCulture)}");
    }
    Console.WriteLine($"TRIAL {run.Id} {values}");
}

static async Task MlflowLogMetricAsync(string key, double value)
{
    string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : throw new InvalidOperationException($"${name} is not set");
    var tracking = Required("MLFLOW_TRACKING_URI").TrimEnd('/');
    var runId = Required("MLFLOW_RUN_ID");
    using var http = new HttpClient();
    if (Environment.GetEnvironmentVariable("MLFLOW_TRACKING_TOKEN") is { Length: > 0 } token)
    {
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
    }
    var body = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["run_id"] = runId,
        ["key"] = key,
        ["value"] = value,
        ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        ["step"] = 0,
    });
    using var logged = await http.PostAsync($"{tracking}/api/2.0/mlflow/runs/log-metric", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
    var answer = await logged.Content.ReadAsStringAsync();
    if (!logged.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"log-metric answered {(int)logged.StatusCode}: {answer}");
    }
    using var read = await http.GetAsync($"{tracking}/api/2.0/mlflow/runs/get?run_id={Uri.EscapeDataString(runId)}");
    var run = await read.Content.ReadAsStringAsync();
    if (!read.IsSuccessStatusCode || !run.Contains($"\"{key}\"", StringComparison.Ordinal))
    {
        throw new InvalidOperationException($"runs/get answered {(int)read.StatusCode} without the metric: {run}");
    }
    // An artifact, as MLflow's client logs one: PUT under the run's artifact_uri (mlflow-artifacts:/…) resolved against the server.
    var artifactUri = System.Text.Json.JsonDocument.Parse(run).RootElement.GetProperty("run").GetProperty("info").GetProperty("artifact_uri").GetString()!;
    var folder = artifactUri["mlflow-artifacts:".Length..].TrimStart('/');
    using var put = await http.PutAsync($"{tracking}/api/2.0/mlflow-artifacts/artifacts/{folder}/mlflow/{key}.txt", new StringContent(value.ToString(CultureInfo.InvariantCulture)));
    if (!put.IsSuccessStatusCode)
    {
        throw new InvalidOperationException($"artifact upload answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync()}");
    }
    Console.WriteLine($"LOGGED {key} {value.ToString(CultureInfo.InvariantCulture)}");
}

/// <summary>A stream of zeros that never ends; calls <c>started</c> once 1 MB has been read.</summary>
internal sealed class EndlessStream(Action started) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        Array.Clear(buffer, offset, count);
        var before = _read;
        _read += count;
        if (before < 1 << 20 && _read >= 1 << 20)
        {
            started();
        }
        Thread.Sleep(1);
        return count;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
