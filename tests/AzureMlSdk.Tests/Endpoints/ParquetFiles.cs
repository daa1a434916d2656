using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace AzureMlSdk.Tests.Endpoints;

/// <summary>
/// Writes real Parquet files with Parquet.Net's writer for the MLTable <c>read_parquet</c> tests: a table given as text rows (as a
/// CSV holds it; empty or null = missing) and a type per column, written as typed, nullable columns in row groups of a given size.
/// </summary>
internal static class ParquetFiles
{
    /// <summary>Writes <paramref name="rows"/> (columns <paramref name="columns"/>) to <paramref name="path"/>, <paramref name="rowGroupSize"/> rows a row group.</summary>
    public static async Task<string> WriteAsync(string path, IReadOnlyList<(string Name, Type Type)> columns, IReadOnlyList<string?[]> rows, int rowGroupSize = 1000)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var fields = columns.Select(c => c.Type == typeof(DateTime)
            ? new DateTimeDataField(c.Name, DateTimeFormat.DateAndTime, isNullable: true)
            : c.Type == typeof(decimal) ? new DecimalDataField(c.Name, 18, 4, isNullable: true)
            : new DataField(c.Name, c.Type, isNullable: c.Type != typeof(string) ? true : null)).ToArray();
        var schema = new ParquetSchema(fields);
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        foreach (var chunk in rows.Chunk(Math.Max(1, rowGroupSize)))
        {
            using var group = writer.CreateRowGroup();
            for (var c = 0; c < columns.Count; c++)
            {
                var texts = chunk.Select(r => string.IsNullOrEmpty(r[c]) ? null : r[c]).ToArray();
                var type = columns[c].Type;
                var field = fields[c];
                if (type == typeof(string))
                {
                    await group.WriteAsync(field, texts);
                }
                else if (type == typeof(int))
                {
                    await group.WriteAsync<int>(field, texts.Select(t => t is null ? (int?)null : int.Parse(t, CultureInfo.InvariantCulture)).ToArray().AsMemory());
                }
                else if (type == typeof(long))
                {
                    await group.WriteAsync<long>(field, texts.Select(t => t is null ? (long?)null : long.Parse(t, CultureInfo.InvariantCulture)).ToArray().AsMemory());
                }
                else if (type == typeof(double))
                {
                    await group.WriteAsync<double>(field, texts.Select(t => t is null ? (double?)null : double.Parse(t, CultureInfo.InvariantCulture)).ToArray().AsMemory());
                }
                else if (type == typeof(float))
                {
                    await group.WriteAsync<float>(field, texts.Select(t => t is null ? (float?)null : float.Parse(t, CultureInfo.InvariantCulture)).ToArray().AsMemory());
                }
                else if (type == typeof(bool))
                {
                    await group.WriteAsync<bool>(field, texts.Select(t => t is null ? (bool?)null : bool.Parse(t)).ToArray().AsMemory());
                }
                else if (type == typeof(decimal))
                {
                    await group.WriteAsync<decimal>(field, texts.Select(t => t is null ? (decimal?)null : decimal.Parse(t, CultureInfo.InvariantCulture)).ToArray().AsMemory());
                }
                else if (type == typeof(DateTime))
                {
                    await group.WriteAsync<DateTime>(field, texts.Select(t => t is null ? (DateTime?)null
                        : DateTime.Parse(t, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)).ToArray().AsMemory());
                }
                else
                {
                    throw new ArgumentException($"No writer for {type.Name} here.", nameof(columns));
                }
            }
        }
        return path;
    }

    /// <summary>A CSV text (header, rows, no quoting) as columns and rows.</summary>
    public static (string[] Header, List<string?[]> Rows) FromCsv(string csv)
    {
        var lines = csv.Replace("\r", "", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        return (lines[0].Split(','), lines.Skip(1).Select(l => l.Split(',').Select(v => (string?)v).ToArray()).ToList());
    }

    /// <summary>Writes a file with a struct column <c>address</c> (<c>city</c>): a nested column, which read_parquet here refuses.</summary>
    public static async Task<string> WriteNestedAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var schema = new ParquetSchema(new DataField<int>("id"), new StructField("address", new DataField<string>("city")));
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<int>(schema.DataFields[0], new[] { 1 }.AsMemory());
        await group.WriteAsync(schema.DataFields[1], new string?[] { "Paris" });
        return path;
    }

    /// <summary>Writes a file with a binary column <c>blob</c> (bytes, not text): a flat type read_parquet here does not read.</summary>
    public static async Task<string> WriteBinaryAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var schema = new ParquetSchema(new DataField<int>("id"), new DataField<byte[]>("blob"));
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<int>(schema.DataFields[0], new[] { 1 }.AsMemory());
        await group.WriteAsync(schema.DataFields[1], new byte[]?[] { [1, 2, 3] });
        return path;
    }

    /// <summary>Writes a file with a list column <c>tags</c>: a repeated column, which read_parquet here refuses.</summary>
    public static async Task<string> WriteListAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var schema = new ParquetSchema(new DataField<int>("id"), new ListField("tags", new DataField<string>("element")));
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(schema, stream);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync<int>(schema.DataFields[0], new[] { 1 }.AsMemory());
        await group.WriteAsync(schema.DataFields[1], new string?[] { "a", "b" }, new[] { 0, 1 });
        return path;
    }
}
