using System.Net;
using System.Text.RegularExpressions;
using AzureMlSdk.Tests.Endpoints;

namespace AzureMlSdk.Studio.Tests;

/// <summary>
/// One local workspace with runs, metrics, artifacts, a model and a local endpoint — names, tags and params carrying
/// <c>&lt;script&gt;</c> payloads — and the studio serving it on a free port.
/// </summary>
public sealed partial class StudioFixture : IAsyncLifetime
{
    public const string Payload = "<script>alert('pwned')</script>";
    public const int LossPoints = 50;
    public const int LongPoints = 20_000;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "azml-studio-tests-" + Guid.NewGuid().ToString("N"));

    public Workspace Workspace { get; private set; } = null!;

    public StudioServer Server { get; private set; } = null!;

    public string ReadyOutput { get; private set; } = string.Empty;

    public Run Baseline { get; private set; } = null!;

    public Run Variant { get; private set; } = null!;

    public Run LongRun { get; private set; } = null!;

    public Run Child { get; private set; } = null!;

    public Model Model { get; private set; } = null!;

    public OnlineEndpoint Endpoint { get; private set; } = null!;

    public Experiment Experiment { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        Workspace = Workspace.Local(Path.Combine(_root, "ws"));
        Experiment = await Workspace.GetOrCreateExperimentAsync("studio-tests");
        await Experiment.SetTagAsync("owner", Payload);

        Baseline = await Experiment.StartLoggingAsync(displayName: "baseline " + Payload, tags: new Dictionary<string, string> { ["note"] = Payload });
        Baseline.LogParam("lr", 0.01);
        Baseline.LogParam("optimizer", "adam");
        Baseline.LogParam("payload", Payload);
        Baseline.AddProperties(new Dictionary<string, string> { ["source"] = Payload });
        for (var i = 0; i < LossPoints; i++)
        {
            Baseline.Log("loss", 1.0 / (i + 1), step: i);
        }
        Baseline.Log("accuracy", 0.91);
        Baseline.LogRow("epochs", new { epoch = 1, loss = 0.5 });
        Baseline.LogRow("epochs", new { epoch = 2, loss = 0.25 });
        Baseline.LogImage("curve", Png1x1, ".png");
        var files = Path.Combine(_root, "files");
        Directory.CreateDirectory(files);
        await File.WriteAllTextAsync(Path.Combine(files, "notes.txt"), "hello " + Payload);
        await File.WriteAllTextAsync(Path.Combine(files, "config.json"), """{"layers":[4,8],"name":"<b>net</b>"}""");
        await File.WriteAllTextAsync(Path.Combine(files, "page.html"), "<html><script>alert(1)</script></html>");
        await Baseline.UploadFileAsync("outputs/notes.txt", Path.Combine(files, "notes.txt"));
        await Baseline.UploadFileAsync("outputs/config.json", Path.Combine(files, "config.json"));
        await Baseline.UploadFileAsync("outputs/page.html", Path.Combine(files, "page.html"));
        var onnx = Path.Combine(files, "model.onnx");
        await File.WriteAllBytesAsync(onnx, TinyOnnx.Linear([1f, 2f, 3f], 0.5f));
        await Baseline.UploadFileAsync("outputs/model.onnx", onnx);
        await using (var child = await Baseline.ChildRunAsync("fold-1"))
        {
            child.Log("fold_acc", 0.9);
            Child = child;
        }
        Model = await Baseline.RegisterModelAsync("studio-model", "outputs/model.onnx", new Dictionary<string, string> { ["stage"] = Payload }, "desc " + Payload);
        await Model.SetAliasAsync("production");
        await Baseline.CompleteAsync();

        Variant = await Experiment.StartLoggingAsync(displayName: "variant");
        Variant.LogParam("lr", 0.1);
        Variant.LogParam("optimizer", "adam");
        for (var i = 0; i < LossPoints; i++)
        {
            Variant.Log("loss", 2.0 / (i + 1), step: i);
        }
        Variant.Log("accuracy", 0.85);
        await Variant.CompleteAsync();

        LongRun = await Experiment.StartLoggingAsync(displayName: "long");
        for (var i = 0; i < LongPoints; i++)
        {
            LongRun.Log("signal", Math.Sin(i / 100.0) + (i == 12_345 ? 10 : 0), step: i);
        }
        await LongRun.CompleteAsync();

        Endpoint = await Workspace.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("studio-ep"));
        await Endpoint.DeployAsync(new OnlineDeploymentSpec("blue", Model) { AllTraffic = true });
        await Endpoint.RefreshAsync();

        var ready = new StringWriter();
        Server = await StudioServer.StartAsync(Workspace, new StudioOptions { Port = 0, ReadyOutput = ready, LiveUpdateInterval = TimeSpan.FromMilliseconds(100) });
        ReadyOutput = ready.ToString();
    }

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
        if (Workspace is not null)
        {
            await Workspace.DisposeAsync();
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>An HTTP client with the studio's cookie (got through <c>?token=</c>, as a browser does).</summary>
    public async Task<HttpClient> AuthenticatedClientAsync()
    {
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };
        var client = new HttpClient(handler) { BaseAddress = Server.BaseAddress };
        using var first = await client.GetAsync(new Uri("/?token=" + Server.Token, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        return client;
    }

    /// <summary>A client without any credentials.</summary>
    public HttpClient AnonymousClient() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = Server.BaseAddress };

    /// <summary>The anti-forgery token of a studio page.</summary>
    public static string Csrf(string html) => CsrfRegex().Match(html) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : throw new InvalidOperationException("No csrf meta in the page.");

    [GeneratedRegex("<meta name=\"csrf-token\" content=\"([^\"]+)\">")]
    private static partial Regex CsrfRegex();

    /// <summary>A 1×1 PNG.</summary>
    public static readonly byte[] Png1x1 = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
}

[CollectionDefinition(Name)]
public sealed class StudioCollection : ICollectionFixture<StudioFixture>
{
    public const string Name = "studio";
}
