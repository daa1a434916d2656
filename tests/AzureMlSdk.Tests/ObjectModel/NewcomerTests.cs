using System.Reflection;
using System.Text.RegularExpressions;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.Tests.ObjectModel;

/// <summary>What a new user tripped on (issue 15), each as a test that would have caught it.</summary>
public sealed partial class NewcomerTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-newcomer-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        return Task.CompletedTask;
    }

    private async Task<Model> RegisterLinearAsync(Workspace ws, float bias)
    {
        var file = Path.Combine(_root, "src", Guid.NewGuid().ToString("N"), "model.onnx");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await File.WriteAllBytesAsync(file, TinyOnnx.Linear([1f, 2f, 3f], bias));
        return await ws.RegisterModelAsync("linear", file);
    }

    // ---- bug 4: a public way to seed the traffic split ---------------------------------------------------------------

    [Fact]
    public async Task A_seeded_TrafficRandom_in_WorkspaceOptions_makes_the_local_traffic_split_reproducible()
    {
        async Task<List<string>> RouteAsync(string dir)
        {
            await using var ws = Workspace.Local(Path.Combine(_root, dir), new WorkspaceOptions { TrafficRandom = new Random(7) });
            var blue = await RegisterLinearAsync(ws, 0f);
            var green = await RegisterLinearAsync(ws, 100f);
            var ep = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("seeded"));
            await ep.DeployAsync(new OnlineDeploymentSpec("blue", blue) { AllTraffic = true });
            await ep.DeployAsync(new OnlineDeploymentSpec("green", green));
            await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 50, ["green"] = 50 });
            var served = new List<string>();
            for (var i = 0; i < 24; i++)
            {
                var reply = await ep.InvokeAsync("""{"input_data": {"columns": ["a", "b", "c"], "data": [[1, 1, 1]]}}""");
                served.Add(reply.Contains("106", StringComparison.Ordinal) ? "green" : "blue");
            }
            return served;
        }

        var first = await RouteAsync("a");
        var second = await RouteAsync("b");

        Assert.Equal(first, second);
        Assert.Contains("blue", first);
        Assert.Contains("green", first);
    }

    // ---- bug 7: progress in order, delivered before the call returns --------------------------------------------------

    [Fact]
    public async Task Deploy_steps_reported_to_a_Progress_of_string_arrive_in_order_before_the_call_returns()
    {
        await using var ws = Workspace.Local(Path.Combine(_root, "progress"));
        var model = await RegisterLinearAsync(ws, 0f);
        var output = new List<string>();
        var gate = new Lock();
        void Write(string line)
        {
            lock (gate)
            {
                output.Add(line);
            }
        }
        var progress = new Progress<string>(step => Write("step: " + step));

        Write("creating");
        var ep = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("ordered"), progress);
        Write("deploying");
        await ep.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true }, progress);
        Write("done");

        List<string> seen;
        lock (gate)
        {
            seen = [.. output];
        }
        Assert.Equal("done", seen[^1]);
        var deploying = seen.IndexOf("deploying");
        Assert.True(deploying > 1, string.Join(" | ", seen));                     // endpoint steps came before "deploying"
        Assert.Contains(seen.Skip(deploying + 1), l => l.StartsWith("step: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OrderedProgress_hands_a_Progress_its_reports_one_at_a_time_in_order_and_drains_them()
    {
        var received = new List<int>();
        var concurrent = 0;
        var maxConcurrent = 0;
        var progress = new Progress<int>(value =>
        {
            var now = Interlocked.Increment(ref concurrent);
            InterlockedMax(ref maxConcurrent, now);
            Thread.SpinWait(2000);
            lock (received)
            {
                received.Add(value);
            }
            Interlocked.Decrement(ref concurrent);
        });

        await using (var ordered = OrderedProgress<int>.Wrap(progress))
        {
            for (var i = 0; i < 300; i++)
            {
                ordered.Progress!.Report(i);
            }
        }

        Assert.Equal(Enumerable.Range(0, 300), received);
        Assert.Equal(1, maxConcurrent);
    }

    [Fact]
    public async Task OrderedProgress_passes_other_implementations_through_synchronously()
    {
        var received = new List<int>();
        var sync = new SyncProgress<int>(received.Add);

        await using var ordered = OrderedProgress<int>.Wrap(sync);
        ordered.Progress!.Report(1);
        ordered.Progress.Report(2);

        Assert.Same(sync, ordered.Progress);
        Assert.Equal([1, 2], received);
        await using var none = OrderedProgress<int>.Wrap(null);
        Assert.Null(none.Progress);
    }

    [Fact]
    public async Task Local_batch_progress_only_moves_forward()
    {
        await using var ws = Workspace.Local(Path.Combine(_root, "batch"));
        var model = await RegisterLinearAsync(ws, 0f);
        var input = Path.Combine(_root, "batch-input");
        Directory.CreateDirectory(input);
        var rows = string.Join("\n", Enumerable.Range(0, 400).Select(i => $"{i},1,1"));
        await File.WriteAllTextAsync(Path.Combine(input, "rows.csv"), "a,b,c\n" + rows + "\n");
        var be = await ws.CreateOrUpdateBatchEndpointAsync(new BatchEndpointSpec("progress-batch"));
        await be.DeployAsync(new BatchDeploymentSpec("one", model) { MiniBatchSize = 2, MaxConcurrency = 8 });
        var reports = new List<BatchScoringProgress>();

        var result = await be.InvokeAsync(input, progress: new SyncProgress<BatchScoringProgress>(p =>
        {
            lock (reports)
            {
                reports.Add(p);
            }
        }));

        Assert.Equal(RunStatus.Completed, result.Status);
        Assert.Equal(201, reports.Count);
        Assert.Equal(Enumerable.Range(0, 201), reports.Select(r => r.MiniBatchesDone));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.RowsScored >= p.First.RowsScored), "rows scored went backwards");
        Assert.Equal(400, reports[^1].RowsScored);
    }

    // ---- bug 5: Run.GetContext() outside a job follows config.json ----------------------------------------------------

    [Fact]
    public async Task Outside_a_job_the_context_workspace_is_the_one_config_json_names_and_the_choice_is_said()
    {
        var nested = Directory.CreateDirectory(Path.Combine(_root, "project", "src", "train")).FullName;
        Directory.CreateDirectory(Path.Combine(_root, "project", ".azureml"));
        await File.WriteAllTextAsync(Path.Combine(_root, "project", ".azureml", "config.json"),
            """{"subscription_id": "s", "resource_group": "r", "workspace_name": "w", "local_dir": "../shared-ws"}""");

        var (ws, why) = await WithoutLocalDirVariable(() => RunContext.ResolveWorkspaceAsync(nested, null, null, CancellationToken.None));
        await using (ws)
        {
            Assert.Equal(Path.Combine(_root, "project", "shared-ws"), ws.LocalDirectory);
            Assert.Contains(Path.Combine(_root, "project", ".azureml", "config.json"), why, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Outside_a_job_a_config_json_naming_an_azure_workspace_is_opened_not_replaced_by_a_local_one()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "azure-project")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "config.json"),
            """{"subscription_id": "s", "resource_group": "r", "workspace_name": "w", "resource_manager_endpoint": "http://127.0.0.1:1"}""");
        var credential = NSubstitute.Substitute.For<Azure.Core.TokenCredential>();

        // Nothing listens on port 1: opening the named workspace fails, rather than silently logging into a local one.
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => WithoutLocalDirVariable(() => RunContext.ResolveWorkspaceAsync(
            folder, credential, new WorkspaceOptions { MaxRetries = 0, AttemptTimeout = TimeSpan.FromSeconds(5), TotalTimeout = TimeSpan.FromSeconds(10) }, CancellationToken.None)));
        Assert.IsNotType<InvalidInputException>(ex);
        Assert.False(Directory.Exists(Path.Combine(folder, ".azureml", "local")));
    }

    private static async Task<T> WithoutLocalDirVariable<T>(Func<Task<T>> action)
    {
        var saved = Environment.GetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable);
        Environment.SetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable, null);
        try
        {
            return await action();
        }
        finally
        {
            Environment.SetEnvironmentVariable(Workspace.LocalDirectoryEnvironmentVariable, saved);
        }
    }

    // ---- typed batch deployments: the model is read back from the deployment's ARM reference -----------------------------

    [Theory]
    [InlineData("/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/models/iris.v2/versions/3", "iris.v2", 3)]
    [InlineData("azureml:/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/models/m/versions/12", "m", 12)]
    [InlineData("azureml:m:7", "m", 7)]
    [InlineData("azureml://registries/r/models/m/versions/2", "m", 2)]
    [InlineData("something else", "", 0)]
    [InlineData(null, "", 0)]
    public void A_batch_deployments_model_reference_is_parsed_back_to_name_and_version(string? assetId, string name, int version) =>
        Assert.Equal((name, version), AzureMlSdk.Backends.Remote.Arm.RemoteBatchEndpoints.ParseModelId(assetId));

    // ---- bug 4, elsewhere: documentation never sends users to internal types ------------------------------------------

    /// <summary>
    /// Docs may describe internal classes (contributor notes), but code they show must not construct or call one: a user cannot
    /// (<c>LocalWorkspaceBackend(dir, trafficRandom: …)</c> was the trap). Flags constructions in code: <c>new T</c> and <c>T(args)</c>
    /// (a contributor note may still name <c>T.Member(…)</c> or a parameterless <c>Validate()</c>).
    /// </summary>
    [Fact]
    public void Markdown_docs_show_no_code_using_an_internal_sdk_type()
    {
        var root = RepositoryRoot();
        var docs = new[] { Path.Combine(root, "README.md") }
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "sdk"), "*.md", SearchOption.AllDirectories))
            .Concat(Directory.EnumerateFiles(Path.Combine(root, "samples"), "*.md", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        var assemblies = new[] { typeof(Workspace).Assembly, Assembly.Load("AzureMlSdk.Serving") };
        var publicNames = assemblies.SelectMany(a => a.GetExportedTypes()).Select(t => StripArity(t.Name)).ToHashSet(StringComparer.Ordinal);
        var internalNames = assemblies.SelectMany(a => a.GetTypes())
            .Where(t => !t.IsVisible && !t.IsNested && !t.Name.Contains('<', StringComparison.Ordinal) && t.GetCustomAttribute<System.Runtime.CompilerServices.CompilerGeneratedAttribute>() is null)
            .Select(t => StripArity(t.Name))
            .Where(n => n.Length >= 8 && !publicNames.Contains(n))
            .ToHashSet(StringComparer.Ordinal);

        var offences = new List<string>();
        foreach (var doc in docs)
        {
            foreach (Match code in CodeSpan().Matches(File.ReadAllText(doc)))
            {
                foreach (Match word in UsedInCode().Matches(code.Value))
                {
                    if (internalNames.Contains(word.Groups["name"].Value))
                    {
                        offences.Add($"{Path.GetRelativePath(root, doc)}: `{code.Value.Trim('`').Trim()}` uses internal type {word.Groups["name"].Value}");
                    }
                }
            }
        }

        Assert.True(internalNames.Count > 20, "the scan found too few internal types to mean anything");
        Assert.Empty(offences);
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AzureMlSdk.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("The repository root (AzureMlSdk.sln) was not found above " + AppContext.BaseDirectory);
    }

    private static string StripArity(string name) => name.Split('`')[0];

    private static void InterlockedMax(ref int target, int value)
    {
        int seen;
        while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
        {
        }
    }

    [GeneratedRegex(@"```[\s\S]*?```|`[^`\n]+`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\bnew\s+(?<name>[A-Z][A-Za-z0-9]+)\b|(?<![.\w])(?<name>[A-Z][A-Za-z0-9]+)\((?!\))")]
    private static partial Regex UsedInCode();

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
