using AzureMlSdk.Jobs.Yaml;

namespace AzureMlSdk.Jobs.Pipeline;

/// <summary>Copies of a step's command job with some parts replaced (definitions are init-only).</summary>
internal static class PipelineSteps
{
    /// <summary>A copy of <paramref name="job"/>; each non-null argument replaces that part (dictionaries are copied); <paramref name="keepName"/> false drops the name, <paramref name="clearCompute"/> the compute.</summary>
    public static CommandJob With(CommandJob job, IDictionary<string, Input>? inputs = null, IDictionary<string, Output>? outputs = null,
        string? compute = null, string? displayName = null, string? description = null, IDictionary<string, string>? tags = null,
        IDictionary<string, string>? properties = null, CommandJobLimits? limits = null, JobResources? resources = null,
        DistributionConfiguration? distribution = null, SourceMap? source = null, JobIdentity? identity = null,
        IDictionary<string, JobService>? services = null, CommandComponent? component = null, string? code = null,
        JobEnvironment? environment = null, string? name = null, string? experimentName = null, bool keepName = true, bool clearCompute = false) => new(job)
        {
            Name = name ?? (keepName ? job.Name : null),
            DisplayName = displayName ?? job.DisplayName,
            ExperimentName = experimentName ?? job.ExperimentName,
            Description = description ?? job.Description,
            Tags = new Dictionary<string, string>(tags is { Count: > 0 } ? tags : job.Tags, StringComparer.Ordinal),
            Properties = new Dictionary<string, string>(properties is { Count: > 0 } ? properties : job.Properties, StringComparer.Ordinal),
            Compute = compute ?? (clearCompute ? null : job.Compute),
            Identity = identity ?? job.Identity,
            Services = new Dictionary<string, JobService>(services is { Count: > 0 } ? services : job.Services, StringComparer.Ordinal),
            Source = source ?? job.Source,
            Code = code ?? job.Code,
            Environment = environment ?? job.Environment,
            Inputs = new Dictionary<string, Input>(inputs ?? job.Inputs, StringComparer.Ordinal),
            Outputs = new Dictionary<string, Output>(outputs ?? job.Outputs, StringComparer.Ordinal),
            Limits = limits ?? job.Limits,
            Resources = resources ?? job.Resources,
            Distribution = distribution ?? job.Distribution,
            Component = component ?? job.Component,
        };
}
