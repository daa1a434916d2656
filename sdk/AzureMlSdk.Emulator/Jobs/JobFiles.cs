using AzureMlSdk.Backends.Local;
using AzureMlSdk.Emulator.Arm;
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

    /// <summary>
    /// The code version <paramref name="job"/> names (<c>azureml:name:version</c>, from the ARM <c>codeId</c>), made a snapshot of the
    /// local backend the job runs from. The Remote client uploads a snapshot's files to the container and PUTs the version with the
    /// folder's blob URL as <c>codeUri</c> (<see cref="Arm.CodeStore"/>); the local backend knows only its own snapshots. So the files are
    /// copied from the container into a staging folder and snapshotted there (content-addressed: the same hash the client computed, so
    /// nothing is copied twice). Returns the job naming the local snapshot; unchanged when the code is already local or is not an asset
    /// of the Emulator's (the local backend then reports it missing, naming it).
    /// </summary>
    public static async Task<CommandJob> MaterializeCodeAsync(WorkspaceRegistry registry, EmulatorWorkspace ws, CommandJob job, CancellationToken cancellationToken)
    {
        if (job.Code is not { } code || AssetReference.Parse(code) is not { Kind: AssetReferenceKind.Asset, Name: { } name, Version: { } version })
        {
            return job;
        }
        try
        {
            await ws.Backend.Assets.GetCodeAsync(code, cancellationToken).ConfigureAwait(false);
            return job; // a snapshot the local backend already has
        }
        catch (ResourceNotFoundException)
        {
            // not local yet: look for the ARM code version
        }
        if (ws.Codes.Get(name) is not { } doc || !doc.Versions.TryGetValue(version, out var stored)
            || stored.Properties["codeUri"]?.GetValue<string>() is not { Length: > 0 } codeUri)
        {
            return job;
        }
        if (registry.DatastoreContainer(ws) is not { } container)
        {
            throw new ArmException(400, "UserError", $"Code '{name}' version '{version}' cannot be run: the Emulator runs without blob storage, where its files are ({codeUri}).", "properties.codeId");
        }
        var folder = ContainerFolderOf(codeUri, container, ws)
            ?? throw new ArmException(400, "UserError", $"Code '{name}' version '{version}' has codeUri '{codeUri}', which is not in the workspace's default datastore; the Emulator runs code from there only.", "properties.codeId");
        var files = new DatastoreFiles(container);
        var entries = await files.ListUnderAsync(folder, cancellationToken).ConfigureAwait(false);
        if (entries.Count == 0)
        {
            throw new ArmException(400, "UserError", $"Code '{name}' version '{version}' has no files at its codeUri '{codeUri}'.", "properties.codeId");
        }
        var staging = Path.Combine(ws.Folder, "tmp", "code-" + Guid.NewGuid().ToString("N"));
        try
        {
            var root = Path.GetFullPath(staging) + Path.DirectorySeparatorChar;
            foreach (var entry in entries)
            {
                var target = Path.GetFullPath(Path.Combine(staging, entry.RelativePath));
                if (!target.StartsWith(root, StringComparison.Ordinal))
                {
                    continue; // a blob name with '..' segments: never written outside the staging folder
                }
                await CopyDownAsync(files, folder + "/" + entry.RelativePath, target, cancellationToken).ConfigureAwait(false);
            }
            var snapshot = await ws.Backend.Assets.CreateCodeAsync(staging, null, cancellationToken).ConfigureAwait(false);
            return string.Equals(snapshot.Id, code, StringComparison.Ordinal) ? job : CommandJobResources.WithCode(job, snapshot.Id, code);
        }
        finally
        {
            try
            {
                Directory.Delete(staging, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // nothing was staged, or a leftover under tmp/ that nothing refers to
            }
        }
    }

    /// <summary>
    /// The folder of the container a code URI names: a blob URL of the container (any host: the client may reach Azurite by another
    /// name), or a datastore / <c>mlflow-artifacts:</c> URI (<see cref="ArtifactLocations.FolderOf"/>); null for anything else.
    /// </summary>
    internal static string? ContainerFolderOf(string uri, Azure.Storage.Blobs.BlobContainerClient container, EmulatorWorkspace ws)
    {
        if (Uri.TryCreate(uri, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
        {
            var prefix = container.Uri.AbsolutePath.TrimEnd('/') + "/";
            if (url.AbsolutePath.StartsWith(prefix, StringComparison.Ordinal))
            {
                var rest = Uri.UnescapeDataString(url.AbsolutePath[prefix.Length..]).Trim('/');
                return rest.Length == 0 ? null : rest;
            }
        }
        return ArtifactLocations.FolderOf(uri, ws);
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
