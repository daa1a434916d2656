// Blue/green rollout on a local online endpoint: two versions of a model, blue serving, green deployed beside it,
// smoke-tested through the azureml-model-deployment header, then 90/10, then 0/100, then blue retired.
// Everything is served for real over HTTP on 127.0.0.1 by the SDK (no Docker).
//
//   dotnet run samples/blue_green.cs          (from the repository root)
//
// The workspace is ./.azureml/local (or $AZUREML_LOCAL_DIR). The two model versions are tiny linear ONNX models
// written here (score = x · [1, 1, 1, 1] + bias, bias 0 for v1 and 100 for v2) so the sample needs no training;
// any registered ONNX model deploys the same way.
#:project ../sdk/AzureMlSdk/AzureMlSdk.csproj
#:project ../sdk/AzureMlSdk.Serving/AzureMlSdk.Serving.csproj
#:property PublishAot=false

using System.Text;
using System.Text.Json.Nodes;
using AzureMlSdk;

await using var ws = Workspace.Local();
var folder = Directory.CreateTempSubdirectory("blue-green-");
var v1 = await RegisterAsync("blue-green-linear", bias: 0f);
var v2 = await RegisterAsync("blue-green-linear", bias: 100f);
Console.WriteLine($"registered {v1} and {v2}");

var progress = new PrintProgress();
var ep = await ws.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("blue-green-demo") { Description = "blue/green sample" }, progress);
await ep.DeployAsync(new OnlineDeploymentSpec("blue", v1) { AllTraffic = true }, progress);
await ep.DeployAsync(new OnlineDeploymentSpec("green", v2), progress);
await ep.RefreshAsync();
Console.WriteLine($"endpoint {ep.Name} at {ep.ScoringUri} (swagger: {ep.SwaggerUri}), traffic {Show(ep.Traffic)}");

const string request = """{"input_data": {"columns": ["a", "b", "c", "d"], "data": [[1, 2, 3, 4]]}}""";
Console.WriteLine($"smoke test of green alone (header pin): {await ep.InvokeAsync(request, deploymentName: "green")}");

await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 90, ["green"] = 10 });
Console.WriteLine($"traffic {Show(ep.Traffic)}: {await CountAsync(500)}");

await ep.SetTrafficAsync(new Dictionary<string, int> { ["blue"] = 0, ["green"] = 100 });
Console.WriteLine($"traffic {Show(ep.Traffic)}: {await CountAsync(200)}");

await (await ep.GetDeploymentAsync("blue")).DeleteAsync(progress);
Console.WriteLine("green's last log lines:");
Console.WriteLine(await ep.GetLogsAsync("green", tail: 3));
await ep.DeleteAsync(progress);
folder.Delete(recursive: true);
return 0;

// Sends n requests through the traffic split and counts who answered (v1 scores 10, v2 scores 110).
async Task<string> CountAsync(int n)
{
    int blue = 0, green = 0;
    for (var i = 0; i < n; i++)
    {
        var score = JsonNode.Parse(await ep.InvokeAsync(request))!["predictions"]![0]![0]!.GetValue<double>();
        _ = score < 50 ? blue++ : green++;
    }
    return $"{n} requests → blue (v1) {blue}, green (v2) {green}";
}

async Task<Model> RegisterAsync(string name, float bias)
{
    var file = Path.Combine(folder.FullName, $"bias{bias}", "model.onnx");
    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
    await File.WriteAllBytesAsync(file, LinearOnnx([1f, 1f, 1f, 1f], bias));
    return await ws.RegisterModelAsync(name, file, tags: new Dictionary<string, string> { ["bias"] = bias.ToString(System.Globalization.CultureInfo.InvariantCulture) });
}

static string Show(IReadOnlyDictionary<string, int> traffic) => "{" + string.Join(", ", traffic.Select(t => $"{t.Key}: {t.Value}")) + "}";

// A linear ONNX model (MatMul + Add, opset 13) written as protobuf by hand: input features float[N,k], output score float[N,1].
static byte[] LinearOnnx(float[] w, float b)
{
    static byte[] Msg(Action<Proto> write) { var p = new Proto(); write(p); return p.ToArray(); }
    static byte[] Tensor(string name, long[] dims, float[] values) => Msg(p =>
    {
        foreach (var d in dims) { p.Varint(1, (ulong)d); }
        p.Varint(2, 1);                                 // FLOAT
        p.String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        p.Bytes(9, raw);
    });
    static byte[] ValueInfo(string name, int width) => Msg(p => p.String(1, name).Bytes(2, Msg(t => t.Bytes(1, Msg(tt => tt.Varint(1, 1)
        .Bytes(2, Msg(s => s.Bytes(1, Msg(d => d.String(2, "N"))).Bytes(1, Msg(d => d.Varint(1, (ulong)width))))))))));
    static byte[] Node(string op, string[] inputs, string output) => Msg(p =>
    {
        foreach (var i in inputs) { p.String(1, i); }
        p.String(2, output).String(3, op + "_" + output).String(4, op);
    });
    var graph = Msg(g => g.Bytes(1, Node("MatMul", ["features", "W"], "mm")).Bytes(1, Node("Add", ["mm", "B"], "score")).String(2, "linear")
        .Bytes(5, Tensor("W", [w.Length, 1], w)).Bytes(5, Tensor("B", [1], [b]))
        .Bytes(11, ValueInfo("features", w.Length)).Bytes(12, ValueInfo("score", 1)));
    return Msg(m => m.Varint(1, 8).String(2, "blue_green.cs").Bytes(7, graph).Bytes(8, Msg(o => o.String(1, "").Varint(2, 13))));
}

// Prints provisioning steps as they happen (Progress<T> would post them later, out of order with the rest).
sealed class PrintProgress : IProgress<string>
{
    public void Report(string value) => Console.WriteLine("  . " + value);
}

sealed class Proto
{
    private readonly MemoryStream _stream = new();

    public Proto Varint(int field, ulong value) { Raw((ulong)field << 3); Raw(value); return this; }

    public Proto Bytes(int field, byte[] value) { Raw(((ulong)field << 3) | 2); Raw((ulong)value.Length); _stream.Write(value); return this; }

    public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public byte[] ToArray() => _stream.ToArray();

    private void Raw(ulong value)
    {
        for (; value >= 0x80; value >>= 7) { _stream.WriteByte((byte)(value | 0x80)); }
        _stream.WriteByte((byte)value);
    }
}
