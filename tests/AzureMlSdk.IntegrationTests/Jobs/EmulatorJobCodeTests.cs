using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace AzureMlSdk.IntegrationTests.Jobs;

/// <summary>
/// A command job submitted over ARM with a <c>codeId</c> runs from that code version's files, which the caller uploaded to the
/// workspace's blob container (Azurite): the Emulator snapshots them into the local backend its supervisor runs jobs from, and answers
/// the job with the <c>codeId</c> it was given, whatever the version's name.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class EmulatorJobCodeTests(EmulatorFixture emulator) : IAsyncLifetime
{
    private const string V = "?api-version=2026-07-01";
    private const string Environment = "azureml://registries/azureml/environments/sklearn-1.5/labels/latest";
    private string _ws = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        _ws = await emulator.CreateWorkspaceAsync();
        _folder = Path.Combine(Path.GetTempPath(), "azureml-jobcode-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_folder, "pkg"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(emulator.BaseAddress, EmulatorFixture.WorkspacePath(_ws) + path + V));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", emulator.Token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await emulator.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<Job> EndAsync(Job job)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        return await job.WaitAsync(cts.Token);
    }

    [Fact]
    public async Task A_named_code_version_uploaded_to_the_datastore_runs_and_keeps_its_codeId()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        await File.WriteAllTextAsync(Path.Combine(_folder, "pkg", "hello.txt"), "from a named code version");
        var uri = await ws.Backend.Datastores.UploadAsync(_folder, "team-code/v3", null, null, default);
        var put = await SendAsync(HttpMethod.Put, "/codes/team-code/versions/3", JsonSerializer.Serialize(new { properties = new { codeUri = uri } }));
        Assert.Equal(HttpStatusCode.Created, put.Status);

        var job = await EndAsync(await ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Code = "azureml:team-code:3", Command = "cat pkg/hello.txt" }));
        var log = new StringWriter();
        await ws.Jobs.StreamAsync(job.Name, log);
        var arm = await SendAsync(HttpMethod.Get, "/jobs/" + job.Name);

        Assert.Equal(JobStatus.Completed, job.Status);
        Assert.Contains("from a named code version", log.ToString(), StringComparison.Ordinal);
        var properties = arm.Body.GetProperty("properties");
        Assert.EndsWith("/codes/team-code/versions/3", properties.GetProperty("codeId").GetString(), StringComparison.Ordinal);
        Assert.False(properties.GetProperty("properties").TryGetProperty("azureml.emulator.codeId", out _));
    }

    [Fact]
    public async Task A_code_version_outside_the_datastore_or_without_files_is_refused_at_submit_naming_it()
    {
        await using var ws = await emulator.OpenAsync(_ws);
        await SendAsync(HttpMethod.Put, "/codes/elsewhere/versions/1", """{"properties":{"codeUri":"https://acct.blob.core.windows.net/other/LocalUpload/x/src"}}""");
        await SendAsync(HttpMethod.Put, "/codes/empty/versions/1", """{"properties":{"codeUri":"azureml://datastores/workspaceblobstore/paths/nothing/uploaded/"}}""");

        var outside = await Assert.ThrowsAnyAsync<AzureMlException>(() => ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Code = "azureml:elsewhere:1", Command = "true" }));
        var empty = await Assert.ThrowsAnyAsync<AzureMlException>(() => ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Code = "azureml:empty:1", Command = "true" }));
        var missing = await Assert.ThrowsAsync<ResourceNotFoundException>(() => ws.Jobs.CreateOrUpdateAsync(new CommandJob { Environment = Environment, Code = "azureml:never-created:1", Command = "true" }));

        Assert.Equal(400, outside.Status);
        Assert.Contains("elsewhere", outside.Message, StringComparison.Ordinal);
        Assert.Contains("not in the workspace's default datastore", outside.Message, StringComparison.Ordinal);
        Assert.Equal(400, empty.Status);
        Assert.Contains("no files", empty.Message, StringComparison.Ordinal);
        Assert.Contains("never-created", missing.Message, StringComparison.Ordinal);
        Assert.Empty(await ws.Jobs.ListAsync().ToListAsync());
    }
}
