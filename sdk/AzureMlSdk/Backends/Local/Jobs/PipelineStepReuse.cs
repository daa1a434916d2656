using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AzureMlSdk.Assets;
using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Pipeline step reuse (Azure ML's "reuse" of a deterministic step). A step's <b>reuse key</b> is the SHA-256 of everything that decides
/// its outputs: the component's definition (all but name spelling, description, tags, display name and version), the command, the code
/// snapshot (content-addressed: its id is its hash), the environment, the environment variables, the compute, resources, distribution and
/// timeout, each input's value (literals) or type, mode and <b>content hash</b> (data: the SHA-256 of the files it points at, wherever they
/// are — a local folder, a datastore path, a data asset, an upstream step's output), and each output's type, mode, location and
/// registration. The index (<c>pipeline_step_reuse</c> table: key → the completed job that ran with it) lives in the workspace database, so
/// reuse works across processes. A key found whose job is still <c>Completed</c> is reused.
/// </summary>
internal sealed class PipelineStepReuse
{
    private readonly LocalWorkspaceBackend _backend;

    public PipelineStepReuse(LocalWorkspaceBackend backend) => _backend = backend;

    /// <summary>The reuse key of <paramref name="job"/> (a step with its bindings resolved) on <paramref name="compute"/>.</summary>
    public async Task<string> KeyAsync(CommandJob job, string compute, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        void Line(string key, string? value) => text.Append(key).Append('=').Append(value ?? "∅").Append('\n');
        Line("v", "1");
        if (job.Component is { } component)
        {
            var spec = AssetSpecs.ToSpec(component);
            foreach (var key in new[] { "name", "version", "description", "tags", "display_name", "code", "environment", "properties", "is_deterministic" })
            {
                spec.Remove(key);
            }
            Line("component", AssetSpecs.Canonical(spec));
        }
        Line("command", job.Command);
        Line("code", job.Code);
        Line("environment", job.Environment?.Reference ?? (job.Environment?.Inline is { } inline ? AssetSpecs.Canonical(AssetSpecs.ToSpec(inline)) : null));
        Line("compute", compute.ToLowerInvariant());
        foreach (var (key, value) in job.EnvironmentVariables.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            Line($"env.{key}", value);
        }
        if (job.Resources is { } r)
        {
            Line("resources", string.Create(CultureInfo.InvariantCulture, $"{r.InstanceCount}|{r.InstanceType}|{r.ShmSize}|{r.DockerArgs}|{string.Join(",", r.Properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"))}"));
        }
        Line("distribution", job.Distribution switch
        {
            PyTorchDistribution p => string.Create(CultureInfo.InvariantCulture, $"pytorch|{p.ProcessCountPerInstance}"),
            MpiDistribution m => string.Create(CultureInfo.InvariantCulture, $"mpi|{m.ProcessCountPerInstance}"),
            TensorFlowDistribution t => string.Create(CultureInfo.InvariantCulture, $"tensorflow|{t.WorkerCount}|{t.ParameterServerCount}"),
            _ => null,
        });
        Line("timeout", job.Limits?.Timeout is { } timeout ? timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) : null);
        foreach (var (name, input) in job.Inputs.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            Line($"input.{name}", input.IsLiteral
                ? $"literal|{input.LiteralText}"
                : $"{YamlNames.Of(input.Type)}|{(input.Mode is { } mode ? YamlNames.Of(mode) : "")}|{await ContentOfAsync(input, cancellationToken).ConfigureAwait(false)}");
        }
        foreach (var (name, output) in job.Outputs.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            Line($"output.{name}", $"{YamlNames.Of(output.Type)}|{(output.Mode is { } mode ? YamlNames.Of(mode) : "")}|{output.Path}|{output.Name}|{output.Version}");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>
    /// The reuse key of a sweep step (bindings resolved): the key of its trial as a command job (component, command with its
    /// <c>${{search_space.x}}</c>, code, environment, inputs and their content, outputs, compute) and every sweep setting that decides
    /// which trials run and which wins — the search space, the sampling algorithm with its seed and rule, the objective, the limits and
    /// the early-termination policy. Only asked for sweeps that <see cref="AzureMlSdk.Jobs.Pipeline.SweepSteps.NotReusableReason"/> allows.
    /// </summary>
    public async Task<string> SweepKeyAsync(SweepJob sweep, string compute, CancellationToken cancellationToken)
    {
        var trialKey = await KeyAsync(sweep.TrialFor(), compute, cancellationToken).ConfigureAwait(false);
        var text = new StringBuilder();
        void Line(string key, string? value) => text.Append(key).Append('=').Append(value ?? "∅").Append('\n');
        Line("v", "sweep-1");
        Line("trial", trialKey);
        foreach (var (name, distribution) in sweep.SearchSpace.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            Line($"search_space.{name}", Backends.Remote.Arm.ArmSweepJobMapping.SearchSpaceToJson(new Dictionary<string, SweepDistribution> { [name] = distribution }).GetRawText());
        }
        Line("sampling", sweep.SamplingAlgorithm switch
        {
            RandomSamplingAlgorithm r => string.Create(CultureInfo.InvariantCulture, $"random|{r.Seed}|{r.Rule}"),
            { } other => other.ToString(),
            null => null,
        });
        Line("objective", sweep.Objective is { } o ? $"{o.PrimaryMetric}|{o.Goal}" : null);
        Line("limits", sweep.Limits is { } l
            ? string.Create(CultureInfo.InvariantCulture, $"{l.MaxTotalTrials}|{l.MaxConcurrentTrials}|{l.Timeout?.TotalSeconds}|{l.TrialTimeout?.TotalSeconds}")
            : null);
        Line("early_termination", sweep.EarlyTermination switch
        {
            BanditPolicy b => string.Create(CultureInfo.InvariantCulture, $"bandit|{b.EvaluationInterval}|{b.DelayEvaluation}|{b.SlackFactor}|{b.SlackAmount}"),
            TruncationSelectionPolicy t => string.Create(CultureInfo.InvariantCulture, $"truncation_selection|{t.EvaluationInterval}|{t.DelayEvaluation}|{t.TruncationPercentage}"),
            { } p => string.Create(CultureInfo.InvariantCulture, $"{p.TypeName}|{p.EvaluationInterval}|{p.DelayEvaluation}"),
            null => null,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>The content hash of a data input (<c>sha256:…</c>), or what identifies it when its content is not on this machine (a URL).</summary>
    private async Task<string> ContentOfAsync(Input input, CancellationToken cancellationToken)
    {
        var path = await LocalPathOfAsync(input.Path!, cancellationToken).ConfigureAwait(false);
        if (path is null)
        {
            return $"ref:{input.Path}";
        }
        return File.Exists(path) || Directory.Exists(path)
            ? "sha256:" + await ContentHash.ComputeAsync(path, cancellationToken).ConfigureAwait(false)
            : "missing";
    }

    /// <summary>Where a data reference's files are on this machine (null for a URL or an unknown reference).</summary>
    private async Task<string?> LocalPathOfAsync(string uri, CancellationToken cancellationToken)
    {
        var reference = AssetReference.Parse(uri);
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                return Path.GetFullPath(reference.Path!);
            case AssetReferenceKind.DatastorePath:
                return _backend.Datastores.TryGetLocalPath(uri) ?? "";
            case AssetReferenceKind.JobOutput:
                var producer = _backend.Jobs.Store.Find(reference.Job!, cancellationToken);
                if (producer is null || !producer.OutputUris.TryGetValue(reference.Output!, out var outputUri))
                {
                    return "";
                }
                var full = outputUri.TrimEnd('/') + (reference.Path is { Length: > 0 } sub ? "/" + sub : "/");
                return _backend.Datastores.TryGetLocalPath(full) ?? "";
            case AssetReferenceKind.Asset when reference.Name is { } name:
                var data = await ((IAssetBackend)_backend.Assets).GetDataAsync(name, reference.Version, reference.Label, cancellationToken).ConfigureAwait(false);
                return await LocalPathOfAsync(data.Definition.Path, cancellationToken).ConfigureAwait(false);
            default:
                return null;
        }
    }

    /// <summary>The completed job recorded for <paramref name="key"/>, or null.</summary>
    public LocalJobRow? Find(string key, CancellationToken cancellationToken)
    {
        var name = _backend.Database.Read(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT job_name FROM pipeline_step_reuse WHERE reuse_key = @key";
            command.Parameters.AddWithValue("@key", key);
            return command.ExecuteScalar() as string;
        }, cancellationToken);
        return name is not null && _backend.Jobs.Store.Find(name, cancellationToken) is { Status: JobStatus.Completed } row ? row : null;
    }

    /// <summary>Records that <paramref name="jobName"/> completed with <paramref name="key"/> (the newest run wins).</summary>
    public void Record(string key, string jobName, DateTimeOffset now, CancellationToken cancellationToken) =>
        _backend.Database.Write((connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO pipeline_step_reuse (reuse_key, job_name, created_ms) VALUES (@key, @job, @now)
                ON CONFLICT(reuse_key) DO UPDATE SET job_name = excluded.job_name, created_ms = excluded.created_ms
                """;
            command.Parameters.AddWithValue("@key", key);
            command.Parameters.AddWithValue("@job", jobName);
            command.Parameters.AddWithValue("@now", now.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery();
        }, cancellationToken);
}
