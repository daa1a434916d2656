using AzureMlSdk.IntegrationTests;
using AzureMlSdk.Reliability;
using Xunit.Abstractions;

namespace AzureMlSdk.ReliabilityTests;

/// <summary>
/// Every kind of write through the Remote backend (ARM + MLflow, and a plain-MLflow connection for its model registry) lands
/// exactly once while the Emulator injects faults at a rate of 0.3 (429 and 503 before applying, and connections dropped
/// after applying the write), over 8 seeds; the caller sees no error.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class ExactlyOnceUnderFaultsTests(EmulatorFixture emulator, ITestOutputHelper output)
{
    [Fact]
    public async Task Runs_params_tags_model_versions_and_endpoints_land_exactly_once_at_fault_rate_0_3_over_8_seeds()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var rows = new List<ExactlyOnceRow>();
        var scenario = RunAllAsync(rows, limit.Token);
        var finished = await Task.WhenAny(scenario, Task.Delay(Timeout.InfiniteTimeSpan, limit.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        Assert.True(finished == scenario, "The scenario did not finish within 8 minutes: something hangs.");
        await scenario;
        output.WriteLine(ExactlyOnceScenario.Format(rows));

        Assert.Equal(8 * ExactlyOnceScenario.Kinds.Length, rows.Count);
        Assert.All(rows, r => Assert.True(r.ExactlyOnce, $"{r.Kind}, seed {r.Seed}: attempted {r.Attempted}, stored {r.Stored}, duplicates {r.Duplicates}, lost {r.Lost}, client errors {r.ClientErrors} ({r.FirstError})"));
    }

    private async Task RunAllAsync(List<ExactlyOnceRow> rows, CancellationToken cancellationToken)
    {
        try
        {
            for (var seed = 1; seed <= 8; seed++)
            {
                rows.AddRange(await ExactlyOnceScenario.RunSeedAsync(emulator.BaseAddress, emulator.Token, emulator.Http, seed, 0.3, new ScenarioSize(), cancellationToken));
            }
        }
        finally
        {
            await emulator.SetFaultsAsync(rate: 0);
        }
    }
}
