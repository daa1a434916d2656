using System.Globalization;

namespace AzureMlSdk.Emulator;

/// <summary>The Emulator's settings, from its command line and environment.</summary>
internal sealed class EmulatorOptions
{
    /// <summary>The environment variable that sets the bearer token (the <c>--token</c> option wins).</summary>
    public const string TokenEnvironmentVariable = "AZUREML_EMULATOR_TOKEN";

    /// <summary>The Azurite account and its published well-known key (not a secret: every Azurite has it).</summary>
    public const string AzuriteAccount = "devstoreaccount1";

    /// <summary>Azurite's well-known account key.</summary>
    public const string AzuriteKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>Interface to bind; loopback unless told otherwise.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Port to bind; 0 picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>Root folder of the workspaces' data.</summary>
    public string DataDirectory { get; set; } = Path.Combine(Environment.CurrentDirectory, ".azureml", "emulator");

    /// <summary>The bearer token every request must carry.</summary>
    public string? Token { get; set; }

    /// <summary>Azurite's blob service URL with the account path, e.g. <c>http://127.0.0.1:10000/devstoreaccount1</c>.</summary>
    public Uri? BlobEndpoint { get; set; }

    /// <summary>Start an Azurite of our own (from <c>eng/tools</c>) on a free port.</summary>
    public bool StartAzurite { get; set; }

    /// <summary>The azurite-blob executable; found under <c>eng/tools/node_modules/.bin</c> when null.</summary>
    public string? AzuritePath { get; set; }

    /// <summary>Region reported by the workspaces.</summary>
    public string Location { get; set; } = "local";

    /// <summary>Fraction (0…1) of ARM and MLflow requests answered with an injected fault; 0 turns faults off.</summary>
    public double FaultRate { get; set; }

    /// <summary>Seed of the fault choice, so a failing run can be replayed.</summary>
    public int FaultSeed { get; set; } = 1;

    /// <summary>Largest <c>Retry-After</c> (seconds) sent with an injected 429/503; each fault picks 0…this.</summary>
    public int FaultMaxRetryAfterSeconds { get; set; } = 1;

    /// <summary>The <c>Retry-After</c> (seconds) of long-running operations (endpoints and deployments) and of unfinished jobs; 0 asks clients to poll at once.</summary>
    public int OperationRetryAfterSeconds { get; set; } = 1;

    /// <summary>The blob endpoint actually used: the given one, or Azurite's default address.</summary>
    public Uri EffectiveBlobEndpoint => BlobEndpoint ?? new Uri($"http://127.0.0.1:10000/{AzuriteAccount}");

    /// <summary>Usage text.</summary>
    public const string Usage = """
        AzureMlSdk Emulator: Azure ML's ARM and MLflow REST routes over the local workspace.
        usage: azureml-emulator [--port N] [--host 127.0.0.1] [--data DIR] [--token T]
                                [--blob-endpoint URL | --start-azurite [--azurite-path PATH]]
                                [--fault-rate 0.2] [--fault-seed 1] [--fault-retry-after 1] [--location local]
                                [--lro-retry-after 1]
          --port N            port to listen on (0 = a free one; default 0)
          --host ADDR         interface to bind (default 127.0.0.1: loopback only)
          --data DIR          data folder, a sub-folder per workspace (default ./.azureml/emulator)
          --token T           bearer token every request must carry (or env AZUREML_EMULATOR_TOKEN)
          --blob-endpoint URL a running Azurite, e.g. http://127.0.0.1:10000/devstoreaccount1
          --start-azurite     start Azurite (eng/tools/node_modules/.bin/azurite-blob) on a free port,
                              its blobs kept in <data>/azurite across restarts
          --fault-rate F      answer a fraction F of requests with 429/503 (+Retry-After) or a dropped
                              connection after the write was applied (default 0: off)
          --fault-seed N      seed of the fault choice (default 1)
          --lro-retry-after N Retry-After (seconds) of endpoint and deployment operations and job polls (default 1)
        Online endpoints are hosted for real on 127.0.0.1 (a port each); they and their deployments are kept in
        the data folder and hosted again when the Emulator restarts. Batch endpoints run their jobs in the Emulator
        (inputs and outputs in Azurite); a job still running when the Emulator stops ends Failed.
        It prints "AzureMlSdk Emulator listening on http://127.0.0.1:<port>" once ready.
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> naming a bad option.</summary>
    public static EmulatorOptions Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var o = new EmulatorOptions { Token = environment(TokenEnvironmentVariable) };
        if (double.TryParse(environment("AZUREML_EMULATOR_FAULT_RATE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var envRate))
        {
            o.FaultRate = envRate;
        }
        if (int.TryParse(environment("AZUREML_EMULATOR_FAULT_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var envSeed))
        {
            o.FaultSeed = envSeed;
        }
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value()
            {
                if (i + 1 >= args.Count)
                {
                    throw new ArgumentException($"Option {arg} needs a value.");
                }
                return args[++i];
            }
            switch (arg)
            {
                case "--port": o.Port = ParseInt(arg, Value(), 0, 65535); break;
                case "--host": o.Host = Value(); break;
                case "--data": o.DataDirectory = Path.GetFullPath(Value()); break;
                case "--token": o.Token = Value(); break;
                case "--blob-endpoint": o.BlobEndpoint = ParseBlobEndpoint(Value()); break;
                case "--start-azurite": o.StartAzurite = true; break;
                case "--azurite-path": o.AzuritePath = Value(); break;
                case "--location": o.Location = Value(); break;
                case "--fault-rate":
                    var text = Value();
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate is < 0 or > 1)
                    {
                        throw new ArgumentException($"--fault-rate '{text}' is not a fraction between 0 and 1.");
                    }
                    o.FaultRate = rate;
                    break;
                case "--fault-seed": o.FaultSeed = ParseInt(arg, Value(), int.MinValue, int.MaxValue); break;
                case "--fault-retry-after": o.FaultMaxRetryAfterSeconds = ParseInt(arg, Value(), 0, 60); break;
                case "--lro-retry-after": o.OperationRetryAfterSeconds = ParseInt(arg, Value(), 0, 60); break;
                default: throw new ArgumentException($"Unknown option '{arg}'.");
            }
        }
        if (string.IsNullOrEmpty(o.Token))
        {
            throw new ArgumentException($"A token is required: pass --token or set {TokenEnvironmentVariable}.");
        }
        if (o.StartAzurite && o.BlobEndpoint is not null)
        {
            throw new ArgumentException("Give --blob-endpoint or --start-azurite, not both.");
        }
        return o;
    }

    /// <summary>Accepts Azurite's service URL with or without the account path.</summary>
    public static Uri ParseBlobEndpoint(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"--blob-endpoint '{text}' is not an http(s) URL.");
        }
        var path = uri.AbsolutePath.Trim('/');
        return path.Length == 0 ? new Uri($"{uri.Scheme}://{uri.Authority}/{AzuriteAccount}") : new Uri($"{uri.Scheme}://{uri.Authority}/{path}");
    }

    private static int ParseInt(string option, string text, int min, int max) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{option} '{text}' is not a whole number from {min} to {max}.");
}
