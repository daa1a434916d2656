using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Jobs;
using AzureMlSdk.Jobs.Sweep;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Runs sweep jobs on the local engine: an orchestrator (<see cref="UsesComputeSlot"/> false) that drives a <see cref="SweepEngine"/>
/// whose trials are real child command jobs (<see cref="JobExecutionContext.SubmitChildAsync"/>, named <c>&lt;sweep&gt;_&lt;index&gt;</c>,
/// the sampled hyperparameters substituted into <c>${{search_space.x}}</c> and logged as the child run's params). Each running trial's
/// primary metric is read from its run as it is logged (MLflow clients or <c>Run.GetContext()</c> write into the workspace's tracking
/// store), its end from the job table. Early-terminated and timed-out trials are canceled (they end <c>Canceled</c>). At submit the
/// trial's code is snapshotted once, so every trial runs the same snapshot. The sweep's decisions go to its log (<c>std_log.txt</c>)
/// and to its run's artifact <c>azureml-logs/hyperdrive.txt</c>; the result to its properties (<c>best_child_run_id</c>, <c>score</c>,
/// <c>primary_metric_config</c>).
/// </summary>
internal sealed class SweepJobExecutor : IJobExecutor
{
    /// <summary>The parent run's artifact holding the sweep's decisions, as Azure ML names it.</summary>
    public const string HyperdriveLog = "azureml-logs/hyperdrive.txt";

    public JobType Type => JobType.Sweep;

    public bool UsesComputeSlot => false;

    public async Task<PreparedJob> PrepareAsync(JobDefinition definition, JobSubmitContext context, CancellationToken cancellationToken)
    {
        var sweep = (SweepJob)definition;
        var backend = context.Backend;
        var trial = sweep.Trial!;
        var compute = trial.ComputeName ?? sweep.ComputeName ?? LocalComputeBackend.LocalComputeName;
        if (backend.Computes.SlotsOf(compute, cancellationToken) is null)
        {
            await backend.Computes.GetAsync(compute, cancellationToken).ConfigureAwait(false); // throws, naming the compute and those that exist
        }

        // The trial's code is snapshotted once: every trial runs the same files, however they change while the sweep runs.
        var code = trial.Code;
        if (code is not null && AssetReference.Parse(code).Kind == AssetReferenceKind.LocalPath)
        {
            var full = Path.GetFullPath(code);
            if (!Directory.Exists(full) && !File.Exists(full))
            {
                throw new JobDefinitionException($"the trial's code folder '{code}' does not exist.", sweep.SourcePath, key: "trial.code");
            }
            code = (await backend.Assets.CreateCodeAsync(full, null, cancellationToken).ConfigureAwait(false)).Id;
        }
        else if (code is not null && AssetReference.Parse(code).Kind is AssetReferenceKind.Asset or AssetReferenceKind.ArmId)
        {
            code = (await backend.Assets.GetCodeAsync(code, cancellationToken).ConfigureAwait(false)).Id;
        }

        // Local inputs are read in place by each trial: kept as absolute paths.
        var inputs = sweep.TrialInputs.ToDictionary(
            i => i.Key,
            i => !i.Value.IsLiteral && i.Value.Reference!.Kind == AssetReferenceKind.LocalPath ? Input.Data(i.Value.Type, Path.GetFullPath(i.Value.Path!), i.Value.Mode, i.Value.Description) : i.Value,
            StringComparer.Ordinal);
        var parameters = sweep.TrialInputs.Where(i => i.Value.IsLiteral).ToDictionary(i => i.Key, i => i.Value.LiteralText ?? "", StringComparer.Ordinal);
        var stored = Copy(sweep, context.Name, Copy(trial, code, inputs, sweep.TrialOutputs));
        var experiment = sweep.ExperimentName ?? trial.ExperimentName ?? DefaultExperiment(sweep);
        return new PreparedJob(stored, compute, experiment, parameters, new Dictionary<string, string>(StringComparer.Ordinal));
    }

    /// <summary>az ml's default experiment: the folder of the YAML the job came from (when that is a valid name), else <c>Default</c>.</summary>
    private static string DefaultExperiment(SweepJob job)
    {
        var folder = job.SourcePath is null ? null : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(job.SourcePath)));
        return folder is not null && System.Text.RegularExpressions.Regex.IsMatch(folder, @"^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$") ? folder : "Default";
    }

    /// <summary>
    /// The stored form: <c>{"sweep": &lt;ARM 2026-07-01 SweepJob body without inputs and outputs&gt;, "trial": &lt;the trial as a stored
    /// command job, the sweep's inputs and outputs merged into it&gt;}</c> (an inline environment, output versions and local paths
    /// survive in the trial's form, which the ARM sweep body cannot hold).
    /// </summary>
    public string Serialize(JobDefinition definition)
    {
        var sweep = (SweepJob)definition;
        var name = sweep.Name ?? throw new InvalidOperationException("A stored job has a name.");
        var trial = sweep.Trial!;
        var bare = Copy(sweep, name, Copy(trial, trial.Code, new Dictionary<string, Input>(StringComparer.Ordinal), new Dictionary<string, Output>(StringComparer.Ordinal)), withIo: false);
        var arm = ArmSweepJobMapping.ToArm(bare, new ArmJobReferences
        {
            EnvironmentId = trial.Environment?.Reference!,
            CodeId = trial.Code,
            ComputeId = sweep.ComputeName ?? LocalComputeBackend.LocalComputeName,
        });
        arm.Name = name;
        var localInputs = trial.Inputs.Where(i => !i.Value.IsLiteral && i.Value.Reference!.Kind == AssetReferenceKind.LocalPath)
            .ToDictionary(i => i.Key, i => i.Value.Path!, StringComparer.Ordinal);
        var trialJson = CommandJobJson.Write(trial, name, trial.Code, localInputs, new Dictionary<string, string>(StringComparer.Ordinal));
        var stored = new JsonObject
        {
            ["sweep"] = JsonNode.Parse(JsonSerializer.Serialize(arm, ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties)),
            ["trial"] = JsonNode.Parse(trialJson),
        };
        return stored.ToJsonString();
    }

    public JobDefinition Deserialize(string json)
    {
        var stored = JsonNode.Parse(json) as JsonObject ?? throw new InvalidStateException("A stored sweep job definition is not a JSON object.");
        var arm = stored["sweep"].Deserialize(ArmSweepJobJsonContext.Default.ArmResourceSweepJobProperties)
            ?? throw new InvalidStateException("A stored sweep job definition has no 'sweep'.");
        var trial = CommandJobJson.Read(stored["trial"]?.ToJsonString() ?? throw new InvalidStateException("A stored sweep job definition has no 'trial'."));
        var sweep = ArmSweepJobMapping.FromArm(arm);
        return Copy(sweep, sweep.Name!, Copy(trial, trial.Code, trial.Inputs, trial.Outputs), withIo: false);
    }

    private static CommandJob Copy(CommandJob trial, string? code, IEnumerable<KeyValuePair<string, Input>> inputs, IEnumerable<KeyValuePair<string, Output>> outputs) => new(trial)
    {
        Name = null,
        Source = null,
        Code = code,
        Inputs = new Dictionary<string, Input>(inputs, StringComparer.Ordinal),
        Outputs = new Dictionary<string, Output>(outputs, StringComparer.Ordinal),
    };

    /// <summary>A copy of <paramref name="sweep"/> named <paramref name="name"/> running <paramref name="trial"/> (which holds the sweep's inputs and outputs).</summary>
    private static SweepJob Copy(SweepJob sweep, string name, CommandJob trial, bool withIo = false) => new(sweep)
    {
        Name = name,
        // The stored copy runs the resolved trial: no registered-component reference, no YAML positions (as before the copy constructor).
        Source = null,
        Trial = trial,
        TrialComponent = null,
        Inputs = withIo ? new Dictionary<string, Input>(sweep.Inputs, StringComparer.Ordinal) : new Dictionary<string, Input>(StringComparer.Ordinal),
        Outputs = withIo ? new Dictionary<string, Output>(sweep.Outputs, StringComparer.Ordinal) : new Dictionary<string, Output>(StringComparer.Ordinal),
    };

    public async Task<JobOutcome> ExecuteAsync(JobExecutionContext context, CancellationToken cancellationToken)
    {
        var sweep = (SweepJob)context.Definition;
        var hyperdrivePath = Path.Combine(context.Folder, "azureml-logs", "hyperdrive.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(hyperdrivePath)!);
        await context.SetStatusAsync(JobStatus.Running, cancellationToken).ConfigureAwait(false);

        SweepResult result;
        await using (var log = new HyperdriveWriter(hyperdrivePath, context.Log))
        {
            await using var launcher = new ChildTrialLauncher(context, sweep);
            var engine = new SweepEngine(sweep, context.Job.Name, launcher, log, context.Backend.Jobs.Time);
            result = await engine.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        var properties = new Dictionary<string, string>(result.Properties, StringComparer.Ordinal)
        {
            ["runTemplate"] = "HyperDrive",
            ["azureml.runsource"] = "hyperdrive",
        };
        await context.SetPropertiesAsync(properties, CancellationToken.None).ConfigureAwait(false);
        await using (var stream = new FileStream(hyperdrivePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
        {
            await context.Backend.Artifacts.UploadAsync(context.Job.Name, HyperdriveLog, stream, null, CancellationToken.None).ConfigureAwait(false);
        }
        return result.Outcome switch
        {
            SweepOutcome.Completed => JobOutcome.Completed,
            SweepOutcome.Failed => new JobOutcome(JobStatus.Failed, new JobError("UserError", result.Error ?? "No trial logged the primary metric.")),
            _ => new JobOutcome(JobStatus.Canceled, new JobError("Canceled", result.Error ?? "The sweep was canceled.")),
        };
    }

    /// <summary>Writes each line of the sweep's log to <c>azureml-logs/hyperdrive.txt</c> and to the job's main log.</summary>
    private sealed class HyperdriveWriter(string path, JobLog jobLog) : TextWriter
    {
        private readonly StreamWriter _file = new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false)) { AutoFlush = true };

        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => _file.Write(value);

        public override void WriteLine(string? value)
        {
            _file.WriteLine(value);
            jobLog.WriteLine(value ?? "");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _file.Dispose();
            }
            base.Dispose(disposing);
        }

        public override async ValueTask DisposeAsync()
        {
            await _file.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The sweep engine's trials as child command jobs of the sweep: started by submitting the child, watched by one poller that reads
    /// each running child's primary-metric history and status from the workspace, canceled through the job engine.
    /// </summary>
    private sealed class ChildTrialLauncher : ISweepTrialLauncher, IAsyncDisposable
    {
        private readonly JobExecutionContext _context;
        private readonly SweepJob _sweep;
        private readonly string _metric;
        private readonly ConcurrentDictionary<string, Watched> _watched = new(StringComparer.Ordinal);
        private readonly CancellationTokenSource _stop = new();
        private readonly SemaphoreSlim _wake = new(0, int.MaxValue);
        private readonly Task _poller;

        public ChildTrialLauncher(JobExecutionContext context, SweepJob sweep)
        {
            _context = context;
            _sweep = sweep;
            _metric = sweep.Objective!.PrimaryMetric;
            _poller = Task.Run(PollAsync);
        }

        private sealed class Watched(ISweepTrialEvents events)
        {
            public ISweepTrialEvents Events { get; } = events;

            public int Reported { get; set; }
        }

        public async Task StartAsync(SweepTrialRequest trial, ISweepTrialEvents events, CancellationToken cancellationToken)
        {
            var template = trial.Job;
            var child = new CommandJob(template)
            {
                Name = trial.Name,
                DisplayName = template.DisplayName ?? trial.Name,
                Tags = new Dictionary<string, string>(template.Tags, StringComparer.Ordinal)
                {
                    ["hyperparameters"] = SweepValues.Describe(trial.Parameters),
                },
                Properties = new Dictionary<string, string>(template.Properties, StringComparer.Ordinal)
                {
                    ["azureml.runsource"] = "hyperdrive",
                    ["hyperparameters"] = SweepValues.Describe(trial.Parameters),
                },
                Source = null, // submitted as a job of its own: not at a place in the sweep's YAML
                Command = trial.TrialCommand,
                // trial_timeout is the sweep's to enforce (the trial ends Canceled, as on Azure ML); the trial keeps its own limit.
                Limits = _sweep.Trial!.Limits,
            };

            // Submitted whatever the sweep's token says: once it exists the sweep knows it runs, and cancels it when the sweep stops.
            await _context.SubmitChildAsync(child, CancellationToken.None).ConfigureAwait(false);
            _watched[trial.Name] = new Watched(events);
            var backend = _context.Backend;
            var run = await backend.Tracking.GetRunAsync(trial.Name, CancellationToken.None).ConfigureAwait(false);
            var parameters = trial.ParameterTexts.Where(p => !run.Params.ContainsKey(p.Key)).Select(p => new KeyValuePair<string, string>(p.Key, p.Value)).ToList();
            if (parameters.Count > 0)
            {
                await backend.Tracking.LogBatchAsync(trial.Name, new LogBatch([], parameters, []), CancellationToken.None).ConfigureAwait(false);
            }
            _wake.Release();
        }

        public async Task CancelAsync(string trialName, string reason, CancellationToken cancellationToken)
        {
            var log = LocalJobBackend.LogPath(_context.Backend, trialName);
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(log)!);
                await File.AppendAllTextAsync(log, $"The sweep '{_context.Job.Name}' canceled this trial: {reason}{Environment.NewLine}", CancellationToken.None).ConfigureAwait(false);
            }
            catch (IOException)
            {
                // the reason is in the sweep's log anyway
            }
            await _context.Backend.Jobs.CancelAsync(trialName, CancellationToken.None).ConfigureAwait(false);
        }

        /// <summary>Every poll interval: each watched trial's new primary-metric values, then its end once its job is terminal.</summary>
        private async Task PollAsync()
        {
            var store = _context.Backend.Jobs.Store;
            while (!_stop.IsCancellationRequested)
            {
                foreach (var (name, watched) in _watched.ToArray())
                {
                    try
                    {
                        // The status is read before the metrics: a trial that had ended has all its values stored.
                        var row = store.Find(name, _stop.Token);
                        var history = await _context.Backend.Tracking.GetMetricHistoryAsync(name, _metric, _stop.Token).ConfigureAwait(false);
                        foreach (var point in history.Skip(watched.Reported))
                        {
                            watched.Events.MetricLogged(name, point.Value);
                        }
                        watched.Reported = Math.Max(watched.Reported, history.Count);
                        if (row is null || row.Status.IsTerminal())
                        {
                            _watched.TryRemove(name, out _);
                            var status = row?.Status switch
                            {
                                JobStatus.Completed => SweepTrialStatus.Completed,
                                JobStatus.Canceled => SweepTrialStatus.Canceled,
                                _ => SweepTrialStatus.Failed,
                            };
                            watched.Events.Ended(name, status, row is null ? "the trial's job disappeared" : status == SweepTrialStatus.Failed ? row.Error?.Message : null);
                        }
                    }
                    catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                    {
                        return;
                    }
                    catch (Exception ex) when (ex is AzureMlException or Microsoft.Data.Sqlite.SqliteException or IOException)
                    {
                        System.Diagnostics.Trace.TraceWarning($"AzureMlSdk sweep {_context.Job.Name}: reading trial {name} failed: {ex.Message}");
                    }
                }
                try
                {
                    await _wake.WaitAsync(_context.Options.PollInterval, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync().ConfigureAwait(false);
            await _poller.ConfigureAwait(false);
            _stop.Dispose();
            _wake.Dispose();
        }
    }
}
