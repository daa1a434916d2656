using System.Text.Json;
using System.Text.Json.Nodes;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.History;
using AzureMlSdk.Backends.Remote.Jobs;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>
/// The wire shapes <see cref="RemoteJobBackend"/> reads and writes against the 2026-07-01 spec: every published job example (command,
/// sweep, pipeline: a listing returns them all) is read by <see cref="CommandJobProperties"/> and written back unchanged, and the
/// bodies the backend PUTs (a submit, an archive) validate against <c>JobBase</c>.
/// </summary>
public sealed class RemoteJobSpecTests
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));

    public static TheoryData<string> JobExamples() => new()
    {
        "Job/CommandJob/createOrUpdate.json",
        "Job/SweepJob/createOrUpdate.json",
        "Job/PipelineJob/createOrUpdate.json",
    };

    private static JsonElement Example(string relative)
    {
        var file = new[] { "2026-07-01", "2025-09-01-examples" }.Select(f => Path.Combine(SpecRoot, f, "examples", relative)).First(File.Exists);
        return JsonDocument.Parse(File.ReadAllText(file)).RootElement;
    }

    [Theory]
    [MemberData(nameof(JobExamples))]
    public void Every_job_kind_of_the_spec_examples_is_read_and_written_back_unchanged(string example)
    {
        var root = Example(example);
        var bodies = new List<JsonElement> { root.GetProperty("parameters").GetProperty("body") };
        bodies.AddRange(root.GetProperty("responses").EnumerateObject().Select(r => r.Value.GetProperty("body")));
        foreach (var body in bodies)
        {
            var dto = JsonSerializer.Deserialize(body.GetRawText(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
            var written = JsonSerializer.SerializeToElement(dto, ArmJobJsonContext.Default.ArmResourceCommandJobProperties).GetProperty("properties");
            Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body.GetProperty("properties").GetRawText()), JsonNode.Parse(written.GetRawText())),
                $"{example}: not the same JSON after a round trip: {written.GetRawText()}");
        }
    }

    [Theory]
    [MemberData(nameof(JobExamples))]
    public void An_archive_put_built_from_a_read_job_validates_against_the_spec(string example)
    {
        var response = Example(example).GetProperty("responses").EnumerateObject().First().Value.GetProperty("body");
        var read = JsonSerializer.Deserialize(response.GetRawText(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
        // What ArchiveAsync sends: the read properties with isArchived set and the read-only status dropped.
        read.Properties!.IsArchived = true;
        read.Properties.Status = null;
        var body = JsonSerializer.SerializeToElement(new ArmResource<CommandJobProperties> { Properties = read.Properties }, ArmJobJsonContext.Default.ArmResourceCommandJobProperties);
        var ours = Spec.Validate(body, Spec.Definition("JobBase").Schema, Spec.Root);
        var theirs = Spec.Validate(Example(example).GetProperty("parameters").GetProperty("body"), Spec.Definition("JobBase").Schema, Spec.Root);
        // Where a 2025 example and the 2026-07-01 schema disagree the schema wins: only problems the SDK adds count.
        Assert.True(ours.All(theirs.Contains), string.Join("; ", ours.Except(theirs)));
        Assert.True(body.GetProperty("properties").GetProperty("isArchived").GetBoolean());
    }

    [Fact]
    public void The_spec_example_job_maps_to_the_contract_record()
    {
        var response = Example("Job/CommandJob/createOrUpdate.json").GetProperty("responses").EnumerateObject().First().Value.GetProperty("body");
        var read = JsonSerializer.Deserialize(response.GetRawText(), ArmJobJsonContext.Default.ArmResourceCommandJobProperties)!;
        var job = RemoteJobBackend.ToJobData(read, null);
        Assert.Equal(read.Name, job.Name);
        Assert.Equal(read.Name, job.RunId);
        Assert.Equal(JobType.Command, job.Type);
        Assert.Equal(RemoteJobBackend.ParseStatus(read.Properties!.Status), job.Status);
        Assert.Equal(read.Properties.ExperimentName, job.ExperimentName);
        Assert.Equal(read.Properties.Tags!.Count, job.Tags.Count);
        // Services are links: only absolute URLs are kept (the example's endpoint is the placeholder "string").
        Assert.Equal(read.Properties.Services!.Count(s => Uri.TryCreate(s.Value?.Endpoint, UriKind.Absolute, out _)), job.Services.Count);
        Assert.Equal(read.Properties.Outputs!.Count, job.OutputUris.Count);
    }

    [Fact]
    public void Run_history_details_with_log_files_and_a_child_page_are_read()
    {
        var details = JsonSerializer.Deserialize("""
            {"runId":"job-1","status":"Running","startTimeUtc":"2026-01-01T00:00:05Z","logFiles":{"user_logs/std_log.txt":"https://acct.blob.core.windows.net/azureml/ExperimentRun/dcid.job-1/user_logs/std_log.txt?sv=2021&sig=x"},"warnings":[]}
            """, RunHistoryJsonContext.Default.RunDetails)!;
        Assert.Equal("Running", details.Status);
        Assert.StartsWith("https://acct.blob.core.windows.net/", RemoteJobBackend.FindStdLog(details.LogFiles), StringComparison.Ordinal);
        var page = JsonSerializer.Deserialize("""{"value":[{"runId":"c1","parentRunId":"p","status":"Completed","displayName":"trial 1","createdUtc":"2026-01-01T00:00:00Z"}],"continuationToken":"tok","nextLink":null}""", RunHistoryJsonContext.Default.PaginatedRunList)!;
        Assert.Equal(("c1", "p", "tok"), (page.Value![0].RunId, page.Value[0].ParentRunId, page.ContinuationToken));
    }

    [Theory]
    [InlineData("https://management.azure.com/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w/jobs?api-version=2026-07-01&$skip=abc%3D", "abc=")]
    [InlineData("https://x/jobs?%24skip=7&api-version=2026-07-01", "7")]
    [InlineData("https://x/jobs?api-version=2026-07-01", null)]
    [InlineData(null, null)]
    public void The_next_page_token_is_the_skip_of_next_link(string? nextLink, string? expected) =>
        Assert.Equal(expected, RemoteJobBackend.SkipToken(nextLink));
}
