using AzureMlSdk.Emulator;

namespace AzureMlSdk.Cli.Tests;

/// <summary>One Emulator (in this process, real HTTP on 127.0.0.1) over its own Azurite, for azml processes to talk to through a config.json.</summary>
public sealed class EmulatorFixture : IAsyncLifetime
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "azml-emulator-" + Guid.NewGuid().ToString("N")[..12]);
    private EmulatorHost? _host;

    public string Token { get; } = "azml-test-" + Guid.NewGuid().ToString("N");

    public Uri BaseAddress => (_host ?? throw new InvalidOperationException("not started")).BaseAddress;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _host = await EmulatorHost.StartAsync(new EmulatorOptions
        {
            Port = 0,
            DataDirectory = _data,
            Token = Token,
            StartAzurite = true,
            OperationRetryAfterSeconds = 0,
        }, timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A folder with a config.json pointing at the Emulator's default workspace, and the environment carrying its token.</summary>
    public (TempFolder Folder, IReadOnlyDictionary<string, string?> Environment) Project()
    {
        var folder = new TempFolder();
        folder.Write("config.json", $$"""
            {
              "subscription_id": "00000000-0000-0000-0000-000000000000",
              "resource_group": "local",
              "workspace_name": "local",
              "resource_manager_endpoint": "{{BaseAddress.AbsoluteUri.TrimEnd('/')}}"
            }
            """);
        return (folder, new Dictionary<string, string?> { ["AZUREML_EMULATOR_TOKEN"] = Token });
    }
}

[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Emulator";
}
