using System.Globalization;
using AzureMlSdk;

// Commands (all print one line per result, "ERROR <type>: <message>" and exit 1 on failure):
//   log <workspaceDir> <experiment> <runs> <pointsPerRun> <modelFile>
//       races other workers on one experiment, logs, registers one model version per run.
//   context
//       logs one metric through Run.GetContext() (workspace and run from the environment) and exits without flushing.
//   log-until-killed <workspaceDir> <readyFile>
//       logs forever; writes the run id to readyFile once the first points are stored.
try
{
    switch (args[0])
    {
        case "log":
            await LogAsync(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
            return 0;
        case "context":
            // Logs through Run.GetContext() and exits WITHOUT flushing or disposing: the exit hook must drain it.
            var run = Run.GetContext();
            run.Log("context_metric", 42);
            run.Tag("from", "context");
            Console.WriteLine($"RUN {run.Id} SAME {ReferenceEquals(run, Run.GetContext())}");
            return 0;
        case "log-until-killed":
            await LogUntilKilledAsync(args[1], args[2]);
            return 0;
        default:
            Console.Error.WriteLine($"unknown command {args[0]}");
            return 2;
    }
}
catch (Exception ex)
{
    Console.WriteLine($"ERROR {ex.GetType().Name}: {ex.Message}");
    return 1;
}

static async Task LogAsync(string dir, string experimentName, int runs, int points, string modelFile)
{
    await using var ws = Workspace.Local(dir);
    var experiment = await ws.GetOrCreateExperimentAsync(experimentName);
    for (var r = 0; r < runs; r++)
    {
        await using var run = await experiment.StartLoggingAsync($"pid{Environment.ProcessId}-{r}");
        run.LogParam("pid", Environment.ProcessId);
        run.Tag("worker", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        for (var i = 0; i < points; i++)
        {
            run.Log("value", i, step: i);
        }
        await run.FlushAsync();
        var model = await ws.RegisterModelAsync("shared-model", modelFile);
        Console.WriteLine($"RUN {run.Id} MODEL {model.Version}");
    }
}

static async Task LogUntilKilledAsync(string dir, string readyFile)
{
    var ws = Workspace.Local(dir, new LogBufferOptions { FlushInterval = TimeSpan.FromMilliseconds(50) });
    var experiment = await ws.GetOrCreateExperimentAsync("crash");
    var run = await experiment.StartLoggingAsync("doomed");
    run.LogParam("lr", 0.1);
    for (long i = 0; ; i++)
    {
        run.Log("loss", 1.0 / (i + 1));
        if (i == 1000)
        {
            await run.FlushAsync();
            await File.WriteAllTextAsync(readyFile + ".tmp", run.Id);
            File.Move(readyFile + ".tmp", readyFile);
        }
        if (i % 5000 == 0)
        {
            await Task.Yield();
        }
    }
}
