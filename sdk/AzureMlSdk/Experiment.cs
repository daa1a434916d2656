using System.Runtime.CompilerServices;

namespace AzureMlSdk;

/// <summary>A named group of runs in a workspace.</summary>
public class Experiment
{
    private readonly Workspace _workspace = null!;
    private readonly ExperimentData _data = null!;

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

    /// <summary>Experiment tags.</summary>
    public virtual IReadOnlyDictionary<string, string> Tags => _data.Tags;

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
            if (string.IsNullOrWhiteSpace(displayName) || displayName.Length > TrackingLimits.MaxNameLength)
            {
                throw new InvalidInputException($"Run display name '{Validate.Shorten(displayName)}' is invalid: use 1 to {TrackingLimits.MaxNameLength} characters.", nameof(displayName));
            }
        }
        ValidateTags(tags);
        var data = await _workspace.Backend.Tracking.CreateRunAsync(
            new NewRun(Id, displayName, _workspace.Time.GetUtcNow(), null, _workspace.WithOwner(tags)), cancellationToken).ConfigureAwait(false);
        return new Run(_workspace, data, ownsLifecycle: true);
    }

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
