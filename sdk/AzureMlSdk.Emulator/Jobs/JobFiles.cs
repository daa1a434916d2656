using AzureMlSdk.Backends.Local;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Emulator.Jobs;

/// <summary>
/// The files of an Emulator job between the two places they live. A Remote client keeps datastore files in the workspace's blob
/// container (Azurite): the local inputs it uploaded, and where it downloads outputs and run artifacts from. The job runs on the local
/// backend, whose datastore and artifact store are folders. So the Emulator copies a job's datastore inputs from the container into
/// the local datastore before submitting it, and publishes its named outputs and run artifacts to the container once it has ended
/// (on the first read that sees it ended), as Azure ML's runtime uploads them.
/// </summary>
internal static class JobFiles
{
    private const string PublishedFolder = "jobs-published";

    /// <summary>Copies each datastore input of <paramref name="job"/> found in the container, and not in the local datastore, into the latter.</summary>
    public static async Task MaterializeInputsAsync(WorkspaceRegistry registry, EmulatorWorkspace ws, CommandJob job, CancellationToken cancellationToken)
    {
        if (registry.DatastoreContainer(ws) is not { } container || ws.Backend.Datastores is not LocalDatastore local)
        {
            return;
        }
        var files = new DatastoreFiles(container);
        foreach (var (_, input) in job.Inputs)
        {
            if (input.IsLiteral || input.Path is null || ArtifactLocations.FolderOf(input.Path, ws) is not { Length: > 0 } folder)
            {
                continue;
            }
            if (local.TryGetLocalPath(input.Path) is not null)
            {
                continue; // already there (uploaded locally, or copied by an earlier submit)
            }
            var target = local.PathOf(input.Path);
            if (await files.FileExistsAsync(folder, cancellationToken).ConfigureAwait(false))
            {
                await CopyDownAsync(files, folder, target, cancellationToken).ConfigureAwait(false);
                continue;
            }
            foreach (var file in await files.ListUnderAsync(folder, cancellationToken).ConfigureAwait(false))
            {
                await CopyDownAsync(files, folder + "/" + file.RelativePath, Path.Combine(target, file.RelativePath), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task CopyDownAsync(DatastoreFiles files, string blob, string target, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(target);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var partial = full + ".incoming-" + Guid.NewGuid().ToString("N")[..8];
        using var download = await files.OpenReadAsync(blob, cancellationToken).ConfigureAwait(false);
        if (download is null)
        {
            return;
        }
        try
        {
            await using (var file = File.Create(partial))
            {
                await download.Content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
            }
            File.Move(partial, full, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// Once <paramref name="job"/> has ended: its named outputs to their datastore paths and its run artifacts to
    /// <c>ExperimentRun/dcid.&lt;job&gt;/</c> in the container. Done once per job (a marker in the workspace folder); safe to repeat.
    /// </summary>
    public static async Task PublishAsync(WorkspaceRegistry registry, EmulatorWorkspace ws, JobData job, CancellationToken cancellationToken)
    {
        if (!job.Status.IsTerminal() || registry.DatastoreContainer(ws) is not { } container)
        {
            return;
        }
        var marker = Path.Combine(ws.Folder, PublishedFolder, job.Name);
        if (File.Exists(marker))
        {
            return;
        }
        var files = new DatastoreFiles(container);
        foreach (var (_, uri) in job.OutputUris)
        {
            if (ArtifactLocations.FolderOf(uri, ws) is not { Length: > 0 } folder || ws.Backend.Datastores.TryGetLocalPath(uri) is not { } path)
            {
                continue;
            }
            if (File.Exists(path))
            {
                await using var single = File.OpenRead(path);
                await files.WriteAsync(folder, single, null, cancellationToken).ConfigureAwait(false);
                continue;
            }
            foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(path, file).Replace('\\', '/');
                await using var content = File.OpenRead(file);
                await files.WriteAsync(folder + "/" + relative, content, null, cancellationToken).ConfigureAwait(false);
            }
        }
        var artifacts = ws.Backend.Artifacts;
        IReadOnlyList<ArtifactItem> items;
        try
        {
            items = await artifacts.ListAsync(job.RunId, null, cancellationToken).ConfigureAwait(false);
        }
        catch (ResourceNotFoundException)
        {
            items = [];
        }
        var runFolder = ArtifactLocations.RunFolder(job.RunId);
        foreach (var item in items)
        {
            var temp = Path.Combine(Path.GetTempPath(), "azureml-emulator-publish-" + Guid.NewGuid().ToString("N"));
            try
            {
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 81920, FileOptions.DeleteOnClose))
                {
                    await artifacts.DownloadAsync(job.RunId, item.Path, file, null, cancellationToken).ConfigureAwait(false);
                    file.Position = 0;
                    await files.WriteAsync(runFolder + "/" + item.Path, file, null, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                File.Delete(temp);
            }
        }
        Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
        await File.WriteAllTextAsync(marker, DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
    }
}
