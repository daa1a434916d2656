using System.Text.Json;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends.Remote.Jobs;

/// <summary>AutoML jobs on Azure ML (and the Emulator): the ARM 2026-07-01 <c>AutoMLJob</c> body, with local data uploaded as MLTable folders.</summary>
internal sealed partial class RemoteJobBackend
{
    private static readonly string[] AutoMLDataKeys = ["training_data", "validation_data", "test_data"];

    /// <summary>
    /// Submits an AutoML job as azure-ai-ml does: the name chosen first (a replayed PUT targets the same job), each local data input uploaded
    /// to the default datastore as an MLTable folder (Azure's AutoML reads MLTable only: a CSV file is wrapped with an <c>MLTable</c> file
    /// that reads it with <c>read_delimited</c>; a folder without one gets one over its <c>*.csv</c>), data assets by ARM id, the compute
    /// checked, then <c>PUT jobs/{name}</c> with the <c>AutoMLJob</c> body.
    /// </summary>
    private async Task<JobData> SubmitAutoMLAsync(AutoMLJob job, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        job.Validate();
        var name = job.Name ?? JobNameGenerator.New();
        var uris = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var key in AutoMLDataKeys)
        {
            var input = key switch { "training_data" => job.TrainingData, "validation_data" => job.ValidationData, _ => job.TestData };
            if (input is not null && await ResolveAutoMLDataAsync(job, key, input, progress, cancellationToken).ConfigureAwait(false) is { } uri)
            {
                uris[key] = uri;
            }
        }
        var body = ArmAutoMLMapping.ToArm(job, new ArmJobReferences
        {
            EnvironmentId = "",
            ComputeId = await ResolveComputeIdAsync(job.ComputeName, cancellationToken).ConfigureAwait(false),
            InputUris = uris,
        });
        body.Name = name;
        var stored = await _jobs.CreateOrUpdateJobAsync(_ws.SubscriptionId, _ws.ResourceGroup, _ws.WorkspaceName, name, AsCommandShaped(body), cancellationToken).ConfigureAwait(false);
        return ToJobData(stored, null);
    }

    private async Task<string?> ResolveComputeIdAsync(string? name, CancellationToken cancellationToken)
    {
        if (name is null || string.Equals(name, "serverless", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        if (string.Equals(name, "local", StringComparison.OrdinalIgnoreCase))
        {
            return $"{_ws.ResourceId}/computes/local";
        }
        try
        {
            return (await _owner.Computes.GetAsync(name, cancellationToken).ConfigureAwait(false)).Id;
        }
        catch (AzureMlNotSupportedException)
        {
            return $"{_ws.ResourceId}/computes/{name}";
        }
    }

    private async Task<string?> ResolveAutoMLDataAsync(AutoMLJob job, string key, Input input, IProgress<long>? progress, CancellationToken cancellationToken)
    {
        var reference = input.Reference!;
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                var local = Path.GetFullPath(reference.Path!);
                if (!File.Exists(local) && !Directory.Exists(local))
                {
                    throw new JobDefinitionException($"'{key}' is the local path '{reference.Path}', which does not exist.", job.SourcePath, key: key + ".path");
                }
                var staged = Directory.CreateTempSubdirectory("azureml-automl-mltable-");
                try
                {
                    var folder = Path.Combine(staged.FullName, Path.GetFileNameWithoutExtension(Path.TrimEndingDirectorySeparator(local)));
                    StageMLTable(local, folder);
                    var destination = $"LocalUpload/{await ContentHashAsync(folder, cancellationToken).ConfigureAwait(false)}/{Path.GetFileName(folder)}/";
                    var datastores = _owner.Datastores;
                    return await datastores.UploadAsync(folder, destination, datastores.DefaultDatastoreName, progress, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    staged.Delete(recursive: true);
                }
            case AssetReferenceKind.Asset when reference.Version is not null:
                return "azureml:" + AssetId("data", reference.Name!, reference.Version);
            case AssetReferenceKind.Asset:
                var data = await _owner.Assets.GetDataAsync(reference.Name!, null, reference.Label ?? "latest", cancellationToken).ConfigureAwait(false);
                return "azureml:" + data.Id.TrimStart();
            default:
                return null; // datastore paths, ARM ids and URLs of MLTable folders go as written
        }
    }

    /// <summary>
    /// An MLTable folder of <paramref name="local"/>: a copy of it with an <c>MLTable</c> file unless it has one — <c>read_parquet</c>
    /// for a <c>.parquet</c> file or a folder of them (without CSV files), else <c>read_delimited</c> (as the local AutoML reads them).
    /// </summary>
    internal static void StageMLTable(string local, string folder)
    {
        Directory.CreateDirectory(folder);
        string paths;
        const string ReadParquet = "\ntransformations:\n  - read_parquet\n";
        if (File.Exists(local))
        {
            File.Copy(local, Path.Combine(folder, Path.GetFileName(local)));
            paths = $"  - file: ./{Path.GetFileName(local)}";
            if (Path.GetExtension(local).Equals(".parquet", StringComparison.OrdinalIgnoreCase))
            {
                File.WriteAllText(Path.Combine(folder, "MLTable"), "paths:\n" + paths + ReadParquet);
                return;
            }
        }
        else
        {
            foreach (var file in Directory.EnumerateFiles(local, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(folder, Path.GetRelativePath(local, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            if (File.Exists(Path.Combine(folder, "MLTable")))
            {
                return;
            }
            paths = "  - pattern: ./*.csv";
            if (Directory.GetFiles(folder, "*.csv").Length == 0 && Directory.GetFiles(folder, "*.parquet").Length > 0)
            {
                File.WriteAllText(Path.Combine(folder, "MLTable"), "paths:\n  - pattern: ./*.parquet" + ReadParquet);
                return;
            }
        }
        File.WriteAllText(Path.Combine(folder, "MLTable"),
            "paths:\n" + paths + "\ntransformations:\n  - read_delimited:\n      delimiter: ','\n      encoding: utf8\n      header: all_files_same_headers\n");
    }

    /// <summary>The AutoML body through the jobs API's body type (its AutoML fields travel in <see cref="ArmJobBaseProperties.Extra"/>).</summary>
    internal static ArmResource<CommandJobProperties> AsCommandShaped(ArmResource<AutoMLJobProperties> body) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(body, ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;

    /// <summary>A job resource read through the jobs API as the <c>AutoMLJob</c> body it is.</summary>
    internal static ArmResource<AutoMLJobProperties> AsAutoML(ArmResource<CommandJobProperties> resource) =>
        JsonSerializer.Deserialize(JsonSerializer.Serialize(resource, ArmJobJsonContext.Default.ArmResourceCommandJobProperties), ArmAutoMLJobJsonContext.Default.ArmResourceAutoMLJobProperties)!;

    /// <summary>Whether a job resource is an AutoML job.</summary>
    internal static bool IsAutoML(CommandJobProperties? properties) => string.Equals(properties?.JobType, "AutoML", StringComparison.OrdinalIgnoreCase);

    /// <summary>The definition of a job resource: an AutoML job's, or a command job's.</summary>
    internal static JobDefinition DefinitionOf(ArmResource<CommandJobProperties> resource) =>
        IsAutoML(resource.Properties) ? ArmAutoMLMapping.FromArm(AsAutoML(resource)) : ArmJobMapping.FromArm(resource);
}
