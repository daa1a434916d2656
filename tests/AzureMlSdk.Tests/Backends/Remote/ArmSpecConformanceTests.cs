using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Blob;
using Xunit.Abstractions;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>
/// The SDK against the Azure ML REST spec in <c>shared/azure-ml-rest-spec</c> (or its copy in <c>tests/spec</c>; api-version 2026-07-01): every published
/// example of every operation the SDK calls is read by its DTOs, the requests it builds validate against the spec's
/// schemas, and its Refit routes are the spec's paths.
/// </summary>
public sealed class ArmSpecConformanceTests(ITestOutputHelper output)
{
    private static readonly string SpecRoot = RestSpecFolder.Find();
    private static readonly OpenApiValidator Spec = new(Path.Combine(SpecRoot, "2026-07-01", "openapi.json"), Path.Combine(SpecRoot, "common-types"));
    private static readonly string[] ExampleFolders = ["2026-07-01", "2025-09-01-examples", "2025-06-01-examples"];

    /// <summary>Operations the SDK calls, with the DTO of the request body and of the 200/201 body.</summary>
    private static readonly Dictionary<string, (JsonTypeInfo? Request, JsonTypeInfo? Response)> SdkOperations = new()
    {
        ["Workspaces_Get"] = (null, ArmJsonContext.Default.ArmResourceWorkspaceProperties),
        ["Workspaces_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceWorkspaceProperties, ArmJsonContext.Default.ArmResourceWorkspaceProperties),
        ["Datastores_List"] = (null, ArmJsonContext.Default.ArmPageDatastoreProperties),
        ["Datastores_Get"] = (null, ArmJsonContext.Default.ArmResourceDatastoreProperties),
        ["Datastores_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceDatastoreProperties, ArmJsonContext.Default.ArmResourceDatastoreProperties),
        ["Datastores_ListSecrets"] = (ArmJsonContext.Default.SecretExpiry, ArmJsonContext.Default.DatastoreSecrets),
        ["ModelContainers_List"] = (null, ArmJsonContext.Default.ArmPageModelContainerProperties),
        ["ModelContainers_Get"] = (null, ArmJsonContext.Default.ArmResourceModelContainerProperties),
        ["ModelContainers_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceModelContainerProperties, ArmJsonContext.Default.ArmResourceModelContainerProperties),
        ["ModelContainers_Delete"] = (null, null),
        ["ModelVersions_List"] = (null, ArmJsonContext.Default.ArmPageModelVersionProperties),
        ["ModelVersions_Get"] = (null, ArmJsonContext.Default.ArmResourceModelVersionProperties),
        ["ModelVersions_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceModelVersionProperties, ArmJsonContext.Default.ArmResourceModelVersionProperties),
        ["ModelVersions_Delete"] = (null, null),
        ["EnvironmentContainers_List"] = (null, ArmJsonContext.Default.ArmPageEnvironmentContainerProperties),
        ["EnvironmentContainers_Get"] = (null, ArmJsonContext.Default.ArmResourceEnvironmentContainerProperties),
        ["EnvironmentContainers_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceEnvironmentContainerProperties, ArmJsonContext.Default.ArmResourceEnvironmentContainerProperties),
        ["EnvironmentVersions_List"] = (null, ArmJsonContext.Default.ArmPageEnvironmentVersionProperties),
        ["EnvironmentVersions_Get"] = (null, ArmJsonContext.Default.ArmResourceEnvironmentVersionProperties),
        ["EnvironmentVersions_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceEnvironmentVersionProperties, ArmJsonContext.Default.ArmResourceEnvironmentVersionProperties),
        ["CodeContainers_Get"] = (null, ArmJsonContext.Default.ArmResourceCodeContainerProperties),
        ["CodeVersions_Get"] = (null, ArmJsonContext.Default.ArmResourceCodeVersionProperties),
        ["CodeVersions_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceCodeVersionProperties, ArmJsonContext.Default.ArmResourceCodeVersionProperties),
        ["CodeVersions_CreateOrGetStartPendingUpload"] = (ArmJsonContext.Default.PendingUploadRequest, ArmJsonContext.Default.PendingUploadResponse),
        ["DataVersions_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceDataVersionProperties, ArmJsonContext.Default.ArmResourceDataVersionProperties),
        ["DataVersions_Get"] = (null, ArmJsonContext.Default.ArmResourceDataVersionProperties),
        ["DataVersions_List"] = (null, ArmJsonContext.Default.ArmPageDataVersionProperties),
        ["DataContainers_List"] = (null, ArmJsonContext.Default.ArmPageDataContainerProperties),
        ["DataContainers_Get"] = (null, ArmJsonContext.Default.ArmResourceDataContainerProperties),
        ["DataContainers_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceDataContainerProperties, ArmJsonContext.Default.ArmResourceDataContainerProperties),
        ["ComponentContainers_List"] = (null, ArmJsonContext.Default.ArmPageComponentContainerProperties),
        ["ComponentContainers_Get"] = (null, ArmJsonContext.Default.ArmResourceComponentContainerProperties),
        ["ComponentContainers_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceComponentContainerProperties, ArmJsonContext.Default.ArmResourceComponentContainerProperties),
        ["ComponentVersions_List"] = (null, ArmJsonContext.Default.ArmPageComponentVersionProperties),
        ["ComponentVersions_Get"] = (null, ArmJsonContext.Default.ArmResourceComponentVersionProperties),
        ["ComponentVersions_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceComponentVersionProperties, ArmJsonContext.Default.ArmResourceComponentVersionProperties),
        ["Compute_List"] = (null, ArmJsonContext.Default.ArmPageComputeProperties),
        ["Compute_Get"] = (null, ArmJsonContext.Default.ArmResourceComputeProperties),
        ["Compute_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceComputeProperties, ArmJsonContext.Default.ArmResourceComputeProperties),
        ["Compute_Delete"] = (null, null),
        ["Jobs_List"] = (null, ArmJsonContext.Default.ArmPageJobProperties),
        ["Jobs_Get"] = (null, ArmJsonContext.Default.ArmResourceJobProperties),
        ["Jobs_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceJobProperties, ArmJsonContext.Default.ArmResourceJobProperties),
        ["Jobs_Cancel"] = (null, null),
        ["OnlineEndpoints_List"] = (null, ArmJsonContext.Default.ArmPageOnlineEndpointProperties),
        ["OnlineEndpoints_Get"] = (null, ArmJsonContext.Default.ArmResourceOnlineEndpointProperties),
        ["OnlineEndpoints_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceOnlineEndpointProperties, ArmJsonContext.Default.ArmResourceOnlineEndpointProperties),
        ["OnlineEndpoints_Delete"] = (null, null),
        ["OnlineEndpoints_ListKeys"] = (null, ArmJsonContext.Default.EndpointAuthKeys),
        ["OnlineEndpoints_RegenerateKeys"] = (ArmJsonContext.Default.RegenerateEndpointKeysRequest, null),
        ["OnlineEndpoints_GetToken"] = (null, ArmJsonContext.Default.EndpointAuthToken),
        ["OnlineDeployments_List"] = (null, ArmJsonContext.Default.ArmPageOnlineDeploymentProperties),
        ["OnlineDeployments_Get"] = (null, ArmJsonContext.Default.ArmResourceOnlineDeploymentProperties),
        ["OnlineDeployments_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceOnlineDeploymentProperties, ArmJsonContext.Default.ArmResourceOnlineDeploymentProperties),
        ["OnlineDeployments_Delete"] = (null, null),
        ["OnlineDeployments_GetLogs"] = (ArmJsonContext.Default.DeploymentLogsRequest, ArmJsonContext.Default.DeploymentLogs),
        ["BatchEndpoints_List"] = (null, ArmJsonContext.Default.ArmPageBatchEndpointProperties),
        ["BatchEndpoints_Get"] = (null, ArmJsonContext.Default.ArmResourceBatchEndpointProperties),
        ["BatchEndpoints_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceBatchEndpointProperties, ArmJsonContext.Default.ArmResourceBatchEndpointProperties),
        ["BatchEndpoints_Delete"] = (null, null),
        ["BatchEndpoints_ListKeys"] = (null, ArmJsonContext.Default.EndpointAuthKeys),
        ["BatchDeployments_List"] = (null, ArmJsonContext.Default.ArmPageBatchDeploymentProperties),
        ["BatchDeployments_Get"] = (null, ArmJsonContext.Default.ArmResourceBatchDeploymentProperties),
        ["BatchDeployments_CreateOrUpdate"] = (ArmJsonContext.Default.ArmResourceBatchDeploymentProperties, ArmJsonContext.Default.ArmResourceBatchDeploymentProperties),
        ["BatchDeployments_Delete"] = (null, null),
    };

    private sealed record SpecOperation(string OperationId, string Method, string PathTemplate, JsonElement Operation, JsonElement PathItem);

    private static IEnumerable<SpecOperation> Operations()
    {
        foreach (var path in Spec.Root.GetProperty("paths").EnumerateObject())
        {
            foreach (var op in path.Value.EnumerateObject())
            {
                if (op.Value.ValueKind == JsonValueKind.Object && op.Value.TryGetProperty("operationId", out var id))
                {
                    yield return new SpecOperation(id.GetString()!, op.Name.ToUpperInvariant(), path.Name, op.Value, path.Value);
                }
            }
        }
    }

    /// <summary>(operation, example file) for every example the spec refers to that is present here.</summary>
    private static List<(SpecOperation Op, string File)> Examples()
    {
        var list = new List<(SpecOperation, string)>();
        foreach (var op in Operations())
        {
            if (!op.Operation.TryGetProperty("x-ms-examples", out var examples))
            {
                continue;
            }
            foreach (var ex in examples.EnumerateObject())
            {
                var relative = ex.Value.GetProperty("$ref").GetString()!.TrimStart('.', '/');
                var file = ExampleFolders.Select(f => Path.Combine(SpecRoot, f, relative)).FirstOrDefault(File.Exists);
                if (file is not null)
                {
                    list.Add((op, file));
                }
            }
        }
        return list;
    }

    [Fact]
    public void Every_example_of_an_operation_the_sdk_calls_is_read_by_its_dtos()
    {
        var examples = Examples();
        var notCalled = examples.Where(e => !SdkOperations.ContainsKey(e.Op.OperationId)).Select(e => $"{e.Op.OperationId} ({Path.GetRelativePath(SpecRoot, e.File)})").ToList();
        var covered = 0;
        var bodies = 0;
        foreach (var (op, file) in examples.Where(e => SdkOperations.ContainsKey(e.Op.OperationId)))
        {
            var example = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
            var (requestType, responseType) = SdkOperations[op.OperationId];
            if (requestType is not null && example.GetProperty("parameters").TryGetProperty("body", out var reqBody))
            {
                var dto = JsonSerializer.Deserialize(reqBody.GetRawText(), requestType)!;
                AssertSameJson(reqBody, JsonSerializer.SerializeToElement(dto, requestType), $"{file} request");
                bodies++;
            }
            foreach (var response in example.GetProperty("responses").EnumerateObject())
            {
                if (!response.Value.TryGetProperty("body", out var body))
                {
                    continue;
                }
                Assert.True(responseType is not null, $"{op.OperationId}: {file} has a {response.Name} body but the SDK reads none");
                var dto = JsonSerializer.Deserialize(body.GetRawText(), responseType!)!;
                AssertSameJson(body, JsonSerializer.SerializeToElement(dto, responseType!), $"{file} {response.Name}");
                AssertFieldsTheSdkUses(dto, body, file);
                bodies++;
            }
            covered++;
        }
        output.WriteLine($"Spec examples present: {examples.Count}; of operations the SDK calls: {covered}; bodies read: {bodies}.");
        output.WriteLine(notCalled.Count == 0 ? "Every example present is of an operation the SDK calls." : "Not called: " + string.Join(", ", notCalled));
        Assert.Equal(23, covered);
        Assert.Empty(notCalled);
    }

    [Fact]
    public void Requests_built_from_the_examples_validate_against_the_spec_schemas()
    {
        var checkedCount = 0;
        var notes = new List<string>();
        foreach (var (op, file) in Examples().Where(e => SdkOperations[e.Op.OperationId].Request is not null))
        {
            var example = JsonDocument.Parse(File.ReadAllText(file)).RootElement;
            if (!example.GetProperty("parameters").TryGetProperty("body", out var body))
            {
                continue;
            }
            var schema = BodySchema(op);
            var type = SdkOperations[op.OperationId].Request!;
            var sent = JsonSerializer.SerializeToElement(JsonSerializer.Deserialize(body.GetRawText(), type), type);
            var ours = Spec.Validate(sent, schema, Spec.Root);
            var theirs = Spec.Validate(body, schema, Spec.Root);
            // Where the 2025 example and the 2026-07-01 schema disagree the schema wins: such problems are the example's, not the SDK's.
            notes.AddRange(theirs.Select(t => $"{Path.GetRelativePath(SpecRoot, file)}: {t}"));
            Assert.True(ours.All(theirs.Contains), $"{file}: the SDK's request adds problems: {string.Join("; ", ours.Except(theirs))}");
            checkedCount++;
        }
        output.WriteLine($"Request bodies validated: {checkedCount}");
        foreach (var n in notes)
        {
            output.WriteLine("Example does not fit the 2026-07-01 schema: " + n);
        }
        Assert.True(checkedCount >= 14, $"only {checkedCount} request bodies were checked");
    }

    [Fact]
    public void Model_version_and_container_bodies_the_registry_sends_validate_against_the_spec()
    {
        var ws = new WorkspaceCoordinates("00000000-1111-2222-3333-444444444444", "rg", "ws1");
        var body = RemoteModelRegistry.BuildVersionBody(ws, "workspaceblobstore", "LocalUpload/abc/",
            new NewModelVersion("iris", new LocalModelSource("x"), "desc", new Dictionary<string, string> { ["team"] = "a" }, new Dictionary<string, string> { ["p"] = "1" }, ModelFramework.Onnx),
            [new ModelFile("model.onnx", 10, new string('a', 64))], "run1");
        var json = JsonSerializer.SerializeToElement(body, ArmJsonContext.Default.ArmResourceModelVersionProperties);
        Assert.Empty(Spec.Validate(json, Spec.Definition("ModelVersion").Schema, Spec.Root));
        Assert.StartsWith("azureml://subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/rg/workspaces/ws1/datastores/workspaceblobstore/paths/LocalUpload/abc/",
            body.Properties!.ModelUri, StringComparison.Ordinal);

        var container = new ArmResource<ModelContainerProperties> { Properties = new() { Tags = new() { ["alias.production"] = "3" } } };
        Assert.Empty(Spec.Validate(JsonSerializer.SerializeToElement(container, ArmJsonContext.Default.ArmResourceModelContainerProperties), Spec.Definition("ModelContainer").Schema, Spec.Root));
    }

    [Theory]
    [InlineData("ModelVersion", """{"properties":{"isArchived":"yes"}}""", "expected a boolean")]
    [InlineData("ModelVersion", """{"properties":{"modelUrl":"x"}}""", "'modelUrl' is not in the schema")]
    [InlineData("OnlineEndpoint", """{"location":"westeurope","properties":{"authMode":"Password"}}""", "is not one of")]
    [InlineData("OnlineEndpoint", """{"location":"westeurope","properties":{}}""", "required property 'authMode'")]
    [InlineData("JobBase", """{"properties":{"jobType":"Command","environmentId":"e"}}""", "required property 'command'")]
    public void Validator_catches_what_the_spec_forbids(string definition, string json, string expected)
    {
        var problems = Spec.Validate(JsonDocument.Parse(json).RootElement, Spec.Definition(definition).Schema, Spec.Root);
        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Refit_routes_are_the_spec_paths_with_its_api_version_and_parameter_patterns()
    {
        var seen = new List<HttpRequestMessage>();
        using var handler = new RecordingHandler(seen);
        using var http = new HttpClient(handler) { BaseAddress = new Uri("https://management.azure.com") };
        var arm = new AzureMlSdk.Backends.Remote.ArmClients(http, new WorkspaceOptions());
        const string s = "00000000-1111-2222-3333-444444444444", g = "rg", w = "my-ws";
        var calls = new List<Func<Task>>
        {
            () => arm.Workspaces.GetAsync(s, g, w, default),
            () => arm.Workspaces.CreateOrUpdateAsync(s, g, w, new(), default),
            () => arm.Datastores.ListAsync(s, g, w, "tok", true, default),
            () => arm.Datastores.GetAsync(s, g, w, "workspaceblobstore", default),
            () => arm.Datastores.CreateOrUpdateAsync(s, g, w, "ds", new(), default),
            () => arm.Datastores.ListSecretsAsync(s, g, w, "ds", new(), default),
            () => arm.Models.ListContainersAsync(s, g, w, null, "All", default),
            () => arm.Models.GetContainerAsync(s, g, w, "iris", default),
            () => arm.Models.CreateOrUpdateContainerAsync(s, g, w, "iris", new(), default),
            () => arm.Models.DeleteContainerAsync(s, g, w, "iris", default),
            () => arm.Models.ListVersionsAsync(s, g, w, "iris", "tok", "createdtime desc", 10, "team=a", "All", default),
            () => arm.Models.GetVersionAsync(s, g, w, "iris", "3", default),
            () => arm.Models.CreateOrUpdateVersionAsync(s, g, w, "iris", "3", new(), "*", default),
            () => arm.Models.DeleteVersionAsync(s, g, w, "iris", "3", default),
            () => arm.Environments.ListContainersAsync(s, g, w, null, null, default),
            () => arm.Environments.GetContainerAsync(s, g, w, "env", default),
            () => arm.Environments.CreateOrUpdateContainerAsync(s, g, w, "env", new(), default),
            () => arm.Environments.ListVersionsAsync(s, g, w, "env", "tok", "createdtime desc", 1, "ActiveOnly", default),
            () => arm.Environments.GetVersionAsync(s, g, w, "env", "1", default),
            () => arm.Environments.CreateOrUpdateVersionAsync(s, g, w, "env", "1", new(), default),
            () => arm.Codes.GetContainerAsync(s, g, w, "code", default),
            () => arm.Codes.GetVersionAsync(s, g, w, "code", "1", default),
            () => arm.Codes.CreateOrUpdateVersionAsync(s, g, w, "code", "1", new(), default),
            () => arm.Codes.StartPendingUploadAsync(s, g, w, "code", "1", new() { PendingUploadType = "TemporaryBlobReference" }, default),
            () => arm.Data.CreateOrUpdateVersionAsync(s, g, w, "data", "1", new(), default),
            () => arm.Data.GetVersionAsync(s, g, w, "data", "1", default),
            () => arm.Data.ListVersionsAsync(s, g, w, "data", "tok", "createdtime desc", 1, "All", default),
            () => arm.Data.ListContainersAsync(s, g, w, "tok", "ArchivedOnly", default),
            () => arm.Data.GetContainerAsync(s, g, w, "data", default),
            () => arm.Data.CreateOrUpdateContainerAsync(s, g, w, "data", new(), default),
            () => arm.Components.ListContainersAsync(s, g, w, "tok", "All", default),
            () => arm.Components.GetContainerAsync(s, g, w, "train_model", default),
            () => arm.Components.CreateOrUpdateContainerAsync(s, g, w, "train_model", new(), default),
            () => arm.Components.ListVersionsAsync(s, g, w, "train_model", "tok", "createdtime desc", 1, "ActiveOnly", default),
            () => arm.Components.GetVersionAsync(s, g, w, "train_model", "1", default),
            () => arm.Components.CreateOrUpdateVersionAsync(s, g, w, "train_model", "1", new(), default),
            () => arm.Computes.ListAsync(s, g, w, "tok", default),
            () => arm.Computes.GetAsync(s, g, w, "cpu-cluster", default),
            () => arm.Computes.CreateOrUpdateAsync(s, g, w, "cpu-cluster", new(), default),
            () => arm.Computes.DeleteAsync(s, g, w, "cpu-cluster", "Delete", default),
            () => arm.Jobs.ListAsync(s, g, w, null, "Command", null, null, default),
            () => arm.Jobs.GetAsync(s, g, w, "job1", default),
            () => arm.Jobs.CreateOrUpdateAsync(s, g, w, "job1", new(), default),
            () => arm.Jobs.CancelAsync(s, g, w, "job1", default),
            () => arm.OnlineEndpoints.ListAsync(s, g, w, null, default),
            () => arm.OnlineEndpoints.GetAsync(s, g, w, "ep", default),
            () => arm.OnlineEndpoints.CreateOrUpdateAsync(s, g, w, "ep", new(), default),
            () => arm.OnlineEndpoints.DeleteAsync(s, g, w, "ep", default),
            () => arm.OnlineEndpoints.ListKeysAsync(s, g, w, "ep", default),
            () => arm.OnlineEndpoints.RegenerateKeysAsync(s, g, w, "ep", new() { KeyType = "Primary" }, default),
            () => arm.OnlineEndpoints.GetTokenAsync(s, g, w, "ep", default),
            () => arm.OnlineEndpoints.ListDeploymentsAsync(s, g, w, "ep", null, default),
            () => arm.OnlineEndpoints.GetDeploymentAsync(s, g, w, "ep", "blue", default),
            () => arm.OnlineEndpoints.CreateOrUpdateDeploymentAsync(s, g, w, "ep", "blue", new(), default),
            () => arm.OnlineEndpoints.DeleteDeploymentAsync(s, g, w, "ep", "blue", default),
            () => arm.OnlineEndpoints.GetLogsAsync(s, g, w, "ep", "blue", new() { ContainerType = "InferenceServer", Tail = 100 }, default),
            () => arm.BatchEndpoints.ListAsync(s, g, w, null, default),
            () => arm.BatchEndpoints.GetAsync(s, g, w, "bep", default),
            () => arm.BatchEndpoints.CreateOrUpdateAsync(s, g, w, "bep", new(), default),
            () => arm.BatchEndpoints.DeleteAsync(s, g, w, "bep", default),
            () => arm.BatchEndpoints.ListKeysAsync(s, g, w, "bep", default),
            () => arm.BatchEndpoints.ListDeploymentsAsync(s, g, w, "bep", "tok", default),
            () => arm.BatchEndpoints.GetDeploymentAsync(s, g, w, "bep", "d1", default),
            () => arm.BatchEndpoints.CreateOrUpdateDeploymentAsync(s, g, w, "bep", "d1", new(), default),
            () => arm.BatchEndpoints.DeleteDeploymentAsync(s, g, w, "bep", "d1", default),
        };
        foreach (var call in calls)
        {
            await call();
        }

        var operations = Operations().ToList();
        var matched = new HashSet<string>(StringComparer.Ordinal);
        foreach (var request in seen)
        {
            var path = Uri.UnescapeDataString(request.RequestUri!.AbsolutePath);
            var op = operations.SingleOrDefault(o => o.Method == request.Method.Method && TemplateRegex(o.PathTemplate).IsMatch(path));
            Assert.True(op is not null, $"{request.Method} {path} is not an operation of the spec");
            Assert.Contains(op!.OperationId, SdkOperations.Keys);
            var query = request.RequestUri.Query;
            Assert.Contains("api-version=2026-07-01", query, StringComparison.Ordinal);
            var values = TemplateRegex(op.PathTemplate).Match(path).Groups;
            foreach (var parameter in Parameters(op))
            {
                var name = parameter.GetProperty("name").GetString()!;
                if (parameter.GetProperty("in").GetString() == "path" && parameter.TryGetProperty("pattern", out var pattern))
                {
                    Assert.Matches(pattern.GetString()!, values[Regex.Replace(name, "[^A-Za-z0-9]", "_")].Value);
                }
                if (parameter.GetProperty("in").GetString() == "query" && name != "api-version")
                {
                    // every query parameter the SDK sends is one the operation declares
                }
            }
            foreach (var part in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var key = Uri.UnescapeDataString(part.Split('=')[0]);
                Assert.True(Parameters(op).Any(p => p.GetProperty("name").GetString() == key), $"{op.OperationId} has no query parameter '{key}'");
            }
            if (request.Headers.TryGetValues("If-None-Match", out _))
            {
                Assert.Equal("ModelVersions_CreateOrUpdate", op.OperationId);
            }
            matched.Add(op.OperationId);
        }
        output.WriteLine($"Refit calls checked against spec routes: {seen.Count}; operations: {matched.Count}");
        Assert.Equal(calls.Count, seen.Count);
        Assert.Equal(calls.Count, matched.Count);
    }

    private static IEnumerable<JsonElement> Parameters(SpecOperation op)
    {
        foreach (var source in new[] { op.PathItem, op.Operation })
        {
            if (source.TryGetProperty("parameters", out var ps))
            {
                foreach (var p in ps.EnumerateArray())
                {
                    yield return p.TryGetProperty("$ref", out var r) ? Spec.Resolve(r.GetString()!, Spec.Root).Schema : p;
                }
            }
        }
    }

    private static JsonElement BodySchema(SpecOperation op) =>
        Parameters(op).Single(p => p.GetProperty("in").GetString() == "body").GetProperty("schema");

    private static Regex TemplateRegex(string template) =>
        new("^" + Regex.Replace(Regex.Escape(template), @"\\\{([^}]+)}", m => $"(?<{Regex.Replace(m.Groups[1].Value, "[^A-Za-z0-9]", "_")}>[^/]+)") + "$");

    private static void AssertFieldsTheSdkUses(object dto, JsonElement raw, string file)
    {
        static string? At(JsonElement e, params string[] path)
        {
            foreach (var p in path)
            {
                if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(p, out e))
                {
                    return null;
                }
            }
            return e.ValueKind == JsonValueKind.String ? e.GetString() : e.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Number ? e.GetRawText() : null;
        }
        static void Same(string? expected, object? actual, string what, string file)
        {
            if (expected is not null)
            {
                var text = actual switch { bool b => b ? "true" : "false", IFormattable f => f.ToString(null, CultureInfo.InvariantCulture), _ => actual?.ToString() };
                Assert.True(expected == text, $"{file}: {what} expected '{expected}', DTO has '{text}'");
            }
        }
        switch (dto)
        {
            case ArmResource<WorkspaceProperties> w:
                Same(At(raw, "properties", "mlFlowTrackingUri"), w.Properties?.MlFlowTrackingUri, "mlFlowTrackingUri", file);
                Same(At(raw, "properties", "discoveryUrl"), w.Properties?.DiscoveryUrl, "discoveryUrl", file);
                Same(At(raw, "properties", "storageAccount"), w.Properties?.StorageAccount, "storageAccount", file);
                Same(At(raw, "location"), w.Location, "location", file);
                break;
            case ArmResource<ModelVersionProperties> v:
                Same(At(raw, "name"), v.Name, "name", file);
                Same(At(raw, "properties", "modelUri"), v.Properties?.ModelUri, "modelUri", file);
                Same(At(raw, "properties", "description"), v.Properties?.Description, "description", file);
                Same(At(raw, "properties", "isArchived"), v.Properties?.IsArchived, "isArchived", file);
                Same(At(raw, "properties", "stage"), v.Properties?.Stage, "stage", file);
                Same(At(raw, "properties", "jobName"), v.Properties?.JobName, "jobName", file);
                Same(At(raw, "systemData", "createdBy"), v.SystemData?.CreatedBy, "systemData.createdBy", file);
                Assert.Equal(raw.GetProperty("properties").TryGetProperty("tags", out var t) ? t.EnumerateObject().Count() : 0, v.Properties?.Tags?.Count ?? 0);
                break;
            case ArmPage<ModelVersionProperties> page:
                Assert.Equal(raw.GetProperty("value").GetArrayLength(), page.Value!.Count);
                Same(At(raw, "nextLink"), page.NextLink, "nextLink", file);
                for (var i = 0; i < page.Value.Count; i++)
                {
                    AssertFieldsTheSdkUses(page.Value[i], raw.GetProperty("value")[i], file);
                }
                break;
            case ArmResource<ModelContainerProperties> c:
                Same(At(raw, "properties", "latestVersion"), c.Properties?.LatestVersion, "latestVersion", file);
                Same(At(raw, "properties", "description"), c.Properties?.Description, "description", file);
                break;
            case ArmResource<DatastoreProperties> d:
                Same(At(raw, "properties", "datastoreType"), d.Properties?.DatastoreType, "datastoreType", file);
                Same(At(raw, "properties", "accountName"), d.Properties?.AccountName, "accountName", file);
                Same(At(raw, "properties", "containerName"), d.Properties?.ContainerName, "containerName", file);
                Same(At(raw, "properties", "endpoint"), d.Properties?.Endpoint, "endpoint", file);
                Same(At(raw, "properties", "protocol"), d.Properties?.Protocol, "protocol", file);
                Same(At(raw, "properties", "isDefault"), d.Properties?.IsDefault, "isDefault", file);
                Same(At(raw, "properties", "credentials", "credentialsType"), d.Properties?.Credentials?.CredentialsType, "credentialsType", file);
                break;
            case DatastoreSecrets s:
                Same(At(raw, "secretsType"), s.SecretsType, "secretsType", file);
                Same(At(raw, "key"), s.Key, "key", file);
                break;
            case ArmResource<JobProperties> j:
                Same(At(raw, "properties", "jobType"), j.Properties?.JobType, "jobType", file);
                Same(At(raw, "properties", "status"), j.Properties?.Status, "status", file);
                Same(At(raw, "properties", "displayName"), j.Properties?.DisplayName, "displayName", file);
                Same(At(raw, "properties", "experimentName"), j.Properties?.ExperimentName, "experimentName", file);
                break;
            case ArmResource<OnlineEndpointProperties> e:
                Same(At(raw, "properties", "scoringUri"), e.Properties?.ScoringUri, "scoringUri", file);
                Same(At(raw, "properties", "authMode"), e.Properties?.AuthMode, "authMode", file);
                Same(At(raw, "properties", "provisioningState"), e.Properties?.ProvisioningState, "provisioningState", file);
                Same(At(raw, "location"), e.Location, "location", file);
                break;
            case ArmResource<OnlineDeploymentProperties> od:
                Same(At(raw, "properties", "endpointComputeType"), od.Properties?.EndpointComputeType, "endpointComputeType", file);
                Same(At(raw, "properties", "model"), od.Properties?.Model, "model", file);
                Same(At(raw, "properties", "instanceType"), od.Properties?.InstanceType, "instanceType", file);
                Same(At(raw, "properties", "provisioningState"), od.Properties?.ProvisioningState, "provisioningState", file);
                break;
            case ArmResource<EnvironmentVersionProperties> ev:
                Same(At(raw, "properties", "image"), ev.Properties?.Image, "image", file);
                Same(At(raw, "properties", "condaFile"), ev.Properties?.CondaFile, "condaFile", file);
                break;
            case ArmResource<CodeVersionProperties> cv:
                Same(At(raw, "properties", "codeUri"), cv.Properties?.CodeUri, "codeUri", file);
                break;
            case ArmResource<DataVersionProperties> dv:
                Same(At(raw, "properties", "dataUri"), dv.Properties?.DataUri, "dataUri", file);
                Same(At(raw, "properties", "dataType"), dv.Properties?.DataType, "dataType", file);
                break;
            case EndpointAuthKeys k:
                Same(At(raw, "primaryKey"), k.PrimaryKey, "primaryKey", file);
                Same(At(raw, "secondaryKey"), k.SecondaryKey, "secondaryKey", file);
                break;
            case EndpointAuthToken tok:
                Same(At(raw, "accessToken"), tok.AccessToken, "accessToken", file);
                Same(At(raw, "expiryTimeUtc"), tok.ExpiryTimeUtc, "expiryTimeUtc", file);
                Same(At(raw, "refreshAfterTimeUtc"), tok.RefreshAfterTimeUtc, "refreshAfterTimeUtc", file);
                break;
            case DeploymentLogs logs:
                Same(At(raw, "content"), logs.Content, "content", file);
                break;
        }
    }

    /// <summary>Deep equality of JSON, numbers by value and date-times by instant; nulls count as absent.</summary>
    private static void AssertSameJson(JsonElement expected, JsonElement actual, string where)
    {
        var problems = new List<string>();
        Compare(expected, actual, "$", problems);
        Assert.True(problems.Count == 0, $"{where}: {string.Join("; ", problems)}");
    }

    private static void Compare(JsonElement e, JsonElement a, string path, List<string> problems)
    {
        if (e.ValueKind == JsonValueKind.Object && a.ValueKind == JsonValueKind.Object)
        {
            var ep = e.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).ToDictionary(p => p.Name, p => p.Value);
            var ap = a.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).ToDictionary(p => p.Name, p => p.Value);
            foreach (var (k, v) in ep)
            {
                if (ap.TryGetValue(k, out var av))
                {
                    Compare(v, av, $"{path}.{k}", problems);
                }
                else
                {
                    problems.Add($"{path}.{k} lost");
                }
            }
            problems.AddRange(ap.Keys.Except(ep.Keys).Select(k => $"{path}.{k} added"));
            return;
        }
        if (e.ValueKind == JsonValueKind.Array && a.ValueKind == JsonValueKind.Array)
        {
            if (e.GetArrayLength() != a.GetArrayLength())
            {
                problems.Add($"{path}: array length {e.GetArrayLength()} vs {a.GetArrayLength()}");
                return;
            }
            for (var i = 0; i < e.GetArrayLength(); i++)
            {
                Compare(e[i], a[i], $"{path}[{i}]", problems);
            }
            return;
        }
        if (e.ValueKind == JsonValueKind.Number && a.ValueKind == JsonValueKind.Number && e.GetDecimal() == a.GetDecimal())
        {
            return;
        }
        if (e.ValueKind == JsonValueKind.String && a.ValueKind == JsonValueKind.String)
        {
            var es = e.GetString();
            var @as = a.GetString();
            if (es == @as || (DateTimeOffset.TryParse(es, CultureInfo.InvariantCulture, DateTimeStyles.None, out var ed)
                && DateTimeOffset.TryParse(@as, CultureInfo.InvariantCulture, DateTimeStyles.None, out var ad) && ed == ad))
            {
                return;
            }
        }
        if (e.ValueKind == a.ValueKind && e.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return;
        }
        problems.Add($"{path}: {e.GetRawText()} became {a.GetRawText()}");
    }

    private sealed class RecordingHandler(List<HttpRequestMessage> seen) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            seen.Add(request);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { RequestMessage = request, Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json") });
        }
    }
}
