using System.Text;

namespace AzureMlSdk.AutoML.Export;

/// <summary>
/// Small edits of an ONNX model's protobuf without a generated schema: drop graph outputs (ML.NET's
/// <c>mlnet.*.unusedOutput</c>) and rename graph outputs (ML.NET's <c>PredictedLabel.output</c> → <c>label</c>), renaming
/// them in the producing nodes too. Works on the wire format: ModelProto.graph = 7; GraphProto.node = 1, .output = 12;
/// NodeProto.input = 1, .output = 2; ValueInfoProto.name = 1.
/// </summary>
internal static class OnnxGraphEditor
{
    public static byte[] Edit(byte[] model, Func<string, bool> keepOutput, IReadOnlyDictionary<string, string> rename)
    {
        return Rewrite(model, (field, wire, payload, w) =>
        {
            if (field == 7 && wire == 2)
            {
                WriteBytes(w, 7, EditGraph(payload, keepOutput, rename));
                return true;
            }
            return false;
        });
    }

    /// <summary>Replaces the model's <c>metadata_props</c> (ModelProto field 14: StringStringEntryProto key = 1, value = 2) with <paramref name="metadata"/>.</summary>
    public static byte[] SetMetadata(byte[] model, IReadOnlyDictionary<string, string> metadata)
    {
        using var output = new MemoryStream();
        output.Write(Rewrite(model, (field, wire, _, _) => field == 14 && wire == 2));
        foreach (var (key, value) in metadata)
        {
            using var entry = new MemoryStream();
            WriteBytes(entry, 1, Encoding.UTF8.GetBytes(key));
            WriteBytes(entry, 2, Encoding.UTF8.GetBytes(value));
            WriteBytes(output, 14, entry.ToArray());
        }
        return output.ToArray();
    }

    private static byte[] EditGraph(byte[] graph, Func<string, bool> keepOutput, IReadOnlyDictionary<string, string> rename) =>
        Rewrite(graph, (field, wire, payload, w) =>
        {
            if (field == 12 && wire == 2)
            {
                var name = ReadName(payload, 1);
                if (name is not null && !keepOutput(name))
                {
                    return true;
                }
                WriteBytes(w, 12, RenameStrings(payload, [1], rename));
                return true;
            }
            if (field == 1 && wire == 2)
            {
                WriteBytes(w, 1, RenameStrings(payload, [1, 2], rename));
                return true;
            }
            return false;
        });

    private static byte[] RenameStrings(byte[] message, int[] fields, IReadOnlyDictionary<string, string> rename) =>
        Rewrite(message, (field, wire, payload, w) =>
        {
            if (wire == 2 && fields.Contains(field) && rename.TryGetValue(Encoding.UTF8.GetString(payload), out var to))
            {
                WriteBytes(w, field, Encoding.UTF8.GetBytes(to));
                return true;
            }
            return false;
        });

    internal static string? ReadName(byte[] message, int nameField)
    {
        string? name = null;
        Rewrite(message, (field, wire, payload, _) =>
        {
            if (field == nameField && wire == 2)
            {
                name ??= Encoding.UTF8.GetString(payload);
            }
            return false;
        });
        return name;
    }

    internal delegate bool FieldHandler(int field, int wire, byte[] payload, MemoryStream writer);

    /// <summary>Copies a message field by field; <paramref name="handle"/> may write a replacement (or nothing) and return true.</summary>
    internal static byte[] Rewrite(byte[] message, FieldHandler handle)
    {
        using var output = new MemoryStream(message.Length);
        var pos = 0;
        while (pos < message.Length)
        {
            var start = pos;
            var key = ReadVarint(message, ref pos);
            var field = (int)(key >> 3);
            var wire = (int)(key & 7);
            byte[] payload;
            switch (wire)
            {
                case 0:
                    ReadVarint(message, ref pos);
                    payload = [];
                    break;
                case 1:
                    pos += 8;
                    payload = [];
                    break;
                case 2:
                    var length = (int)ReadVarint(message, ref pos);
                    payload = message.AsSpan(pos, length).ToArray();
                    pos += length;
                    break;
                case 5:
                    pos += 4;
                    payload = [];
                    break;
                default:
                    throw new InvalidDataException($"ONNX protobuf: unsupported wire type {wire} at byte {start}.");
            }
            if (!(wire == 2 && handle(field, wire, payload, output)))
            {
                output.Write(message, start, pos - start);
            }
        }
        return output.ToArray();
    }

    private static ulong ReadVarint(byte[] data, ref int pos)
    {
        ulong result = 0;
        var shift = 0;
        while (true)
        {
            var b = data[pos++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
            shift += 7;
        }
    }

    internal static void WriteVarint(MemoryStream w, ulong value)
    {
        while (value >= 0x80)
        {
            w.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        w.WriteByte((byte)value);
    }

    internal static void WriteBytes(MemoryStream w, int field, byte[] payload)
    {
        WriteVarint(w, ((ulong)field << 3) | 2);
        WriteVarint(w, (ulong)payload.Length);
        w.Write(payload);
    }
}
