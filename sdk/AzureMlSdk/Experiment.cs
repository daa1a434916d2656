using System.Runtime.CompilerServices;

namespace AzureMlSdk;

/// <summary>A named group of runs in a workspace.</summary>
public class Experiment
{
    private readonly Workspace _workspace = null!;
    private ExperimentData _data = null!;

    /// <summary>For mocking only.</summary>
    protected Experiment() { }

    internal Experiment(Workspace workspace, ExperimentData data)
    {
        _workspace = workspace;
        _data = data;
    }

    /// <summary>The experiment id.</summary>
    public virtual string Id => _data.ExperimentId;

    /// <summary>The experiment name.</summary>
    public virtual string Name => _data.Name;

    /// <summary>Experiment tags (as of the last load; <see cref="SetTagAsync"/> updates them, <see cref="RefreshAsync"/> reloads).</summary>
    public virtual IReadOnlyDictionary<string, string> Tags => _data.Tags;

    /// <summary>True when the experiment is archived (MLflow: deleted); <see cref="RestoreAsync"/> brings it back.</summary>
    public virtual bool IsArchived => _data.IsDeleted;

    /// <summary>When the experiment was created.</summary>
    public virtual DateTimeOffset CreationTime => _data.CreationTime;

    /// <summary>The workspace.</summary>
    public virtual Workspace Workspace => _workspace;

    /// <summary>Starts a run (status Running). Use it as a scope: <c>await using var run = await exp.StartLoggingAsync();</c></summary>
    /// <param name="displayName">Display name; a readable one is generated when null.</param>
    /// <param name="tags">Initial tags.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public virtual async Task<Run> StartLoggingAsync(string? displayName = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        if (displayName is not null)
        {
            Validate.RunDisplayName(displayName, nameof(displayName));
        }
        ValidateTags(tags);
        var data = await _workspace.Backend.Tracking.CreateRunAsync(
            new NewRun(Id, displayName, _workspace.Time.GetUtcNow(), null, _workspace.WithOwner(tags)), cancellationToken).ConfigureAwait(false);
        return new Run(_workspace, data, ownsLifecycle: true);
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a new run and ends the run by how the body ends, as MLflow's <c>with start_run():</c> does:
    /// Completed when it returns, Canceled when it throws <see cref="OperationCanceledException"/>, Failed (recording the
    /// exception's type and message) when it throws anything else, the exception then propagating unchanged. A body that ends
    /// the run itself (<see cref="Run.CompleteAsync"/>, <see cref="Run.FailAsync"/>…) keeps that status. Returns the body's result.
    /// </summary>
    /// <param name="body">The work: gets the running <see cref="Run"/>.</param>
    /// <param name="displayName">Display name; a readable one is generated when null.</param>
    /// <param name="tags">Initial tags.</param>
    /// <param name="cancellationToken">Cancels starting the run (pass your token to the body yourself).</param>
    public virtual async Task<T> RunAsync<T>(Func<Run, Task<T>> body, string? displayName = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var run = await StartLoggingAsync(displayName, tags, cancellationToken).ConfigureAwait(false);
        await using (run.ConfigureAwait(false))
        {
            T result;
            try
            {
                result = await body(run).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await EndAfterFailureAsync(run, ex).ConfigureAwait(false);
                throw;
            }
            if (!run.Status.IsTerminal())
            {
                await run.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
            }
            return result;
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> in a new run and ends the run by how the body ends (see <see cref="RunAsync{T}"/>):
    /// Completed, Canceled on <see cref="OperationCanceledException"/>, or Failed with the exception, which propagates.
    /// </summary>
    /// <param name="body">The work: gets the running <see cref="Run"/>.</param>
    /// <param name="displayName">Display name; a readable one is generated when null.</param>
    /// <param name="tags">Initial tags.</param>
    /// <param name="cancellationToken">Cancels starting the run (pass your token to the body yourself).</param>
    public virtual Task RunAsync(Func<Run, Task> body, string? displayName = null, IReadOnlyDictionary<string, string>? tags = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        return RunAsync<bool>(async run =>
        {
            await body(run).ConfigureAwait(false);
            return true;
        }, displayName, tags, cancellationToken);
    }

    private static async Task EndAfterFailureAsync(Run run, Exception error)
    {
        if (run.Status.IsTerminal())
        {
            return;
        }
        try
        {
            if (error is OperationCanceledException)
            {
                await run.CancelAsync(CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await run.FailAsync(error, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception markFailure) when (markFailure is AzureMlException or InvalidOperationException)
        {
            // Both matter: the body's error, and that the run could not be marked (never dropped silently).
            throw new AggregateException($"Run {run.Id} failed and could not be marked {(error is OperationCanceledException ? "Canceled" : "Failed")}.", error, markFailure);
        }
    }

    /// <summary>Sets an experiment tag (last write wins).</summary>
    public virtual async Task SetTagAsync(string key, string value, CancellationToken cancellationToken = default)
    {
        Validate.Key(key, "tag");
        Validate.TagValue(key, value);
        await _workspace.Backend.Tracking.SetExperimentTagAsync(Id, key, value, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Archives the experiment (azureml-core's <c>archive()</c>; MLflow's <c>delete_experiment</c>, which is the same soft delete):
    /// it and its runs leave listings and searches but keep their data, its name stays taken, and <see cref="RestoreAsync"/> brings
    /// them back. <see cref="Workspace.ListExperimentsAsync(bool, CancellationToken)"/> with <c>includeArchived</c> finds it.
    /// </summary>
    public virtual async Task ArchiveAsync(CancellationToken cancellationToken = default)
    {
        await _workspace.Backend.Tracking.DeleteExperimentAsync(Id, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the experiment as MLflow and Azure ML do: a soft delete, the same as <see cref="ArchiveAsync"/> (restorable with
    /// <see cref="RestoreAsync"/>; the name stays taken). Neither service offers a delete that frees the name.
    /// </summary>
    public virtual Task DeleteAsync(CancellationToken cancellationToken = default) => ArchiveAsync(cancellationToken);

    /// <summary>Restores an archived (deleted) experiment and its runs (azureml-core's <c>reactivate()</c>).</summary>
    public virtual async Task RestoreAsync(CancellationToken cancellationToken = default)
    {
        await _workspace.Backend.Tracking.RestoreExperimentAsync(Id, cancellationToken).ConfigureAwait(false);
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reloads the experiment (tags, archived state).</summary>
    public virtual async Task RefreshAsync(CancellationToken cancellationToken = default) =>
        _data = await _workspace.Backend.Tracking.GetExperimentAsync(Id, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// The experiment's runs (child runs included), optionally filtered and ordered with MLflow's syntax:
    /// <c>filter: "metrics.accuracy &gt; 0.9 and params.lr = '0.01' and tags.team = 'vision' and attributes.status = 'Completed'"</c>,
    /// <c>orderBy: "metrics.accuracy DESC, attributes.start_time"</c>. Default order: newest first.
    /// </summary>
    public virtual IAsyncEnumerable<Run> GetRunsAsync(string? filter = null, string? orderBy = null, int? maxResults = null, CancellationToken cancellationToken = default)
    {
        if (maxResults is < 1)
        {
            throw new InvalidInputException($"maxResults must be positive; got {maxResults}.", nameof(maxResults));
        }
        var clauses = string.IsNullOrWhiteSpace(orderBy) ? null : SplitOrderBy(orderBy);
        return Enumerate(filter, clauses, maxResults, cancellationToken);
    }

    private async IAsyncEnumerable<Run> Enumerate(string? filter, IReadOnlyList<string>? orderBy, int? maxResults, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var data in _workspace.SearchRunDataAsync([Id], filter, orderBy, maxResults, cancellationToken).ConfigureAwait(false))
        {
            yield return new Run(_workspace, data, ownsLifecycle: false);
        }
    }

    internal static void ValidateTags(IReadOnlyDictionary<string, string>? tags)
    {
        if (tags is null)
        {
            return;
        }
        foreach (var (key, value) in tags)
        {
            Validate.Key(key, "tag");
            Validate.TagValue(key, value);
        }
    }

    /// <summary>Splits "a DESC, b" on commas outside quotes and backquotes.</summary>
    internal static IReadOnlyList<string> SplitOrderBy(string orderBy)
    {
        var clauses = new List<string>();
        var start = 0;
        char? quote = null;
        for (var i = 0; i < orderBy.Length; i++)
        {
            var c = orderBy[i];
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
            }
            else if (c is '`' or '"' or '\'')
            {
                quote = c;
            }
            else if (c == ',')
            {
                clauses.Add(orderBy[start..i].Trim());
                start = i + 1;
            }
        }
        clauses.Add(orderBy[start..].Trim());
        if (clauses.Any(string.IsNullOrEmpty))
        {
            throw new InvalidInputException($"Order-by '{orderBy}' has an empty clause.", nameof(orderBy));
        }
        return clauses;
    }
}
