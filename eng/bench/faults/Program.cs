using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using AzureMlSdk.Emulator;
using AzureMlSdk.Reliability;

// The exactly-once table under injected faults. Options: --rate 0.3 --seeds 1-8 (or 1,4,7) --runs 6 --models 3 --endpoints 1 --jobs 3.
var rate = 0.3;
var seeds = Enumerable.Range(1, 8).ToList();
var size = new ScenarioSize();
for (var i = 0; i + 1 < args.Length; i += 2)
{
    var value = args[i + 1];
    switch (args[i])
    {
        case "--rate" or "--fault-rate": rate = double.Parse(value, CultureInfo.InvariantCulture); break;
        case "--seeds": seeds = ParseSeeds(value); break;
        case "--runs": size = size with { Runs = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--models": size = size with { ModelVersions = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--endpoints": size = size with { Endpoints = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        case "--jobs": size = size with { Jobs = int.Parse(value, CultureInfo.InvariantCulture) }; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

var data = Path.Combine(Path.GetTempPath(), "azureml-bench-faults-" + Guid.NewGuid().ToString("N")[..12]);
var token = "bench-" + Guid.NewGuid().ToString("N");
await using var host = await EmulatorHost.StartAsync(new EmulatorOptions
{
    Port = 0,
    DataDirectory = data,
    Token = token,
    StartAzurite = true,
    OperationRetryAfterSeconds = 0,
});
using var admin = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

Console.WriteLine($"Exactly-once under injected faults: rate {rate.ToString(CultureInfo.InvariantCulture)} (a third each: 429, 503, connection dropped after the write was applied), " +
    $"seeds {string.Join(',', seeds)}, per seed {size.Runs} runs (3 param writes, 1 tag each), {size.ModelVersions} model versions through ARM and as many through the MLflow registry, {size.Endpoints} endpoint(s), {size.Jobs} command jobs; SDK MaxRetries 10.");
var all = new List<ExactlyOnceRow>();
foreach (var seed in seeds)
{
    var clock = Stopwatch.StartNew();
    var rows = await ExactlyOnceScenario.RunSeedAsync(host.BaseAddress, token, admin, seed, rate, size);
    all.AddRange(rows);
    Console.Write(ExactlyOnceScenario.Format(rows));
    Console.WriteLine($"seed {seed}: {clock.Elapsed.TotalSeconds:F1} s");
    Console.WriteLine();
}
Console.WriteLine("Totals per write kind:");
Console.Write(ExactlyOnceScenario.Format(all.GroupBy(r => r.Kind).Select(g => new ExactlyOnceRow(g.Key, 0,
    g.Sum(r => r.Attempted), g.Sum(r => r.Stored), g.Sum(r => r.Duplicates), g.Sum(r => r.Lost), g.Sum(r => r.ClientErrors), g.FirstOrDefault(r => r.FirstError is not null)?.FirstError))));
var exact = all.All(r => r.ExactlyOnce);
Console.WriteLine(exact ? "every write landed exactly once; no client errors" : "NOT exactly once (see the rows above)");
try
{
    Directory.Delete(data, recursive: true);
}
catch (IOException)
{
    // temp
}
return exact ? 0 : 1;

static List<int> ParseSeeds(string text)
{
    if (text.Contains('-', StringComparison.Ordinal))
    {
        var parts = text.Split('-');
        var from = int.Parse(parts[0], CultureInfo.InvariantCulture);
        return Enumerable.Range(from, int.Parse(parts[1], CultureInfo.InvariantCulture) - from + 1).ToList();
    }
    return text.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToList();
}
