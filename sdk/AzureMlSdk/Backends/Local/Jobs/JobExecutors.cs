namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// The job kinds the local engine runs, one <see cref="IJobExecutor"/> each. Sweep, pipeline and AutoML executors are added to
/// <see cref="All"/> as they land; a kind without one is rejected at submit with <see cref="AzureMlNotSupportedException"/>.
/// </summary>
internal static class JobExecutors
{
    /// <summary>Every registered executor, by kind.</summary>
    public static IReadOnlyDictionary<JobType, IJobExecutor> All { get; } = new Dictionary<JobType, IJobExecutor>
    {
        [JobType.Command] = new CommandJobExecutor(),
        [JobType.Sweep] = new SweepJobExecutor(),
        [JobType.AutoML] = new AutoMLJobExecutor(),
        [JobType.Pipeline] = new PipelineJobExecutor(),
    };

    /// <summary>The executor of <paramref name="type"/>; <see cref="AzureMlNotSupportedException"/> when the local engine has none.</summary>
    public static IJobExecutor For(JobType type) =>
        All.TryGetValue(type, out var executor) ? executor
        : throw new AzureMlNotSupportedException($"The local workspace cannot run {JobDefinition.YamlType(type)} jobs yet.");
}
