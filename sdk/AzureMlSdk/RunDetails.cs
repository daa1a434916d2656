namespace AzureMlSdk;

/// <summary>
/// A run's details, as azureml-core's <c>Run.get_details()</c> gives them (<see cref="Run.GetDetailsAsync"/>).
/// </summary>
public sealed record RunDetails
{
    /// <summary>Tag recording the type of the exception a failed run ended with (<see cref="Run.FailAsync"/>).</summary>
    public const string ErrorTypeTag = "azureml.error.type";

    /// <summary>Tag recording the message of the exception a failed run ended with.</summary>
    public const string ErrorMessageTag = "azureml.error.message";

    private static readonly string[] LogFolders = ["logs/", "user_logs/", "system_logs/", "azureml-logs/"];

    /// <summary>The run id (azureml-core <c>runId</c>).</summary>
    public required string RunId { get; init; }

    /// <summary>The display name.</summary>
    public required string DisplayName { get; init; }

    /// <summary>The experiment id.</summary>
    public required string ExperimentId { get; init; }

    /// <summary>The status as stored.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>When the run started (<c>startTimeUtc</c>).</summary>
    public required DateTimeOffset StartTime { get; init; }

    /// <summary>When it ended (<c>endTimeUtc</c>), once it has.</summary>
    public DateTimeOffset? EndTime { get; init; }

    /// <summary>How long it ran (null while it runs).</summary>
    public TimeSpan? Duration => EndTime - StartTime;

    /// <summary>The parent run, for a child run.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>True when the run is deleted.</summary>
    public bool IsDeleted { get; init; }

    /// <summary>The run's inputs: its params (properties excluded).</summary>
    public required IReadOnlyDictionary<string, string> Params { get; init; }

    /// <summary>Properties (<see cref="Run.AddProperties"/>).</summary>
    public required IReadOnlyDictionary<string, string> Properties { get; init; }

    /// <summary>Tags, system tags included.</summary>
    public required IReadOnlyDictionary<string, string> Tags { get; init; }

    /// <summary>Each metric's latest point.</summary>
    public required IReadOnlyDictionary<string, MetricPoint> LatestMetrics { get; init; }

    /// <summary>The error of a failed run (<c>error</c>): the exception type and message <see cref="Run.FailAsync"/> recorded, else null.</summary>
    public RunError? Error { get; init; }

    /// <summary>The run's log files (<c>logFiles</c>): artifact paths under <c>logs/</c>, <c>user_logs/</c>, <c>system_logs/</c> or <c>azureml-logs/</c>, and any <c>.log</c> file; download them with <see cref="Run.DownloadFileAsync"/>.</summary>
    public required IReadOnlyList<string> LogFiles { get; init; }

    internal static RunDetails From(RunData data, IEnumerable<string> artifactPaths)
    {
        var properties = data.Params.Where(p => p.Key.StartsWith(Run.PropertyParamPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[Run.PropertyParamPrefix.Length..], p => p.Value, StringComparer.Ordinal);
        var parameters = data.Params.Where(p => !p.Key.StartsWith(Run.PropertyParamPrefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        RunError? error = null;
        if (data.Tags.TryGetValue(ErrorTypeTag, out var type) | data.Tags.TryGetValue(ErrorMessageTag, out var message))
        {
            error = new RunError(type, message ?? "");
        }
        return new RunDetails
        {
            RunId = data.RunId,
            DisplayName = data.DisplayName,
            ExperimentId = data.ExperimentId,
            Status = data.Status,
            StartTime = data.StartTime,
            EndTime = data.EndTime,
            ParentRunId = data.ParentRunId,
            IsDeleted = data.IsDeleted,
            Params = parameters,
            Properties = properties,
            Tags = data.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal),
            LatestMetrics = data.LatestMetrics.ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal),
            Error = error,
            LogFiles = artifactPaths
                .Where(p => LogFolders.Any(f => p.StartsWith(f, StringComparison.Ordinal)) || p.EndsWith(".log", StringComparison.OrdinalIgnoreCase))
                .Order(StringComparer.Ordinal)
                .ToList(),
        };
    }
}

/// <summary>The error a failed run recorded.</summary>
/// <param name="Type">The exception's type name, when recorded.</param>
/// <param name="Message">The exception's message.</param>
public sealed record RunError(string? Type, string Message);

/// <summary>One metric's values in step order, as azureml-core's <c>get_metrics()</c> reports them (a value, or a list).</summary>
public sealed class MetricValues
{
    internal MetricValues(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            throw new ArgumentException("A metric has at least one value.", nameof(values));
        }
        Values = values;
    }

    /// <summary>Every value, in step order.</summary>
    public IReadOnlyList<double> Values { get; }

    /// <summary>The latest value (the only one when <see cref="IsSingle"/>).</summary>
    public double Last => Values[^1];

    /// <summary>True when the metric was logged once (azureml-core gives a number rather than a list).</summary>
    public bool IsSingle => Values.Count == 1;

    /// <summary>The value when <see cref="IsSingle"/>, else the list: <c>0.93</c> or <c>[0.5, 0.4, 0.3]</c>.</summary>
    public override string ToString() =>
        IsSingle ? Last.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
            : "[" + string.Join(", ", Values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
