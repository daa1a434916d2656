using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Azure.Core;
using AzureMlSdk.Backends.Remote;

namespace AzureMlSdk.Reliability;

/// <summary>One line of the exactly-once table: what one write kind did under one fault seed.</summary>
/// <param name="Kind">The write kind (experiments, runs, params, tags, model versions through ARM, model versions through the
/// MLflow registry of a plain-MLflow connection, endpoints).</param>
/// <param name="Seed">The Emulator's fault seed.</param>
/// <param name="Attempted">Writes the caller asked for.</param>
/// <param name="Stored">Writes found afterwards, each counted once.</param>
/// <param name="Duplicates">Extra copies found (a write stored more than once).</param>
/// <param name="Lost">Writes asked for and not found.</param>
/// <param name="ClientErrors">Exceptions the caller saw for writes of this kind.</param>
/// <param name="FirstError">The first of those exceptions (type and message), or null.</param>
public sealed record ExactlyOnceRow(string Kind, int Seed, int Attempted, int Stored, int Duplicates, int Lost, int ClientErrors, string? FirstError)
{
    /// <summary>True when every write landed exactly once and the caller saw no error.</summary>
    public bool ExactlyOnce => Stored == Attempted && Duplicates == 0 && Lost == 0 && ClientErrors == 0;
}

/// <summary>How many writes of each kind one seed makes.</summary>
/// <param name="Runs">Runs created (each with one param logged twice, one more param and one tag).</param>
/// <param name="ModelVersions">Versions registered under one model name (through ARM, and as many through the MLflow registry).</param>
/// <param name="Endpoints">Online endpoints created (ARM long-running PUT).</param>
/// <param name="Jobs">Command jobs submitted (ARM jobs PUT under a name the SDK chooses before the first attempt).</param>
public sealed record ScenarioSize(int Runs = 6, int ModelVersions = 3, int Endpoints = 1, int Jobs = 3);

/// <summary>
/// The exactly-once scenario behind <c>tests/AzureMlSdk.ReliabilityTests</c> and <c>eng/bench/faults</c>: against a running
/// Emulator (with Azurite), create a fresh workspace, switch injected faults on (<c>/_emulator/faults</c>), make every kind of
/// write through the SDK's Remote backend, switch faults off and count what was stored.
/// </summary>
public static class ExactlyOnceScenario
{
    private const string DefaultSubscription = "00000000-0000-0000-0000-000000000000";
    private const string DefaultResourceGroup = "local";

    /// <summary>The write kinds, in table order.</summary>
    public static readonly string[] Kinds = ["experiments", "runs", "params", "tags", "model versions", "mlflow versions", "endpoints", "jobs"];

    /// <summary>The environment the scenario's jobs name (Azure ML needs one; the Emulator runs jobs in the host's environment).</summary>
    private const string JobEnvironment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";

    /// <summary>Runs one seed and returns one row per write kind.</summary>
    /// <param name="emulator">The Emulator's base address.</param>
    /// <param name="token">The Emulator's bearer token.</param>
    /// <param name="admin">An authenticated client of the Emulator (its admin routes are never faulted).</param>
    /// <param name="seed">The fault seed.</param>
    /// <param name="rate">The fault rate (0…1).</param>
    /// <param name="size">How many writes of each kind.</param>
    /// <param name="cancellationToken">Cancels the scenario.</param>
    public static async Task<IReadOnlyList<ExactlyOnceRow>> RunSeedAsync(
        Uri emulator, string token, HttpClient admin, int seed, double rate, ScenarioSize size, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(size);
        await SetFaultsAsync(admin, 0, seed, cancellationToken).ConfigureAwait(false);
        var workspaceName = "faults-" + seed.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N")[..12];
        var path = $"/subscriptions/{DefaultSubscription}/resourceGroups/{DefaultResourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/{workspaceName}?api-version=2026-07-01";
        using (var content = new StringContent("""{"location":"local","properties":{"friendlyName":"faults"}}""", Encoding.UTF8, "application/json"))
        using (var created = await admin.PutAsync(path, content, cancellationToken).ConfigureAwait(false))
        {
            created.EnsureSuccessStatusCode();
        }

        var folder = Path.Combine(Path.GetTempPath(), "azureml-faults-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(folder);
        var errors = Kinds.ToDictionary(k => k, _ => new List<Exception>());
        var experimentName = "exactly-once";
        var modelName = "model-" + seed.ToString(CultureInfo.InvariantCulture);
        var endpointNames = Enumerable.Range(0, size.Endpoints).Select(i => $"ep-{seed}-{i}-{Guid.NewGuid().ToString("N")[..6]}").ToList();
        try
        {
            var options = new WorkspaceOptions
            {
                ResourceManagerEndpoint = emulator,
                MaxRetries = 10, // 0.3^11: a call failing every attempt is not a realistic outcome
                AttemptTimeout = TimeSpan.FromSeconds(20),
                TotalTimeout = TimeSpan.FromMinutes(2),
            };
            await using var ws = await Workspace.GetAsync(DefaultSubscription, DefaultResourceGroup, workspaceName, new FixedToken(token), options, cancellationToken).ConfigureAwait(false);
            var trackingUri = new Uri(ws.TrackingUri!.AbsoluteUri.TrimEnd('/') + "/");
            var mlflowModelName = modelName + "-mlflow";
            await using var mlflowWs = Workspace.FromBackend(RemoteWorkspaceBackend.ConnectMlflow(trackingUri, new AuthenticationHeaderValue("Bearer", token), options));
            await SetFaultsAsync(admin, rate, seed, cancellationToken).ConfigureAwait(false);
            try
            {
                Experiment? experiment = null;
                try
                {
                    experiment = await ws.GetOrCreateExperimentAsync(experimentName, cancellationToken).ConfigureAwait(false);
                }
                catch (AzureMlException ex)
                {
                    errors["experiments"].Add(ex);
                }
                for (var i = 0; i < size.Runs && experiment is not null; i++)
                {
                    Run run;
                    try
                    {
                        run = await experiment.StartLoggingAsync(RunName(i), cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (AzureMlException ex)
                    {
                        errors["runs"].Add(ex);
                        continue;
                    }
                    try
                    {
                        run.LogParam("lr", ParamValue(i));
                        run.Tag("fold", TagValue(i));
                        await run.FlushAsync(cancellationToken).ConfigureAwait(false);
                        run.LogParam("lr", ParamValue(i)); // the same value again: accepted, stored once
                        run.LogParam("seed", seed);
                        await run.CompleteAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (AzureMlException ex)
                    {
                        errors["params"].Add(ex);
                    }
                    finally
                    {
                        await run.DisposeAsync().ConfigureAwait(false);
                    }
                }
                for (var i = 0; i < size.ModelVersions; i++)
                {
                    var file = Path.Combine(folder, $"model-{i}.bin");
                    await File.WriteAllTextAsync(file, $"model {seed} {i}", cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await ws.RegisterModelAsync(modelName, file, new Dictionary<string, string> { ["i"] = I(i) }, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (AzureMlException ex)
                    {
                        errors["model versions"].Add(ex);
                    }
                }
                // The same through the MLflow model registry (a plain-MLflow connection to the workspace's tracking URI).
                for (var i = 0; i < size.ModelVersions; i++)
                {
                    var file = Path.Combine(folder, $"mlflow-model-{i}.bin");
                    await File.WriteAllTextAsync(file, $"mlflow model {seed} {i}", cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await mlflowWs.RegisterModelAsync(mlflowModelName, file, new Dictionary<string, string> { ["i"] = I(i) }, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (AzureMlException ex)
                    {
                        errors["mlflow versions"].Add(ex);
                    }
                }
                foreach (var name in endpointNames)
                {
                    try
                    {
                        await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec(name) { Description = "faults" }, cancellationToken: cancellationToken).ConfigureAwait(false);
                    }
                    catch (AzureMlException ex)
                    {
                        errors["endpoints"].Add(ex);
                    }
                }
                // Jobs without a name: the SDK names each before its first PUT, so a PUT replayed after a lost reply meets its own job.
                for (var i = 0; i < size.Jobs; i++)
                {
                    try
                    {
                        await ws.Backend.Jobs.CreateOrUpdateAsync(new CommandJob
                        {
                            DisplayName = JobName(i),
                            ExperimentName = "exactly-once-jobs",
                            Command = "echo job " + I(i),
                            Environment = JobEnvironment,
                        }, null, cancellationToken).ConfigureAwait(false);
                    }
                    catch (AzureMlException ex)
                    {
                        errors["jobs"].Add(ex);
                    }
                }
            }
            finally
            {
                await SetFaultsAsync(admin, 0, seed, CancellationToken.None).ConfigureAwait(false);
            }

            // Counted through a fresh connection (its own retry and circuit-breaker state), with faults off.
            await using var reader = await Workspace.GetAsync(DefaultSubscription, DefaultResourceGroup, workspaceName, new FixedToken(token), new WorkspaceOptions { ResourceManagerEndpoint = emulator }, cancellationToken).ConfigureAwait(false);
            await using var mlflowReader = Workspace.FromBackend(RemoteWorkspaceBackend.ConnectMlflow(trackingUri, new AuthenticationHeaderValue("Bearer", token), new WorkspaceOptions()));
            return await CountAsync(reader, mlflowReader, seed, size, experimentName, modelName, mlflowModelName, endpointNames, errors, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // temp: the OS cleans it
            }
        }
    }

    /// <summary>Formats rows as a fixed-width table.</summary>
    public static string Format(IEnumerable<ExactlyOnceRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"write kind",-15} {"seed",5} {"attempted",10} {"stored",7} {"duplicates",11} {"lost",5} {"client errors",14}  first error");
        foreach (var r in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{r.Kind,-15} {r.Seed,5} {r.Attempted,10} {r.Stored,7} {r.Duplicates,11} {r.Lost,5} {r.ClientErrors,14}  {r.FirstError ?? "-"}");
        }
        return text.ToString();
    }

    private static async Task<IReadOnlyList<ExactlyOnceRow>> CountAsync(
        Workspace ws, Workspace mlflowWs, int seed, ScenarioSize size, string experimentName, string modelName, string mlflowModelName, List<string> endpointNames,
        Dictionary<string, List<Exception>> errors, CancellationToken cancellationToken)
    {
        var rows = new List<ExactlyOnceRow>();
        ExactlyOnceRow Row(string kind, int attempted, int stored, int duplicates)
        {
            var seen = errors[kind];
            var first = seen.Count == 0 ? null : $"{seen[0].GetType().Name}: {Shorten(seen[0].Message)}";
            return new ExactlyOnceRow(kind, seed, attempted, stored, duplicates, attempted - stored, seen.Count, first);
        }

        var experiments = 0;
        var runs = new List<Run>();
        await foreach (var e in ws.ListExperimentsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (e.Name == experimentName)
            {
                experiments++;
                await foreach (var run in e.GetRunsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    runs.Add(run);
                }
            }
        }
        rows.Add(Row("experiments", 1, Math.Min(experiments, 1), Math.Max(0, experiments - 1)));

        var byName = runs.GroupBy(r => r.DisplayName).ToDictionary(g => g.Key, g => g.ToList());
        var expected = Enumerable.Range(0, size.Runs).Select(RunName).ToList();
        var runsStored = expected.Count(byName.ContainsKey);
        var runDuplicates = byName.Where(g => expected.Contains(g.Key)).Sum(g => g.Value.Count - 1) + byName.Keys.Count(k => !expected.Contains(k));
        rows.Add(Row("runs", size.Runs, runsStored, runDuplicates));

        // Params: two per run (lr logged twice with one value, seed); tags: one per run. A run stored twice counts its copies as duplicates.
        int paramsStored = 0, tagsStored = 0, paramDuplicates = 0, tagDuplicates = 0;
        for (var i = 0; i < size.Runs; i++)
        {
            if (!byName.TryGetValue(RunName(i), out var copies))
            {
                continue;
            }
            var run = copies[0];
            paramsStored += (run.Params.TryGetValue("lr", out var lr) && lr == ParamValue(i) ? 1 : 0)
                + (run.Params.TryGetValue("seed", out var s) && s == I(seed) ? 1 : 0);
            tagsStored += run.Tags.TryGetValue("fold", out var fold) && fold == TagValue(i) ? 1 : 0;
            paramDuplicates += 2 * (copies.Count - 1);
            tagDuplicates += copies.Count - 1;
        }
        rows.Add(Row("params", 2 * size.Runs, paramsStored, paramDuplicates));
        rows.Add(Row("tags", size.Runs, tagsStored, tagDuplicates));

        async Task CountVersionsAsync(string kind, Workspace from, string name)
        {
            var versions = new List<Model>();
            if (size.ModelVersions > 0)
            {
                try
                {
                    await foreach (var m in from.ListModelsAsync(name, new ModelListOptions { IncludeArchived = true }, cancellationToken).ConfigureAwait(false))
                    {
                        versions.Add(m);
                    }
                }
                catch (ResourceNotFoundException)
                {
                    // none registered
                }
            }
            var byI = versions.GroupBy(v => v.Tags.TryGetValue("i", out var i) ? i : "?").ToDictionary(g => g.Key, g => g.Count());
            var stored = Enumerable.Range(0, size.ModelVersions).Count(i => byI.ContainsKey(I(i)));
            rows.Add(Row(kind, size.ModelVersions, stored, versions.Count - stored));
        }
        await CountVersionsAsync("model versions", ws, modelName).ConfigureAwait(false);
        await CountVersionsAsync("mlflow versions", mlflowWs, mlflowModelName).ConfigureAwait(false);

        var jobs = new List<AzureMlSdk.Jobs.JobData>();
        string? token = null;
        do
        {
            var page = await ws.Backend.Jobs.ListAsync(new AzureMlSdk.Jobs.JobQuery(IncludeArchived: true, PageToken: token), cancellationToken).ConfigureAwait(false);
            jobs.AddRange(page.Items.Where(j => j.ExperimentName == "exactly-once-jobs"));
            token = page.NextPageToken;
        }
        while (token is not null);
        var jobsByName = jobs.GroupBy(j => j.DisplayName ?? "").ToDictionary(g => g.Key, g => g.Count());
        var jobsStored = Enumerable.Range(0, size.Jobs).Count(i => jobsByName.ContainsKey(JobName(i)));
        rows.Add(Row("jobs", size.Jobs, jobsStored, jobs.Count - jobsStored));

        var endpoints = new List<OnlineEndpoint>();
        await foreach (var ep in ws.ListEndpointsAsync(cancellationToken).ConfigureAwait(false))
        {
            endpoints.Add(ep);
        }
        var ours = endpoints.Where(e => endpointNames.Contains(e.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        // Stored means there and provisioned as asked (a create that ended Failed is not a stored write).
        var endpointsStored = ours.Count(e => e.ProvisioningState == ProvisioningState.Succeeded && e.Description == "faults");
        rows.Add(Row("endpoints", endpointNames.Count, endpointsStored, 0));
        foreach (var ep in ours)
        {
            try
            {
                await ep.DeleteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (AzureMlException)
            {
                // clean-up only
            }
        }
        return rows;
    }

    private static async Task SetFaultsAsync(HttpClient admin, double rate, int seed, CancellationToken cancellationToken)
    {
        using var response = await admin.PostAsJsonAsync("/_emulator/faults", new { rate, seed, max_retry_after = 1, reset_stats = true }, cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
    }

    private static string RunName(int i) => "run-" + I(i);

    private static string JobName(int i) => "job-" + I(i);

    private static string ParamValue(int i) => "0.0" + I(i + 1);

    private static string TagValue(int i) => "fold-" + I(i);

    private static string I(int i) => i.ToString(CultureInfo.InvariantCulture);

    // The workspace's long ARM path says nothing here: keep the method, the last path segments and the reason.
    private static string Shorten(string text)
    {
        text = System.Text.RegularExpressions.Regex.Replace(text, "/(mlflow/v1\\.0/)?subscriptions/[^ ]*/workspaces/[^/ ]+", "…");
        return text.Length <= 200 ? text : text[..197] + "...";
    }

    private sealed class FixedToken(string token) : TokenCredential
    {
        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            new(token, DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }
}
