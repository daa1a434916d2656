namespace AzureMlSdk.Backends.Local;

/// <summary>The local workspace's tables. Every statement is idempotent; the schema is applied on each open.</summary>
internal static partial class LocalSchema
{
    public static string Ddl => TrackingDdl + LoggedModelsDdl + RegistryDdl + JobsDdl + AssetsDdl + PipelinesDdl;
}
