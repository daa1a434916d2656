using Azure.Core;
using NSubstitute;

namespace AzureMlSdk.Tests.ObjectModel;

public sealed class WorkspaceConfigTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "azureml-config-" + Guid.NewGuid().ToString("N"));

    public WorkspaceConfigTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Config_in_a_parent_folders_dot_azureml_is_found_from_a_nested_folder()
    {
        var nested = Directory.CreateDirectory(Path.Combine(_root, "a", "b", "c")).FullName;
        Directory.CreateDirectory(Path.Combine(_root, ".azureml"));
        await File.WriteAllTextAsync(Path.Combine(_root, ".azureml", "config.json"), """{"subscription_id": "s", "resource_group": "r", "workspace_name": "w", "local_dir": "../ws"}""");

        await using var ws = await Workspace.FromConfigAsync(nested);

        Assert.Equal(Path.Combine(_root, "ws"), ws.LocalDirectory);
        Assert.Equal(WorkspaceKind.Local, ws.Kind);
    }

    [Fact]
    public async Task WriteConfig_then_FromConfig_reopens_the_same_local_workspace()
    {
        await using var ws = Workspace.Local(Path.Combine(_root, "ws"));
        var exp = await ws.GetOrCreateExperimentAsync("roundtrip");
        var file = await ws.WriteConfigAsync(Path.Combine(_root, "cfg"));

        await using var again = await Workspace.FromConfigAsync(file);

        Assert.Equal(exp.Id, (await again.GetExperimentAsync("roundtrip")).Id);
        Assert.Equal(Path.Combine(_root, "cfg", "config.json"), file);
    }

    [Fact]
    public async Task A_config_that_is_not_JSON_is_an_invalid_input_naming_the_file()
    {
        var file = Path.Combine(_root, "config.json");
        await File.WriteAllTextAsync(file, "{ not json");

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Workspace.FromConfigAsync(file));

        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_config_missing_keys_is_rejected()
    {
        var file = Path.Combine(_root, "config.json");
        await File.WriteAllTextAsync(file, """{"subscription_id": "s"}""");

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Workspace.FromConfigAsync(file, Substitute.For<TokenCredential>()));

        Assert.Contains("resource_group", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_remote_config_without_a_credential_uses_the_default_credential()
    {
        var stub = new Backends.Remote.StubWorkspace();
        var file = Path.Combine(_root, "config.json");
        await File.WriteAllTextAsync(file, $$"""{"subscription_id": "{{Backends.Remote.StubWorkspace.Sub}}", "resource_group": "{{Backends.Remote.StubWorkspace.Rg}}", "workspace_name": "{{Backends.Remote.StubWorkspace.Ws}}", "resource_manager_endpoint": "{{stub.ArmEndpoint}}"}""");
        var credential = stub.Credential();
        var original = Workspace.DefaultCredentialFactory;
        Workspace.DefaultCredentialFactory = () => credential; // never DefaultAzureCredential in a test: it would probe the machine's identities
        try
        {
            await using var ws = await Workspace.FromConfigAsync(file, options: new WorkspaceOptions { HttpMessageHandler = stub.Handler, TimeProvider = stub.Time });
            Assert.Equal(Backends.Remote.StubWorkspace.Ws, ws.Name);
            Assert.Equal(1, credential.Calls);
            Assert.StartsWith("Bearer tok-SECRET-", stub.Handler.Requests.Single().Header("Authorization"), StringComparison.Ordinal);
        }
        finally
        {
            Workspace.DefaultCredentialFactory = original;
        }
        Assert.IsType<Azure.Identity.DefaultAzureCredential>(original());
    }

    [Fact]
    public async Task A_missing_config_file_is_not_found()
    {
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Workspace.FromConfigAsync(Path.Combine(_root, "nope.json")));
    }

    [Fact]
    public async Task A_bad_endpoint_override_is_rejected_naming_the_key()
    {
        var file = Path.Combine(_root, "config.json");
        await File.WriteAllTextAsync(file, """{"subscription_id": "s", "resource_group": "r", "workspace_name": "w", "resource_manager_endpoint": "not a uri"}""");

        var ex = await Assert.ThrowsAsync<InvalidInputException>(() => Workspace.FromConfigAsync(file, Substitute.For<TokenCredential>()));

        Assert.Contains("resource_manager_endpoint", ex.Message, StringComparison.Ordinal);
    }
}
