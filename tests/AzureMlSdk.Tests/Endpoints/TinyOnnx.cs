using System.Text;

namespace AzureMlSdk.Tests.Endpoints;

/// <summary>
/// Writes tiny ONNX models (protobuf by hand, no ONNX tooling needed) for the endpoint tests:
/// <see cref="Linear"/>: <c>score = features · w + b</c>, and <see cref="Sum"/>: <c>sum = a + b</c>.
/// </summary>
internal static class TinyOnnx
{
    private const int Float = 1;

    /// <summary>Input <c>features</c> float[N,w.Length], output <c>score</c> float[N,1].</summary>
    public static byte[] Linear(float[] w, float b) => Model(Graph(
        nodes: [Node("MatMul", ["features", "W"], ["mm"]), Node("Add", ["mm", "B"], ["score"])],
        initializers: [Tensor("W", [w.Length, 1], w), Tensor("B", [1], [b])],
        inputs: [ValueInfo("features", "N", w.Length)],
        outputs: [ValueInfo("score", "N", 1)]));

    /// <summary>Inputs <c>a</c>, <c>b</c> float[N,1], output <c>sum</c> float[N,1].</summary>
    public static byte[] Sum() => Model(Graph(
        nodes: [Node("Add", ["a", "b"], ["sum"])],
        initializers: [],
        inputs: [ValueInfo("a", "N", 1), ValueInfo("b", "N", 1)],
        outputs: [ValueInfo("sum", "N", 1)]));

    private static byte[] Model(byte[] graph)
    {
        var w = new Proto();
        w.Varint(1, 8);                                         // ir_version
        w.String(2, "AzureMlSdk.Tests");                        // producer_name
        w.Bytes(7, graph);                                      // graph
        w.Bytes(8, new Proto().String(1, "").Varint(2, 13).ToArray()); // opset_import { domain: "", version: 13 }
        return w.ToArray();
    }

    private static byte[] Graph(byte[][] nodes, byte[][] initializers, byte[][] inputs, byte[][] outputs)
    {
        var w = new Proto();
        foreach (var n in nodes) { w.Bytes(1, n); }
        w.String(2, "tiny");
        foreach (var t in initializers) { w.Bytes(5, t); }
        foreach (var i in inputs) { w.Bytes(11, i); }
        foreach (var o in outputs) { w.Bytes(12, o); }
        return w.ToArray();
    }

    private static byte[] Node(string op, string[] inputs, string[] outputs)
    {
        var w = new Proto();
        foreach (var i in inputs) { w.String(1, i); }
        foreach (var o in outputs) { w.String(2, o); }
        w.String(3, op + "_" + outputs[0]);
        w.String(4, op);
        return w.ToArray();
    }

    private static byte[] Tensor(string name, long[] dims, float[] values)
    {
        var w = new Proto();
        foreach (var d in dims) { w.Varint(1, (ulong)d); }
        w.Varint(2, Float);
        w.String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        w.Bytes(9, raw);                                        // raw_data, little-endian
        return w.ToArray();
    }

    private static byte[] ValueInfo(string name, string batch, int width)
    {
        var shape = new Proto()
            .Bytes(1, new Proto().String(2, batch).ToArray())   // dim { dim_param }
            .Bytes(1, new Proto().Varint(1, (ulong)width).ToArray()); // dim { dim_value }
        var tensorType = new Proto().Varint(1, Float).Bytes(2, shape.ToArray());
        var type = new Proto().Bytes(1, tensorType.ToArray());
        return new Proto().String(1, name).Bytes(2, type.ToArray()).ToArray();
    }

    private sealed class Proto
    {
        private readonly MemoryStream _stream = new();

        public Proto Varint(int field, ulong value)
        {
            Raw(((ulong)field << 3) | 0);
            Raw(value);
            return this;
        }

        public Proto Bytes(int field, byte[] value)
        {
            Raw(((ulong)field << 3) | 2);
            Raw((ulong)value.Length);
            _stream.Write(value);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public byte[] ToArray() => _stream.ToArray();

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
