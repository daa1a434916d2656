using System.Text;
using AzureMlSdk.AutoML.Engine;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AzureMlSdk.AutoML.Export;

/// <summary>
/// The vote ensemble as one ONNX graph: the members' graphs side by side (their tensors prefixed <c>m0/</c>, <c>m1/</c>…,
/// sharing the raw-column inputs), then <c>Mean</c> of their <c>probabilities</c> (soft voting) with <c>ArgMax</c> and a
/// <c>Gather</c> over the class names for <c>label</c>, or <c>Mean</c> of their <c>prediction</c> for regression.
/// </summary>
internal static class OnnxEnsemble
{
    public static byte[] Merge(List<byte[]> members, bool classification, string[] classes)
    {
        var inputs = new List<byte[]>();
        var inputNames = new HashSet<string>(StringComparer.Ordinal);
        var graphFields = new MemoryStream();
        var first = true;
        byte[]? header = null;
        for (var m = 0; m < members.Count; m++)
        {
            byte[]? graph = null;
            var rest = OnnxGraphEditor.Rewrite(members[m], (field, wire, payload, w) =>
            {
                if (field == 7)
                {
                    graph = payload;
                    return true;
                }
                return false;
            });
            header ??= rest;
            if (graph is null)
            {
                throw new InvalidDataException("An ensemble member has no graph.");
            }
            if (first)
            {
                OnnxGraphEditor.Rewrite(graph, (field, wire, payload, w) =>
                {
                    if (field == 11)
                    {
                        inputs.Add(payload);
                        inputNames.Add(OnnxGraphEditor.ReadName(payload, 1)!);
                    }
                    return false;
                });
                first = false;
            }
            var prefix = $"m{m}/";
            string Rename(string name) => name.Length == 0 || inputNames.Contains(name) ? name : prefix + name;
            OnnxGraphEditor.Rewrite(graph, (field, wire, payload, w) =>
            {
                switch (field)
                {
                    case 1:
                        OnnxGraphEditor.WriteBytes(graphFields, 1, RenameStrings(payload, [1, 2, 3], Rename));
                        break;
                    case 5:
                        OnnxGraphEditor.WriteBytes(graphFields, 5, RenameStrings(payload, [8], Rename));
                        break;
                    case 13:
                        OnnxGraphEditor.WriteBytes(graphFields, 13, RenameStrings(payload, [1], Rename));
                        break;
                }
                return false;
            });
        }
        var n = members.Count;
        if (classification)
        {
            Node(graphFields, "Mean", Enumerable.Range(0, n).Select(m => $"m{m}/{ModelExport.ProbabilitiesOutput}").ToArray(), [ModelExport.ProbabilitiesOutput], "ensemble_mean");
            Node(graphFields, "ArgMax", [ModelExport.ProbabilitiesOutput], ["ensemble_argmax"], "ensemble_argmax", ("axis", 1), ("keepdims", 1));
            OnnxGraphEditor.WriteBytes(graphFields, 5, StringTensor("ensemble_classes", classes));
            Node(graphFields, "Gather", ["ensemble_classes", "ensemble_argmax"], [ModelExport.LabelOutput], "ensemble_label", ("axis", 0));
            OnnxGraphEditor.WriteBytes(graphFields, 12, ValueInfo(ModelExport.LabelOutput, 8, [-1, 1]));
            OnnxGraphEditor.WriteBytes(graphFields, 12, ValueInfo(ModelExport.ProbabilitiesOutput, 1, [-1, classes.Length]));
        }
        else
        {
            Node(graphFields, "Mean", Enumerable.Range(0, n).Select(m => $"m{m}/{ModelExport.PredictionOutput}").ToArray(), [ModelExport.PredictionOutput], "ensemble_mean");
            OnnxGraphEditor.WriteBytes(graphFields, 12, ValueInfo(ModelExport.PredictionOutput, 1, [-1, 1]));
        }
        foreach (var input in inputs)
        {
            OnnxGraphEditor.WriteBytes(graphFields, 11, input);
        }
        OnnxGraphEditor.WriteBytes(graphFields, 2, Encoding.UTF8.GetBytes("AutoML_VotingEnsemble"));
        using var model = new MemoryStream();
        model.Write(header!);
        OnnxGraphEditor.WriteBytes(model, 7, graphFields.ToArray());
        return model.ToArray();
    }

    private static byte[] RenameStrings(byte[] message, int[] fields, Func<string, string> rename) =>
        OnnxGraphEditor.Rewrite(message, (field, wire, payload, w) =>
        {
            if (fields.Contains(field))
            {
                OnnxGraphEditor.WriteBytes(w, field, Encoding.UTF8.GetBytes(rename(Encoding.UTF8.GetString(payload))));
                return true;
            }
            return false;
        });

    private static void Node(MemoryStream graph, string op, string[] inputs, string[] outputs, string name, params (string Name, long Value)[] attributes)
    {
        using var node = new MemoryStream();
        foreach (var i in inputs)
        {
            OnnxGraphEditor.WriteBytes(node, 1, Encoding.UTF8.GetBytes(i));
        }
        foreach (var o in outputs)
        {
            OnnxGraphEditor.WriteBytes(node, 2, Encoding.UTF8.GetBytes(o));
        }
        OnnxGraphEditor.WriteBytes(node, 3, Encoding.UTF8.GetBytes(name));
        OnnxGraphEditor.WriteBytes(node, 4, Encoding.UTF8.GetBytes(op));
        foreach (var (attributeName, value) in attributes)
        {
            using var attribute = new MemoryStream();
            OnnxGraphEditor.WriteBytes(attribute, 1, Encoding.UTF8.GetBytes(attributeName));
            OnnxGraphEditor.WriteVarint(attribute, (3 << 3) | 0);
            OnnxGraphEditor.WriteVarint(attribute, (ulong)value);
            OnnxGraphEditor.WriteVarint(attribute, (20 << 3) | 0);
            OnnxGraphEditor.WriteVarint(attribute, 2);
            OnnxGraphEditor.WriteBytes(node, 5, attribute.ToArray());
        }
        OnnxGraphEditor.WriteBytes(graph, 1, node.ToArray());
    }

    private static byte[] StringTensor(string name, string[] values)
    {
        using var t = new MemoryStream();
        OnnxGraphEditor.WriteVarint(t, (1 << 3) | 0);
        OnnxGraphEditor.WriteVarint(t, (ulong)values.Length);
        OnnxGraphEditor.WriteVarint(t, (2 << 3) | 0);
        OnnxGraphEditor.WriteVarint(t, 8);
        foreach (var v in values)
        {
            OnnxGraphEditor.WriteBytes(t, 6, Encoding.UTF8.GetBytes(v));
        }
        OnnxGraphEditor.WriteBytes(t, 8, Encoding.UTF8.GetBytes(name));
        return t.ToArray();
    }

    private static byte[] ValueInfo(string name, int elementType, int[] dims)
    {
        using var shape = new MemoryStream();
        foreach (var d in dims)
        {
            using var dim = new MemoryStream();
            if (d < 0)
            {
                OnnxGraphEditor.WriteBytes(dim, 2, Encoding.UTF8.GetBytes("N"));
            }
            else
            {
                OnnxGraphEditor.WriteVarint(dim, (1 << 3) | 0);
                OnnxGraphEditor.WriteVarint(dim, (ulong)d);
            }
            OnnxGraphEditor.WriteBytes(shape, 1, dim.ToArray());
        }
        using var tensor = new MemoryStream();
        OnnxGraphEditor.WriteVarint(tensor, (1 << 3) | 0);
        OnnxGraphEditor.WriteVarint(tensor, (ulong)elementType);
        OnnxGraphEditor.WriteBytes(tensor, 2, shape.ToArray());
        using var type = new MemoryStream();
        OnnxGraphEditor.WriteBytes(type, 1, tensor.ToArray());
        using var info = new MemoryStream();
        OnnxGraphEditor.WriteBytes(info, 1, Encoding.UTF8.GetBytes(name));
        OnnxGraphEditor.WriteBytes(info, 2, type.ToArray());
        return info.ToArray();
    }
}

/// <summary>Runs an exported model with ONNX Runtime on prepared rows: float outputs flattened by name.</summary>
internal static class OnnxRunner
{
    public static Dictionary<string, double[]> Run(string file, PreparedData data, int[] rows)
    {
        using var session = new InferenceSession(file);
        var frame = data.Plan.ToFrame(data.Rows.WithRows(rows));
        var inputs = new List<NamedOnnxValue>();
        foreach (var name in session.InputMetadata.Keys)
        {
            var column = frame.Columns[name];
            inputs.Add(session.InputMetadata[name].ElementType == typeof(string)
                ? NamedOnnxValue.CreateFromTensor(name, new DenseTensor<string>(Enumerable.Range(0, rows.Length).Select(i => (string)column[i]).ToArray(), [rows.Length, 1]))
                : NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(Enumerable.Range(0, rows.Length).Select(i => (float)column[i]).ToArray(), [rows.Length, 1])));
        }
        using var results = session.Run(inputs);
        return results.Where(r => r.Value is DenseTensor<float>).ToDictionary(r => r.Name, r => ((DenseTensor<float>)r.Value).ToArray().Select(v => (double)v).ToArray(), StringComparer.Ordinal);
    }
}
