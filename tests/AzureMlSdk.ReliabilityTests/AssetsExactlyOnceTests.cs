using AzureMlSdk.IntegrationTests;
using Xunit.Abstractions;

namespace AzureMlSdk.ReliabilityTests;

/// <summary>
/// Data, environment and component versions (with uploads of data and code) created through the Remote backend land exactly
/// once while the Emulator injects faults at a rate of 0.3 (429/503 before applying, connections dropped after applying), over
/// 4 seeds: every version the caller asked for exists once, numbered 1…n, and the caller sees no error. A replayed PUT of a
/// version already applied is the same content again, which the service answers as an update, not a conflict.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class AssetsExactlyOnceTests(EmulatorFixture emulator, ITestOutputHelper output)
{
    private const int PerKind = 3;

    [Fact]
    public async Task Asset_versions_land_exactly_once_at_fault_rate_0_3_over_4_seeds()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var folder = Path.Combine(Path.GetTempPath(), "azureml-asset-faults-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            for (var seed = 1; seed <= 4; seed++)
            {
                var name = await emulator.CreateWorkspaceAsync();
                await using var ws = await emulator.OpenAsync(name, o =>
                {
                    o.MaxRetries = 10;
                    o.AttemptTimeout = TimeSpan.FromSeconds(20);
                    o.TotalTimeout = TimeSpan.FromMinutes(2);
                });
                var errors = new List<Exception>();
                await emulator.SetFaultsAsync(rate: 0.3, seed: seed);
                try
                {
                    for (var i = 0; i < PerKind; i++)
                    {
                        var data = Path.Combine(folder, $"s{seed}", $"data{i}");
                        var code = Path.Combine(folder, $"s{seed}", $"code{i}");
                        Directory.CreateDirectory(data);
                        Directory.CreateDirectory(code);
                        await File.WriteAllTextAsync(Path.Combine(data, "rows.csv"), $"a,b\n{seed},{i}\n", limit.Token);
                        await File.WriteAllTextAsync(Path.Combine(code, "train.py"), $"print({seed}, {i})\n", limit.Token);
                        await Try(() => ws.Data.CreateOrUpdateAsync(new DataAsset { Name = "rows", Path = data }, cancellationToken: limit.Token));
                        await Try(() => ws.Environments.CreateOrUpdateAsync(new EnvironmentAsset { Name = "env", Image = $"python:3.{i}" }, limit.Token));
                        await Try(() => ws.Components.CreateOrUpdateAsync(
                            new CommandComponent { Name = "step", Command = "python train.py", Code = code, Environment = "azureml:env@latest" }, cancellationToken: limit.Token));
                    }
                }
                finally
                {
                    await emulator.SetFaultsAsync(rate: 0);
                }

                var data0 = await Versions(ws.Data.ListAsync("rows", includeArchived: true, limit.Token));
                var envs = await Versions(ws.Environments.ListAsync("env", includeArchived: true, limit.Token));
                var steps = await Versions(ws.Components.ListAsync("step", includeArchived: true, limit.Token));
                output.WriteLine($"seed {seed}: data {string.Join(",", data0)}; environments {string.Join(",", envs)}; components {string.Join(",", steps)}; errors {errors.Count}");
                Assert.Empty(errors.Select(e => $"{e.GetType().Name}: {e.Message}"));
                var expected = Enumerable.Range(1, PerKind).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)).Reverse().ToList();
                Assert.Equal(expected, data0);
                Assert.Equal(expected, envs);
                Assert.Equal(expected, steps);

                async Task Try<T>(Func<Task<T>> create)
                {
                    try
                    {
                        await create();
                    }
                    catch (AzureMlException ex)
                    {
                        errors.Add(ex);
                    }
                }
            }
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task<List<string>> Versions<T>(IAsyncEnumerable<T> items) where T : class
    {
        var versions = new List<string>();
        await foreach (var item in items)
        {
            versions.Add(item switch
            {
                DataAsset d => d.Version!,
                EnvironmentAsset e => e.Version!,
                CommandComponent c => c.Version!,
                _ => throw new InvalidOperationException(),
            });
        }
        return versions;
    }
}
