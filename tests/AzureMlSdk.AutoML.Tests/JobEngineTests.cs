using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using AzureMlSdk.Backends.Local;
using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>Workspaces of this assembly run local jobs with an in-process supervisor, unless a test picks the job agent.</summary>
internal static class InProcessJobs
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly: its workspaces run jobs in-process.")]
    internal static void Use() => LocalJobLaunchers.Default = LocalJobLaunchers.InProcess;
}

/// <summary>AutoML as a job of the local job engine: submitted with <c>ws.Jobs</c>, trials as child jobs, the best model registered from the job.</summary>
public sealed class JobEngineTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    private static AutoMLJob Churn(string csv, int maxTrials, double minutes = 2, params string[] algorithms) => new()
    {
        Task = AutoMLTask.Classification,
        TrainingData = Input.UriFile(csv),
        TargetColumnName = "churn",
        PrimaryMetric = "AUC_weighted",
        ExperimentName = "automl-jobs",
        DisplayName = "churn-automl",
        Limits = new AutoMLLimits { MaxTrials = maxTrials, TimeoutMinutes = minutes },
        Training = new AutoMLTraining { AllowedTrainingAlgorithms = algorithms.Length == 0 ? ["LightGBM", "LogisticRegression"] : [.. algorithms] },
    };

    private static async Task<List<Job>> ChildrenAsync(Workspace ws, string parent)
    {
        var children = new List<Job>();
        await foreach (var child in ws.Jobs.ListAsync(parent))
        {
            children.Add(child);
        }
        return children;
    }

    [Fact]
    public async Task An_AutoML_job_runs_on_the_engine_with_its_trials_as_child_jobs_and_registers_its_best_model()
    {
        await using var t = new TestFolder();
        using var timeout = new CancellationTokenSource(Patience);
        var submitted = await t.Workspace.Jobs.CreateOrUpdateAsync(Churn(t.Churn(), maxTrials: 4), cancellationToken: timeout.Token);
        Assert.Equal(JobType.AutoML, submitted.Type);
        var log = new StringWriter();
        var job = await submitted.StreamAsync(log, timeout.Token);

        Assert.Equal(JobStatus.Completed, job.Status);
        var best = job.Properties[Job.AutoMLBestChildRunIdProperty];
        Assert.StartsWith(job.Name + "_", best, StringComparison.Ordinal);
        Assert.Equal("AUC_weighted", job.Properties["primary_metric"]);
        Assert.Equal("max_trials", job.Properties["stop_reason"]);
        Assert.Contains("AutoML finished", log.ToString(), StringComparison.Ordinal);

        // Trials: child jobs of the AutoML job (and child runs of its run), named <job>_<index> as Azure names them.
        var children = await ChildrenAsync(t.Workspace, job.Name);
        Assert.Equal(4, children.Count); // three searched trials and the vote ensemble
        Assert.All(children, c => Assert.Equal(job.Name, c.ParentJobName));
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"{job.Name}_{i}").Order(), children.Select(c => c.Name).Order());
        Assert.Contains(children, c => c.Properties["run_algorithm"] == "VotingEnsemble");
        var bestChild = Assert.Single(children, c => c.Name == best);
        Assert.Equal(JobStatus.Completed, bestChild.Status);
        Assert.Equal(job.Properties["score"], bestChild.Properties["score"]);
        Assert.NotNull(bestChild.EndedAt);
        var trialRuns = new List<Run>();
        await foreach (var run in job.Run.GetChildrenAsync())
        {
            trialRuns.Add(run);
        }
        Assert.Equal(children.Select(c => c.Name).Order(), trialRuns.Select(r => r.Id).Order());
        var anyTrial = await t.Workspace.GetRunAsync(best);
        Assert.True(anyTrial.LatestMetrics.ContainsKey("accuracy"));

        // The leaderboard on the job's run, best first.
        var leaderboard = await job.Run.GetTableAsync("leaderboard");
        Assert.Equal(best, leaderboard.Rows[0][leaderboard.Columns.ToList().IndexOf("run_id")]?.ToString());

        // Top-level listings show the AutoML job, not its trials.
        var top = new List<Job>();
        await foreach (var j in t.Workspace.Jobs.ListAsync())
        {
            top.Add(j);
        }
        Assert.Equal([job.Name], top.Select(j => j.Name));

        var model = await job.RegisterBestModelAsync("churn-from-job", cancellationToken: timeout.Token);
        Assert.Equal("churn-from-job", model.Name);
        Assert.Equal(bestChild.Properties["run_algorithm"], model.Tags["automl_algorithm"]);
        Assert.Equal(job.Properties["score"], model.Tags["AUC_weighted"]);
        Assert.Equal(best, model.RunId);
    }

    [Fact]
    public async Task A_canceled_AutoML_job_ends_Canceled_with_its_running_trials_canceled()
    {
        await using var t = new TestFolder();
        using var timeout = new CancellationTokenSource(Patience);
        var job = await t.Workspace.Jobs.CreateOrUpdateAsync(Churn(t.Churn(2000), maxTrials: 1000, minutes: 30), cancellationToken: timeout.Token);
        // A trial is a child job from the moment it starts, Running (as a sweep's trials are): cancel once one is seen running.
        Job? running = null;
        while (running is null)
        {
            running = (await ChildrenAsync(t.Workspace, job.Name)).FirstOrDefault(c => c.Status == JobStatus.Running);
            await Task.Delay(50, timeout.Token);
        }
        Assert.Equal((job.Name, JobType.AutoML), (running.ParentJobName, running.Type));
        Assert.StartsWith(job.Name + "_", running.Name, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(running.Properties["run_algorithm"]));
        Assert.Equal(RunStatus.Running, (await t.Workspace.GetRunAsync(running.Name, timeout.Token)).Status);
        await job.CancelAsync(timeout.Token);
        job = await job.WaitAsync(timeout.Token);

        Assert.Equal(JobStatus.Canceled, job.Status);
        Assert.True((await t.Workspace.Jobs.GetAsync(running.Name, timeout.Token)).Status is JobStatus.Canceled or JobStatus.Completed);
        Assert.False(job.Properties.ContainsKey(Job.AutoMLBestChildRunIdProperty));
        var children = await ChildrenAsync(t.Workspace, job.Name);
        Assert.All(children, c => Assert.True(c.Status.IsTerminal(), $"{c.Name} is {c.Status}"));
        await foreach (var run in job.Run.GetChildrenAsync())
        {
            Assert.True(run.Status.IsTerminal(), $"trial run {run.Id} is {run.Status}");
        }
        var e = await Assert.ThrowsAsync<InvalidStateException>(() => job.RegisterBestModelAsync("nothing", cancellationToken: timeout.Token));
        Assert.Contains("Canceled", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_job_timeout_ends_the_search_with_the_best_trial_so_far()
    {
        await using var t = new TestFolder();
        using var timeout = new CancellationTokenSource(Patience);
        var churn = Churn(t.Churn(), maxTrials: 1000, minutes: 0.1);
        // Without early termination: on a fast machine 20 trials without improvement fit in the 6 s budget and stop the search first.
        var definition = new AutoMLJob
        {
            Task = churn.Task,
            TrainingData = churn.TrainingData,
            TargetColumnName = churn.TargetColumnName,
            PrimaryMetric = churn.PrimaryMetric,
            ExperimentName = churn.ExperimentName,
            DisplayName = churn.DisplayName,
            Training = churn.Training,
            Limits = new AutoMLLimits { MaxTrials = 1000, TimeoutMinutes = 0.1, EnableEarlyTermination = false },
        };
        var job = await (await t.Workspace.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token)).WaitAsync(timeout.Token);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("timeout", job.Properties["stop_reason"]);
        var children = await ChildrenAsync(t.Workspace, job.Name);
        Assert.InRange(children.Count, 1, 999);
        Assert.Contains(children, c => c.Name == job.Properties[Job.AutoMLBestChildRunIdProperty] && c.Status == JobStatus.Completed);
    }

    [Fact]
    public async Task Bad_data_fails_the_job_with_the_reason_and_a_bad_reference_is_refused_at_submit()
    {
        await using var t = new TestFolder();
        using var timeout = new CancellationTokenSource(Patience);
        var csv = t.Write("one-class.csv", "a,b,churn\n1,2,yes\n3,4,yes\n5,6,yes\n7,8,yes\n");
        var job = await (await t.Workspace.Jobs.CreateOrUpdateAsync(Churn(csv, maxTrials: 2), cancellationToken: timeout.Token)).WaitAsync(timeout.Token);
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("UserError", job.Error!.Code);
        Assert.Contains("churn", job.Error.Message, StringComparison.Ordinal);

        var missing = Churn(Path.Combine(t.Path, "nope.csv"), maxTrials: 2);
        var e = await Assert.ThrowsAsync<JobDefinitionException>(() => t.Workspace.Jobs.CreateOrUpdateAsync(missing, cancellationToken: timeout.Token));
        Assert.Contains("nope.csv", e.Message, StringComparison.Ordinal);
        var asset = new AutoMLJob
        {
            Task = AutoMLTask.Classification,
            TrainingData = Input.Data(InputType.MLTable, "azureml:no-such-data:1"),
            TargetColumnName = "churn",
        };
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => t.Workspace.Jobs.CreateOrUpdateAsync(asset, cancellationToken: timeout.Token));
    }

    [Fact]
    public async Task A_data_asset_is_read_through_the_workspace_and_the_stored_definition_reads_back()
    {
        await using var t = new TestFolder();
        using var timeout = new CancellationTokenSource(Patience);
        var data = await t.Workspace.Data.CreateOrUpdateAsync(new DataAsset { Name = "churn-data", Version = "1", Type = InputType.UriFile, Path = t.Churn() }, cancellationToken: timeout.Token);
        var definition = Churn("unused.csv", maxTrials: 2) is var d ? new AutoMLJob
        {
            Task = d.Task,
            TrainingData = Input.Data(InputType.UriFile, "azureml:churn-data:1"),
            TargetColumnName = d.TargetColumnName,
            PrimaryMetric = "accuracy",
            Limits = d.Limits,
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM"], EnableVoteEnsemble = false },
            Tags = { ["team"] = "churn" },
        } : null!;
        var job = await (await t.Workspace.Jobs.CreateOrUpdateAsync(definition, cancellationToken: timeout.Token)).WaitAsync(timeout.Token);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Equal("Default", job.ExperimentName);
        var stored = Assert.IsType<AutoMLJob>(job.Definition);
        Assert.Equal("azureml:churn-data:1", stored.TrainingData!.Path);
        Assert.Equal(InputType.UriFile, stored.TrainingData.Type);
        Assert.Equal("accuracy", stored.PrimaryMetric);
        Assert.Equal(["LightGBM"], stored.Training.AllowedTrainingAlgorithms);
        Assert.Equal("churn", job.Tags["team"]);
        Assert.Equal(2, (await ChildrenAsync(t.Workspace, job.Name)).Count);
        Assert.NotNull(data);
    }

    [Fact]
    public async Task RegisterBestModelAsync_refuses_a_job_that_is_not_AutoML()
    {
        await using var t = new TestFolder();
        var job = await t.Workspace.Jobs.CreateOrUpdateAsync(new CommandJob { Command = "echo hi" });
        var e = await Assert.ThrowsAsync<InvalidStateException>(() => job.RegisterBestModelAsync("m"));
        Assert.Contains("command job", e.Message, StringComparison.Ordinal);
        await job.WaitAsync();
    }

    /// <summary>
    /// The job agent is another process, started with this application's dependencies (its deps file): it loads the AutoML package
    /// the application references, so an AutoML job submitted here runs there and outlives this workspace object.
    /// </summary>
    [Fact]
    public async Task The_job_agent_runs_an_AutoML_job_with_the_package_the_submitting_application_references()
    {
        await using var t = new TestFolder();
        var dir = Path.Combine(t.Path, "agent-ws");
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            string name;
            await using (var submitter = Workspace.FromBackend(new LocalWorkspaceBackend(dir, jobLauncher: AgentJobLauncher.Create)))
            {
                name = (await submitter.Jobs.CreateOrUpdateAsync(Churn(t.Churn(), maxTrials: 2, algorithms: ["LightGBM"]), cancellationToken: timeout.Token)).Name;
            }
            Assert.True(JobAgentProcess.IsRunning(dir), "the agent runs the job");
            await using var watcher = Workspace.FromBackend(new LocalWorkspaceBackend(dir, jobLauncher: AgentJobLauncher.Create));
            var job = await watcher.Jobs.StreamAsync(name, TextWriter.Null, timeout.Token);
            Assert.True(job.Status == JobStatus.Completed, $"{job.Status}: {job.Error?.Message}");
            var agent = JobAgentProcess.ReadInfo(dir);
            Assert.NotEqual(Environment.ProcessId, agent!.ProcessId);
            Assert.Equal(2, (await ChildrenAsync(watcher, name)).Count);
            var model = await job.RegisterBestModelAsync("churn-agent", cancellationToken: timeout.Token);
            Assert.Equal(job.Properties[Job.AutoMLBestChildRunIdProperty], model.RunId);
        }
        finally
        {
            if (JobAgentProcess.ReadInfo(dir) is { } info)
            {
                try
                {
                    using var agent = Process.GetProcessById(info.ProcessId);
                    agent.Kill(entireProcessTree: true);
                    await agent.WaitForExitAsync(CancellationToken.None);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // already gone
                }
            }
        }
    }
}
