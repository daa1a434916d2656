namespace AzureMlSdk;

/// <summary>A command job's limits (<c>limits</c>).</summary>
public sealed record CommandJobLimits
{
    /// <summary>The longest the job may run (<c>limits.timeout</c>, seconds in YAML); then it is canceled. Whole seconds, as Azure ML.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>The compute resources of a job (<c>resources</c>).</summary>
public sealed record JobResources
{
    /// <summary>Nodes to run on (<c>instance_count</c>, default 1).</summary>
    public int? InstanceCount { get; init; }

    /// <summary>The VM or Kubernetes instance type (<c>instance_type</c>), e.g. for serverless compute.</summary>
    public string? InstanceType { get; init; }

    /// <summary>The container's shared memory (<c>shm_size</c>): a number and a unit b, k, m or g, e.g. <c>2g</c> (Azure ML's default).</summary>
    public string? ShmSize { get; init; }

    /// <summary>Extra <c>docker run</c> arguments (<c>docker_args</c>).</summary>
    public string? DockerArgs { get; init; }

    /// <summary>Additional properties (<c>properties</c>): text, numbers, booleans, lists and nested mappings.</summary>
    public IReadOnlyDictionary<string, object?> Properties { get; init; } = new Dictionary<string, object?>(StringComparer.Ordinal);
}

/// <summary>How a distributed job starts its processes (<c>distribution</c>): <see cref="PyTorchDistribution"/>, <see cref="MpiDistribution"/> or <see cref="TensorFlowDistribution"/>.</summary>
public abstract record DistributionConfiguration
{
    private protected DistributionConfiguration() { }
}

/// <summary><c>type: pytorch</c>: torch.distributed with one process per GPU, by default.</summary>
public sealed record PyTorchDistribution : DistributionConfiguration
{
    /// <summary>Processes per node (<c>process_count_per_instance</c>).</summary>
    public int? ProcessCountPerInstance { get; init; }
}

/// <summary><c>type: mpi</c>.</summary>
public sealed record MpiDistribution : DistributionConfiguration
{
    /// <summary>Processes per node (<c>process_count_per_instance</c>).</summary>
    public int? ProcessCountPerInstance { get; init; }
}

/// <summary><c>type: tensorflow</c>.</summary>
public sealed record TensorFlowDistribution : DistributionConfiguration
{
    /// <summary>Workers (<c>worker_count</c>; default: the instance count).</summary>
    public int? WorkerCount { get; init; }

    /// <summary>Parameter servers (<c>parameter_server_count</c>, default 0).</summary>
    public int? ParameterServerCount { get; init; }
}

/// <summary>The identity a job runs as on Azure ML compute (<c>identity</c>).</summary>
public abstract record JobIdentity
{
    private protected JobIdentity() { }
}

/// <summary><c>type: aml_token</c>: the job's own Azure ML token (Azure ML's default).</summary>
public sealed record AmlTokenConfiguration : JobIdentity;

/// <summary><c>type: user_identity</c>: the submitting user's identity (on-behalf-of).</summary>
public sealed record UserIdentityConfiguration : JobIdentity;

/// <summary><c>type: managed</c>: the compute's managed identity; system-assigned unless one of the ids names a user-assigned one.</summary>
public sealed record ManagedIdentityConfiguration : JobIdentity
{
    /// <summary>A user-assigned identity's client id (<c>client_id</c>).</summary>
    public string? ClientId { get; init; }

    /// <summary>A user-assigned identity's object id (<c>object_id</c>).</summary>
    public string? ObjectId { get; init; }

    /// <summary>A user-assigned identity's ARM resource id (<c>msi_resource_id</c>).</summary>
    public string? ResourceId { get; init; }
}

/// <summary>An interactive service on a job's nodes (<c>services.&lt;name&gt;</c>).</summary>
public sealed record JobService
{
    /// <summary>The service: <c>jupyter_lab</c>, <c>vs_code</c>, <c>tensor_board</c>, <c>ssh</c> (or a custom type).</summary>
    public required string Type { get; init; }

    /// <summary>The port, for custom services.</summary>
    public int? Port { get; init; }

    /// <summary><c>all</c> to run on every node; null for the head node only.</summary>
    public string? Nodes { get; init; }

    /// <summary>TensorBoard's log folder (<c>log_dir</c>).</summary>
    public string? LogDir { get; init; }

    /// <summary>SSH's public keys (<c>ssh_public_keys</c>).</summary>
    public string? SshPublicKeys { get; init; }

    /// <summary>Other settings (<c>properties</c>).</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);
}

/// <summary>Queueing on Azure ML (<c>queue_settings</c>).</summary>
public sealed record QueueSettings
{
    /// <summary>The job tier: <c>null</c>, <c>spot</c>, <c>basic</c>, <c>standard</c> or <c>premium</c> (<c>job_tier</c>).</summary>
    public string? JobTier { get; init; }
}
