using System.Globalization;
using System.Runtime.CompilerServices;
using Parquet;
using Parquet.Schema;

namespace AzureMlSdk.Tabular;

// Compiled into the assemblies that read Parquet (AzureMlSdk.Serving for batch scoring, AzureMlSdk.AutoML for training data), so
// the core SDK takes no Parquet dependency. Each copy is internal to its assembly.

/// <summary>What a Parquet column holds, once read: the kinds a table of MLTable data keeps.</summary>
internal enum TabularKind
{
    /// <summary>Whole numbers (int8 … int64, unsigned): <see cref="long"/> values.</summary>
    Integer,

    /// <summary>Floating-point numbers: <see cref="float"/> or <see cref="double"/> values.</summary>
    Real,

    /// <summary>Decimals: <see cref="decimal"/> values.</summary>
    Decimal,

    /// <summary>True / false: <see cref="bool"/> values.</summary>
    Boolean,

    /// <summary>Text (UTF-8 strings, UUIDs): <see cref="string"/> values.</summary>
    Text,

    /// <summary>Timestamps and dates: <see cref="DateTime"/> values.</summary>
    DateTime,
}

/// <summary>One column of a Parquet file: its name and what it holds.</summary>
internal sealed record TabularColumn(string Name, TabularKind Kind);

/// <summary>
/// Reads flat Parquet files (MLTable <c>read_parquet</c>) with Parquet.Net, one row group at a time: the columns with their kinds, then
/// the rows, each an array of values (<see cref="long"/>, <see cref="float"/>, <see cref="double"/>, <see cref="decimal"/>,
/// <see cref="bool"/>, <see cref="string"/>, <see cref="DateTime"/>; null: missing). Nested columns (struct, list, map), repeated
/// columns, binary, time-of-day and interval columns are refused, naming the column and the file. Every failure goes through the
/// caller's <c>fail</c> (message, column), so each reader throws its own typed error.
/// </summary>
internal sealed class ParquetTable : IAsyncDisposable
{
    /// <summary>The column <c>include_path_column: true</c> adds, holding the file each row comes from (Azure's name).</summary>
    public const string PathColumn = "Path";

    private readonly ParquetReader _reader;
    private readonly DataField[] _fields;
    private readonly Func<string, string?, Exception> _fail;

    private ParquetTable(string path, ParquetReader reader, DataField[] fields, List<TabularColumn> columns, Func<string, string?, Exception> fail)
    {
        File = path;
        _reader = reader;
        _fields = fields;
        Columns = columns;
        _fail = fail;
    }

    /// <summary>The file read.</summary>
    public string File { get; }

    /// <summary>The file's columns, in order.</summary>
    public IReadOnlyList<TabularColumn> Columns { get; }

    /// <summary>The rows the file's metadata announces.</summary>
    public long RowCount => _reader.RowGroups.Sum(g => g.RowCount);

    /// <summary>Opens <paramref name="path"/> and reads its schema; a file that is not Parquet, or holds an unsupported column, fails through <paramref name="fail"/>.</summary>
    public static async Task<ParquetTable> OpenAsync(string path, Func<string, string?, Exception> fail, CancellationToken cancellationToken)
    {
        ParquetReader reader;
        try
        {
            reader = await ParquetReader.CreateAsync(path, new ParquetOptions { TreatByteArrayAsString = false }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw fail($"'{path}' is not a readable Parquet file: {e.Message}", null);
        }
        try
        {
            var fields = new List<DataField>();
            var columns = new List<TabularColumn>();
            foreach (var field in reader.Schema.Fields)
            {
                if (field is not DataField data || field.SchemaType != SchemaType.Data)
                {
                    throw fail($"'{path}' has column '{field.Name}', a {field.SchemaType.ToString().ToLowerInvariant()} (nested) column; read_parquet here reads flat columns only (numbers, booleans, strings, dates and timestamps, decimals). Flatten it or drop it from the file.", field.Name);
                }
                if (data.IsArray || data.MaxRepetitionLevel > 0)
                {
                    throw fail($"'{path}' has column '{data.Name}', a repeated (array) column; read_parquet here reads flat columns only. Flatten it or drop it from the file.", data.Name);
                }
                var kind = KindOf(data.ClrType) ?? throw fail(
                    $"'{path}' has column '{data.Name}' of type {Describe(data.ClrType)}, which read_parquet here does not read (it reads numbers, booleans, strings, dates and timestamps, decimals). Convert or drop it.", data.Name);
                fields.Add(data);
                columns.Add(new TabularColumn(data.Name, kind));
            }
            var duplicate = columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw fail($"'{path}' has two columns named '{duplicate.Key}'.", duplicate.Key);
            }
            return new ParquetTable(path, reader, [.. fields], columns, fail);
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The rows, read one row group at a time (only one row group's columns are held at once).</summary>
    public async IAsyncEnumerable<object?[]> RowsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        for (var g = 0; g < _reader.RowGroupCount; g++)
        {
            var group = _reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var values = new Array[_fields.Length];
            for (var c = 0; c < _fields.Length; c++)
            {
                try
                {
                    values[c] = await ReadColumnAsync(group, _fields[c], count, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw _fail($"'{File}' could not be read (row group {g + 1}, column '{_fields[c].Name}'): {e.Message}", _fields[c].Name);
                }
            }
            for (var r = 0; r < count; r++)
            {
                var row = new object?[_fields.Length];
                for (var c = 0; c < _fields.Length; c++)
                {
                    row[c] = Normalize(values[c].GetValue(r));
                }
                yield return row;
            }
        }
    }

    /// <summary>Reads the whole file (all its row groups) into rows.</summary>
    public async Task<List<object?[]>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var rows = new List<object?[]>(checked((int)Math.Min(RowCount, int.MaxValue)));
        await foreach (var row in RowsAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(row);
        }
        return rows;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _reader.DisposeAsync();

    /// <summary>A value as invariant text, as a CSV of the same data writes it (null stays null): numbers round-trip, booleans <c>true</c>/<c>false</c>, timestamps ISO 8601.</summary>
    public static string? Text(object? value) => value switch
    {
        null => null,
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        DateTime t => IsoDate(t),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>A timestamp as ISO 8601: the date alone at midnight, else date and time (with <c>Z</c> when UTC).</summary>
    public static string IsoDate(DateTime t) =>
        t.TimeOfDay == TimeSpan.Zero ? t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)
        : t.ToString(t.Kind == DateTimeKind.Utc ? "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture);

    private static TabularKind? KindOf(Type type) => type switch
    {
        _ when type == typeof(sbyte) || type == typeof(byte) || type == typeof(short) || type == typeof(ushort) || type == typeof(int) || type == typeof(uint) || type == typeof(long) || type == typeof(ulong) => TabularKind.Integer,
        _ when type == typeof(float) || type == typeof(double) || type == typeof(Half) => TabularKind.Real,
        _ when type == typeof(decimal) => TabularKind.Decimal,
        _ when type == typeof(bool) => TabularKind.Boolean,
        _ when type == typeof(string) || type == typeof(ReadOnlyMemory<char>) || type == typeof(Guid) => TabularKind.Text,
        _ when type == typeof(DateTime) || type == typeof(DateOnly) || type == typeof(DateTimeOffset) => TabularKind.DateTime,
        _ => null,
    };

    private static string Describe(Type type) => type == typeof(byte[]) || type == typeof(ReadOnlyMemory<byte>) ? "binary (byte array)" : type == typeof(TimeSpan) || type == typeof(TimeOnly) ? "time of day" : type.Name;

    private static object? Normalize(object? value) => value switch
    {
        null or long or double or float or decimal or bool or string or DateTime => value,
        int i => (long)i,
        short s => (long)s,
        sbyte s => (long)s,
        byte b => (long)b,
        ushort u => (long)u,
        uint u => (long)u,
        ulong u => u <= long.MaxValue ? (long)u : (double)u,
        Half h => (double)h,
        Guid g => g.ToString(),
        DateOnly d => d.ToDateTime(TimeOnly.MinValue),
        DateTimeOffset o => o.UtcDateTime,
        _ => value,
    };

    private static async Task<Array> ReadColumnAsync(ParquetRowGroupReader group, DataField field, int count, CancellationToken cancellationToken)
    {
        var type = field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
        {
            var strings = new string?[count];
            await group.ReadAsync(field, strings.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return strings;
        }
        return type switch
        {
            _ when type == typeof(sbyte) => await ReadAsync<sbyte>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(byte) => await ReadAsync<byte>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(short) => await ReadAsync<short>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(ushort) => await ReadAsync<ushort>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(int) => await ReadAsync<int>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(uint) => await ReadAsync<uint>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(long) => await ReadAsync<long>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(ulong) => await ReadAsync<ulong>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(float) => await ReadAsync<float>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(double) => await ReadAsync<double>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(Half) => await ReadAsync<Half>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(decimal) => await ReadAsync<decimal>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(bool) => await ReadAsync<bool>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(Guid) => await ReadAsync<Guid>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(DateTime) => await ReadAsync<DateTime>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(DateOnly) => await ReadAsync<DateOnly>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ when type == typeof(DateTimeOffset) => await ReadAsync<DateTimeOffset>(group, field, count, cancellationToken).ConfigureAwait(false),
            _ => throw new NotSupportedException($"column type {type.Name}"),
        };
    }

    private static async Task<Array> ReadAsync<T>(ParquetRowGroupReader group, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        if (field.IsNullable)
        {
            var nullable = new T?[count];
            await group.ReadAsync(field, nullable.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return nullable;
        }
        var values = new T[count];
        await group.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
        return values;
    }
}
