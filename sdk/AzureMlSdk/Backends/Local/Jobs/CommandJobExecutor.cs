using System.Diagnostics;
using System.Globalization;
using AzureMlSdk.Assets;
using AzureMlSdk.Jobs;

namespace AzureMlSdk.Backends.Local.Jobs;

/// <summary>
/// Runs command jobs on this machine. At submit (<see cref="PrepareAsync"/>): the compute must exist, a local code folder is snapshotted
/// (<see cref="Assets.IAssetBackend.CreateCodeAsync"/>), registered code, data assets, datastore paths and job outputs must exist,
/// and each output gets its datastore URI (default <c>azureml://datastores/workspaceblobstore/paths/azureml/&lt;job&gt;/&lt;output&gt;/</c>).
/// When it runs: the snapshot is copied to a working folder, inputs are materialised (literals as text, local and datastore content
/// in place, <c>download</c> mode copied, data assets through their datastore URI), every output is an empty folder, and the command
/// runs under <c>/bin/bash -c</c> (<c>cmd /c</c> on Windows) with the run context and MLflow variables; stdout and stderr go to
/// <c>user_logs/std_log.txt</c> line by line, secrets masked. At the end outputs are saved to the datastore, the working folder's
/// <c>outputs/</c> and <c>logs/</c> and the main log are uploaded as the run's artifacts. A non-zero exit fails the job with the exit
/// code and the log's last lines; <c>limits.timeout</c> and a cancel kill the whole process tree.
/// </summary>
internal sealed class CommandJobExecutor : IJobExecutor
{
    private const int ErrorTailLines = 10;

    public JobType Type => JobType.Command;

    public bool UsesComputeSlot => true;

    public string Serialize(JobDefinition definition)
    {
        var job = (CommandJob)definition;
        return CommandJobJson.Write(job, job.Name ?? throw new InvalidOperationException("A stored job has a name."), job.Code,
            job.Inputs.Where(i => !i.Value.IsLiteral && i.Value.Reference!.Kind == AssetReferenceKind.LocalPath).ToDictionary(i => i.Key, i => i.Value.Path!, StringComparer.Ordinal),
            new Dictionary<string, string>(StringComparer.Ordinal));
    }

    public JobDefinition Deserialize(string json) => CommandJobJson.Read(json);

    public async Task<PreparedJob> PrepareAsync(JobDefinition definition, JobSubmitContext context, CancellationToken cancellationToken)
    {
        var job = (CommandJob)definition;
        var backend = context.Backend;
        var compute = job.ComputeName ?? LocalComputeBackend.LocalComputeName;
        if (backend.Computes.SlotsOf(compute, cancellationToken) is null)
        {
            await backend.Computes.GetAsync(compute, cancellationToken).ConfigureAwait(false); // throws, naming the compute and those that exist
        }

        string? code = null;
        if (job.Code is { } codePath)
        {
            var reference = AssetReference.Parse(codePath);
            switch (reference.Kind)
            {
                case AssetReferenceKind.LocalPath:
                    var full = Path.GetFullPath(reference.Path!);
                    if (!Directory.Exists(full) && !File.Exists(full))
                    {
                        throw new JobDefinitionException($"the code folder '{codePath}' does not exist.", job.SourcePath, key: "code");
                    }
                    code = (await backend.Assets.CreateCodeAsync(full, null, cancellationToken).ConfigureAwait(false)).Id;
                    break;
                case AssetReferenceKind.Asset or AssetReferenceKind.ArmId:
                    code = (await backend.Assets.GetCodeAsync(codePath, cancellationToken).ConfigureAwait(false)).Id;
                    break;
                case AssetReferenceKind.DatastorePath:
                    code = backend.Datastores.TryGetLocalPath(codePath) is null
                        ? throw new ResourceNotFoundException($"The job's code '{codePath}' does not exist in the local workspace's datastores.")
                        : codePath;
                    break;
                default:
                    throw new AzureMlNotSupportedException($"The job's code '{codePath}' is a {reference.Kind} reference; the local workspace runs code from a local folder, a code asset or a datastore path.");
            }
        }

        if (job.Environment?.ParsedReference is { Kind: AssetReferenceKind.Asset, Name: { } envName } envReference)
        {
            try
            {
                await ((IAssetBackend)backend.Assets).GetEnvironmentAsync(envName, envReference.Version, envReference.Label, cancellationToken).ConfigureAwait(false);
            }
            catch (AzureMlNotSupportedException)
            {
                // No environment store yet: the reference is recorded (local compute uses the host's environment anyway).
            }
            catch (ResourceNotFoundException ex)
            {
                throw new ResourceNotFoundException($"The job's environment '{job.Environment.Reference}' does not exist: {ex.Message}", innerException: ex);
            }
        }

        var inputUris = new Dictionary<string, string>(StringComparer.Ordinal);
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, input) in job.Inputs)
        {
            if (input.IsLiteral)
            {
                parameters[name] = input.LiteralText ?? "";
                continue;
            }
            inputUris[name] = await PrepareInputAsync(backend, context, name, input, cancellationToken).ConfigureAwait(false);
        }

        var outputUris = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, output) in job.Outputs)
        {
            outputUris[name] = OutputUri(context.Name, name, output, job);
        }

        var experiment = job.ExperimentName ?? DefaultExperiment(job);
        var json = CommandJobJson.Write(job, context.Name, code, inputUris, outputUris);
        return new PreparedJob(CommandJobJson.Read(json), compute, experiment, parameters, outputUris);
    }

    /// <summary>az ml's default experiment: the folder of the YAML the job came from (when that is a valid name), else <c>Default</c>.</summary>
    private static string DefaultExperiment(CommandJob job)
    {
        var folder = job.SourcePath is null ? null : Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(job.SourcePath)));
        return folder is not null && System.Text.RegularExpressions.Regex.IsMatch(folder, @"^[a-zA-Z0-9][a-zA-Z0-9\-_.]{0,254}$") ? folder : "Default";
    }

    private static async Task<string> PrepareInputAsync(LocalWorkspaceBackend backend, JobSubmitContext context, string name, Input input, CancellationToken cancellationToken)
    {
        var reference = input.Reference!;
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                return Path.GetFullPath(reference.Path!);
            case AssetReferenceKind.Asset or AssetReferenceKind.ArmId when reference.Name is { } dataName:
                try
                {
                    var data = await ((IAssetBackend)backend.Assets).GetDataAsync(dataName, reference.Version, reference.Label, cancellationToken).ConfigureAwait(false);
                    return $"azureml:{data.Name}:{data.Version}";
                }
                catch (ResourceNotFoundException ex)
                {
                    throw new ResourceNotFoundException($"Input '{name}' refers to data '{input.Path}', which does not exist: {ex.Message}", innerException: ex);
                }
            case AssetReferenceKind.DatastorePath:
                return backend.Datastores.TryGetLocalPath(input.Path!) is null
                    ? throw new ResourceNotFoundException($"Input '{name}' refers to '{input.Path}', where the local workspace stores nothing.")
                    : input.Path!;
            case AssetReferenceKind.JobOutput:
                var producer = backend.Jobs.Store.Find(reference.Job!, cancellationToken)
                    ?? throw new ResourceNotFoundException($"Input '{name}' refers to an output of job '{reference.Job}', which does not exist.");
                return producer.OutputUris.ContainsKey(reference.Output!)
                    ? input.Path!
                    : throw new ResourceNotFoundException($"Input '{name}' refers to output '{reference.Output}' of job '{reference.Job}', which has no such output.");
            case AssetReferenceKind.Url:
                return input.Path!;
            default:
                throw new AzureMlNotSupportedException($"Input '{name}' refers to '{input.Path}' ({reference.Kind}); the local workspace reads local paths, data assets, datastore paths, job outputs and URLs.");
        }
    }

    private static string OutputUri(string job, string name, Output output, CommandJob definition)
    {
        if (output.Path is null)
        {
            return $"azureml://datastores/workspaceblobstore/paths/azureml/{job}/{name}/";
        }
        var reference = AssetReference.Parse(output.Path);
        return reference.Kind switch
        {
            AssetReferenceKind.DatastorePath => output.Path.Replace("${{name}}", job, StringComparison.Ordinal).Replace("${{output_name}}", name, StringComparison.Ordinal),
            AssetReferenceKind.LocalPath when !Path.IsPathRooted(reference.Path!) =>
                $"azureml://datastores/workspaceblobstore/paths/{reference.Path!.Replace('\\', '/').TrimStart('.', '/')}",
            _ => throw new JobDefinitionException($"output '{name}' path '{output.Path}' is not a datastore path (azureml://datastores/<ds>/paths/…).", definition.SourcePath, key: $"outputs.{name}.path"),
        };
    }

    public async Task<JobOutcome> ExecuteAsync(JobExecutionContext context, CancellationToken cancellationToken)
    {
        var job = (CommandJob)context.Definition;
        var backend = context.Backend;
        var name = context.Job.Name;
        var folder = context.Folder;
        var workingFolder = Path.Combine(folder, "wd");
        var outputsFolder = Path.Combine(folder, "named-outputs");
        var log = context.Log;

        log.WriteLine($"Environment: the host's. Local compute '{context.Job.Compute}' runs the command directly on this machine ({System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}); "
            + (job.Environment is null ? "no environment was given." : $"environment '{job.Environment}' is recorded, not built."));
        await context.SetStatusAsync(JobStatus.Preparing, cancellationToken).ConfigureAwait(false);

        // Working copy of the code.
        RecreateFolder(workingFolder);
        if (job.Code is { } code)
        {
            var uri = AssetReference.Parse(code).Kind == AssetReferenceKind.DatastorePath ? code : (await backend.Assets.GetCodeAsync(code, cancellationToken).ConfigureAwait(false)).Uri;
            var source = backend.Datastores.TryGetLocalPath(uri) ?? throw new ResourceNotFoundException($"The job's code snapshot '{code}' is missing from the workspace.");
            CopyFolder(source, workingFolder);
        }

        // Inputs and outputs.
        var inputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (inputName, input) in job.Inputs)
        {
            inputs[inputName] = input.IsLiteral ? input.LiteralText ?? "" : await MaterializeAsync(context, inputName, input, cancellationToken).ConfigureAwait(false);
        }
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (outputName, output) in job.Outputs)
        {
            var outputFolder = Path.Combine(outputsFolder, outputName);
            RecreateFolder(outputFolder);
            outputs[outputName] = output.Type == OutputType.UriFile ? Path.Combine(outputFolder, outputName) : outputFolder;
        }
        var command = job.ParseCommand().Render(inputs, outputs);

        var outcome = await RunProcessAsync(context, job, command, workingFolder, cancellationToken).ConfigureAwait(false);

        // Finalizing: outputs to the datastore, outputs/ and logs/ to the run's artifacts (also after a failure, as Azure ML keeps them).
        await context.SetStatusAsync(JobStatus.Finalizing, CancellationToken.None).ConfigureAwait(false);
        try
        {
            foreach (var (outputName, outputFolder) in job.Outputs.Keys.Select(k => (k, Path.Combine(outputsFolder, k))))
            {
                var reference = AssetReference.Parse(context.Job.OutputUris[outputName]);
                if (Directory.EnumerateFileSystemEntries(outputFolder).Any())
                {
                    await backend.Datastores.UploadAsync(outputFolder, reference.Path!.TrimEnd('/') + "/", reference.Datastore, null, CancellationToken.None).ConfigureAwait(false);
                }
                if (outcome.Status == JobStatus.Completed && job.Outputs[outputName].Name is { } assetName)
                {
                    await RegisterOutputAsync(context, outputName, assetName, job.Outputs[outputName]).ConfigureAwait(false);
                }
            }
            await UploadArtifactsAsync(backend, name, workingFolder, "outputs").ConfigureAwait(false);
            await UploadArtifactsAsync(backend, name, workingFolder, "logs").ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or AzureMlException)
        {
            log.WriteLine($"Saving the job's outputs failed: {ex.Message}");
            if (outcome.Status == JobStatus.Completed)
            {
                outcome = new JobOutcome(JobStatus.Failed, new JobError("OutputUploadFailed", log.Mask($"The command succeeded but saving its outputs failed: {ex.Message}")));
            }
        }
        finally
        {
            TryDelete(workingFolder);
            TryDelete(outputsFolder);
            TryDelete(Path.Combine(folder, "inputs"));
        }
        return outcome;
    }

    private static async Task<JobOutcome> RunProcessAsync(JobExecutionContext context, CommandJob job, string command, string workingFolder, CancellationToken cancellationToken)
    {
        var log = context.Log;
        var start = ShellStart(command, workingFolder);
        ApplyEnvironment(start, context, job);

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            log.WriteLine($"The shell '{start.FileName}' could not start: {ex.Message}");
            return new JobOutcome(JobStatus.Failed, new JobError("ExecutionFailed", $"The shell '{start.FileName}' could not start: {ex.Message}"));
        }
        var groupLeader = JobProcessRecord.SetSid is not null && !OperatingSystem.IsWindows();
        JobProcessRecord.Write(context.Folder, process, groupLeader);
        try
        {
            return await WaitProcessAsync(context, job, process, groupLeader, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            JobProcessRecord.Clear(context.Folder);
        }
    }

    private static async Task<JobOutcome> WaitProcessAsync(JobExecutionContext context, CommandJob job, Process process, bool groupLeader, CancellationToken cancellationToken)
    {
        var log = context.Log;
        process.StandardInput.Close();
        await context.SetStatusAsync(JobStatus.Running, CancellationToken.None).ConfigureAwait(false);
        var pumps = Task.WhenAll(PumpAsync(process.StandardOutput, log), PumpAsync(process.StandardError, log));

        using var timeout = job.Limits?.Timeout is { } limit ? new CancellationTokenSource(limit) : new CancellationTokenSource();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var killed = false;
        try
        {
            await process.WaitForExitAsync(either.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            killed = true;
            Kill(process, groupLeader);
            using var grace = new CancellationTokenSource(context.Options.KillTimeout);
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                log.WriteLine($"The process tree did not end within {context.Options.KillTimeout.TotalSeconds:0} s of being killed.");
            }
        }
        // The pipes close when the last process holding them ends; do not wait forever for a stray grandchild.
        await Task.WhenAny(pumps, Task.Delay(context.Options.KillTimeout, CancellationToken.None)).ConfigureAwait(false);

        if (killed && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var message = string.Create(CultureInfo.InvariantCulture, $"The job ran past its limits.timeout of {job.Limits!.Timeout!.Value.TotalSeconds:0} s and was killed (its whole process tree).");
            log.WriteLine(message);
            return new JobOutcome(JobStatus.Failed, new JobError("JobTimeout", message));
        }
        if (killed)
        {
            log.WriteLine("The job was canceled; its process tree was killed.");
            return new JobOutcome(JobStatus.Canceled, new JobError("Canceled", "The job was canceled; its process tree was killed."));
        }
        var exitCode = process.ExitCode;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"The command exited with code {exitCode}."));
        if (exitCode == 0)
        {
            return JobOutcome.Completed;
        }
        var tail = log.Tail();
        var last = tail.Take(Math.Max(0, tail.Count - 1)).TakeLast(ErrorTailLines);
        return new JobOutcome(JobStatus.Failed, new JobError("ExecutionFailed", string.Create(CultureInfo.InvariantCulture,
            $"The command exited with code {exitCode}. Last lines of user_logs/std_log.txt:{Environment.NewLine}{string.Join(Environment.NewLine, last)}")));
    }

    private static ProcessStartInfo ShellStart(string command, string workingFolder)
    {
        ProcessStartInfo start;
        if (OperatingSystem.IsWindows())
        {
            start = new ProcessStartInfo("cmd.exe") { Arguments = $"/d /s /c \"{command}\"" };
        }
        else
        {
            // The shell leads a process group of its own (setsid), so a cancel, a timeout, or a reader that finds the supervisor dead
            // (JobProcessRecord) kills everything the command started, reparented background processes included.
            var shell = File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh";
            start = new ProcessStartInfo(JobProcessRecord.SetSid ?? shell);
            if (JobProcessRecord.SetSid is not null)
            {
                start.ArgumentList.Add(shell);
            }
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
        }
        start.WorkingDirectory = workingFolder;
        start.UseShellExecute = false;
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.CreateNoWindow = true;
        return start;
    }

    /// <summary>The job's variables, its run context (<c>AZUREML_RUN_ID</c>, <c>AZUREML_LOCAL_DIR</c>) and MLflow's when a tracking server is given.</summary>
    private static void ApplyEnvironment(ProcessStartInfo start, JobExecutionContext context, CommandJob job)
    {
        var env = start.Environment;
        foreach (var key in new[] { "MLFLOW_RUN_ID", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_TRACKING_TOKEN", Run.ExperimentNameEnvironmentVariable })
        {
            env.Remove(key);
        }
        foreach (var (key, value) in job.EnvironmentVariables)
        {
            env[key] = value;
        }
        env[Run.RunIdEnvironmentVariable] = context.Job.Name;
        env[Workspace.LocalDirectoryEnvironmentVariable] = context.Backend.Info.LocalDirectory;
        env[Run.ExperimentNameEnvironmentVariable] = context.Job.ExperimentName;
        env["AZUREML_JOB_NAME"] = context.Job.Name;
        if (context.Options.TrackingUri is { } tracking)
        {
            env["MLFLOW_TRACKING_URI"] = tracking.AbsoluteUri.TrimEnd('/');
            env["MLFLOW_RUN_ID"] = context.Job.Name;
            env["MLFLOW_EXPERIMENT_ID"] = context.ExperimentId;
            if (context.Options.TrackingToken is { } token)
            {
                env["MLFLOW_TRACKING_TOKEN"] = token;
            }
        }
    }

    private static async Task PumpAsync(StreamReader reader, JobLog log)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                log.WriteLine(line);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // the pipe went away with the process
        }
    }

    private static void Kill(Process process, bool groupLeader)
    {
        if (groupLeader)
        {
            JobProcessRecord.KillGroup(process.Id);
        }
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // already gone
        }
    }

    /// <summary>A data input as a path the command can read (or the URI itself for <c>direct</c>).</summary>
    private static async Task<string> MaterializeAsync(JobExecutionContext context, string name, Input input, CancellationToken cancellationToken)
    {
        var backend = context.Backend;
        var reference = input.Reference!;
        string uri;
        switch (reference.Kind)
        {
            case AssetReferenceKind.LocalPath:
                return input.Mode is InputMode.Download or InputMode.EvalDownload
                    ? CopyLocal(reference.Path!, Path.Combine(context.Folder, "inputs", name))
                    : reference.Path!;
            case AssetReferenceKind.Asset:
                var data = await ((IAssetBackend)backend.Assets).GetDataAsync(reference.Name!, reference.Version, reference.Label, cancellationToken).ConfigureAwait(false);
                uri = data.Definition.Path;
                if (AssetReference.Parse(uri).Kind == AssetReferenceKind.LocalPath)
                {
                    return uri;
                }
                break;
            case AssetReferenceKind.JobOutput:
                var producer = context.Backend.Jobs.Store.Find(reference.Job!, cancellationToken)
                    ?? throw new ResourceNotFoundException($"Input '{name}': job '{reference.Job}' does not exist.");
                uri = producer.OutputUris[reference.Output!].TrimEnd('/') + (reference.Path is { Length: > 0 } sub ? "/" + sub : "/");
                break;
            default:
                uri = input.Path!;
                break;
        }
        if (input.Mode == InputMode.Direct)
        {
            return uri;
        }
        var parsed = AssetReference.Parse(uri);
        if (parsed.Kind == AssetReferenceKind.Url)
        {
            return await DownloadUrlAsync(uri, Path.Combine(context.Folder, "inputs", name), cancellationToken).ConfigureAwait(false);
        }
        if (input.Mode is not (InputMode.Download or InputMode.EvalDownload) && backend.Datastores.TryGetLocalPath(uri) is { } inPlace)
        {
            return inPlace;
        }
        var destination = Path.Combine(context.Folder, "inputs", name);
        var written = await backend.Datastores.DownloadAsync(uri, destination, null, cancellationToken).ConfigureAwait(false);
        return input.Type == InputType.UriFile && written.Count == 1 ? written[0] : destination;
    }

    private static async Task<string> DownloadUrlAsync(string url, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var fileName = Path.GetFileName(new Uri(url).LocalPath);
        var target = Path.Combine(folder, string.IsNullOrEmpty(fileName) ? "download" : fileName);
        using var http = new HttpClient();
        await using var body = await http.GetStreamAsync(new Uri(url), cancellationToken).ConfigureAwait(false);
        await using var file = File.Create(target);
        await body.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        return target;
    }

    private static async Task RegisterOutputAsync(JobExecutionContext context, string outputName, string assetName, Output output)
    {
        if (output.Type is OutputType.UriFile or OutputType.UriFolder or OutputType.MLTable)
        {
            try
            {
                var type = output.Type switch { OutputType.UriFile => InputType.UriFile, OutputType.MLTable => InputType.MLTable, _ => InputType.UriFolder };
                var uri = context.Job.OutputUris[outputName];
                await ((IAssetBackend)context.Backend.Assets).CreateDataAsync(new DataAsset { Name = assetName, Version = output.Version, Type = type, Path = uri }, null, CancellationToken.None).ConfigureAwait(false);
                context.Log.WriteLine($"Output '{outputName}' was registered as data asset '{assetName}'.");
            }
            catch (AzureMlNotSupportedException)
            {
                context.Log.WriteLine($"Output '{outputName}' was not registered as '{assetName}': this workspace has no data asset store yet.");
            }
        }
        else
        {
            context.Log.WriteLine($"Output '{outputName}' ({YamlNames.Of(output.Type)}) is saved; register it as a model with ws.RegisterModelAsync from {context.Job.OutputUris[outputName]}.");
        }
    }

    private static async Task UploadArtifactsAsync(LocalWorkspaceBackend backend, string runId, string workingFolder, string folderName)
    {
        var folder = Path.Combine(workingFolder, folderName);
        if (!Directory.Exists(folder))
        {
            return;
        }
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(workingFolder, file).Replace('\\', '/');
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read);
            await backend.Artifacts.UploadAsync(runId, relative, stream, null, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static string CopyLocal(string source, string destination)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(destination);
            var target = Path.Combine(destination, Path.GetFileName(source));
            File.Copy(source, target, overwrite: true);
            return target;
        }
        CopyFolder(source, destination);
        return destination;
    }

    private static void CopyFolder(string source, string destination)
    {
        if (File.Exists(source))
        {
            Directory.CreateDirectory(destination);
            File.Copy(source, Path.Combine(destination, Path.GetFileName(source)), overwrite: true);
            return;
        }
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        Directory.CreateDirectory(destination);
    }

    private static void RecreateFolder(string folder)
    {
        TryDelete(folder);
        Directory.CreateDirectory(folder);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // a file still held by a stray process; the folder is the job's own
        }
    }
}
