namespace AzureMlSdk;

/// <summary>One logged value of a metric: its key, value, step and the time it was logged (millisecond precision, as MLflow keeps it).</summary>
/// <param name="Key">The metric name.</param>
/// <param name="Value">The value; NaN and ±Infinity are kept as such.</param>
/// <param name="Step">The step (epoch, iteration…) the value belongs to.</param>
/// <param name="Timestamp">When the value was logged.</param>
public readonly record struct MetricPoint(string Key, double Value, long Step, DateTimeOffset Timestamp);
