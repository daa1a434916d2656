using System.Globalization;

namespace AzureMlSdk;

/// <summary>The type of a job or component input: a literal (<c>string</c>, <c>integer</c>, <c>number</c>, <c>boolean</c>) or data/model.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "az ml's input type names: string, integer, number, boolean.")]
public enum InputType
{
    /// <summary>Text (<c>string</c>).</summary>
    String,
    /// <summary>A whole number (<c>integer</c>).</summary>
    Integer,
    /// <summary>A floating-point number (<c>number</c>).</summary>
    Number,
    /// <summary><c>true</c> or <c>false</c> (<c>boolean</c>).</summary>
    Boolean,
    /// <summary>One file (<c>uri_file</c>).</summary>
    UriFile,
    /// <summary>A folder (<c>uri_folder</c>), the default for data inputs.</summary>
    UriFolder,
    /// <summary>A table described by an <c>MLTable</c> file (<c>mltable</c>).</summary>
    MLTable,
    /// <summary>A model folder of any format (<c>custom_model</c>).</summary>
    CustomModel,
    /// <summary>An MLflow model folder (<c>mlflow_model</c>).</summary>
    MLFlowModel,
    /// <summary>A Triton model repository (<c>triton_model</c>).</summary>
    TritonModel,
}

/// <summary>How a data input reaches the job (<c>mode</c>).</summary>
public enum InputMode
{
    /// <summary>Mounted read-only (<c>ro_mount</c>), Azure ML's default. Locally: the path itself, not copied.</summary>
    ReadOnlyMount,
    /// <summary>Mounted read-write (<c>rw_mount</c>).</summary>
    ReadWriteMount,
    /// <summary>Copied to the job's machine before it starts (<c>download</c>).</summary>
    Download,
    /// <summary>The URI itself is passed, nothing is mounted or copied (<c>direct</c>).</summary>
    Direct,
    /// <summary>Mounted for evaluation (<c>eval_mount</c>), as Azure ML's MLTable inputs.</summary>
    EvalMount,
    /// <summary>Downloaded for evaluation (<c>eval_download</c>).</summary>
    EvalDownload,
}

/// <summary>
/// A job input: a literal value (text, integer, number, boolean) substituted into <c>${{inputs.name}}</c>, or data or a
/// model (<see cref="UriFile"/>, <see cref="UriFolder"/>, <see cref="MLTable"/>, <see cref="CustomModel"/>,
/// <see cref="MLFlowModel"/>) whose local path replaces <c>${{inputs.name}}</c> when the job runs. Immutable.
/// </summary>
/// <remarks>
/// A data path is a local path (<c>./data</c>, uploaded at submit), a data asset (<c>azureml:name:version</c>,
/// <c>azureml:name@latest</c>), a datastore path (<c>azureml://datastores/&lt;ds&gt;/paths/…</c>), a job output or a
/// cloud URL (<c>https://…</c>, <c>wasbs://…</c>); see <see cref="AssetReference"/>. Literals convert implicitly:
/// <c>Inputs = { ["lr"] = 0.01, ["epochs"] = 10, ["kernel"] = "rbf" }</c>.
/// </remarks>
public sealed class Input : IEquatable<Input>
{
    private Input(InputType type, object? value, string? path, InputMode? mode, string? description)
    {
        Type = type;
        Value = value;
        Path = path;
        Mode = mode;
        Description = description;
    }

    /// <summary>The input's type.</summary>
    public InputType Type { get; }

    /// <summary>A literal's value: <see cref="string"/>, <see cref="long"/>, <see cref="double"/> or <see cref="bool"/>; null for data inputs.</summary>
    public object? Value { get; }

    /// <summary>A data input's path or reference (local paths loaded from YAML are absolute); null for literals.</summary>
    public string? Path { get; }

    /// <summary>A data input's delivery mode; null means Azure ML's default (<see cref="InputMode.ReadOnlyMount"/>).</summary>
    public InputMode? Mode { get; }

    /// <summary>An optional description.</summary>
    public string? Description { get; }

    /// <summary>True for text, integer, number and boolean inputs.</summary>
    public bool IsLiteral => IsLiteralType(Type);

    /// <summary>
    /// True for a text literal that is a pipeline binding (<c>${{parent.inputs.x}}</c>,
    /// <c>${{parent.jobs.step.outputs.y}}</c>): a step's input bound to its pipeline's, resolved when the pipeline runs.
    /// </summary>
    public bool IsBinding => Value is string s && s.TrimStart().StartsWith("${{", StringComparison.Ordinal) && s.TrimEnd().EndsWith("}}", StringComparison.Ordinal);

    /// <summary>The parsed <see cref="Path"/> of a data input.</summary>
    public AssetReference? Reference => Path is null ? null : AssetReference.Parse(Path);

    /// <summary>A text literal.</summary>
    public static Input Literal(string value) => new(InputType.String, value ?? throw new ArgumentNullException(nameof(value)), null, null, null);

    /// <summary>An integer literal.</summary>
    public static Input Literal(long value) => new(InputType.Integer, value, null, null, null);

    /// <summary>A number literal.</summary>
    public static Input Literal(double value) => new(InputType.Number, value, null, null, null);

    /// <summary>A boolean literal.</summary>
    public static Input Literal(bool value) => new(InputType.Boolean, value, null, null, null);

    /// <summary>One file: a local path, a data asset, a datastore path or a URL.</summary>
    public static Input UriFile(string path, InputMode? mode = null, string? description = null) => Data(InputType.UriFile, path, mode, description);

    /// <summary>A folder: a local path, a data asset, a datastore path or a URL.</summary>
    public static Input UriFolder(string path, InputMode? mode = null, string? description = null) => Data(InputType.UriFolder, path, mode, description);

    /// <summary>A folder holding an <c>MLTable</c> file.</summary>
    public static Input MLTable(string path, InputMode? mode = null, string? description = null) => Data(InputType.MLTable, path, mode, description);

    /// <summary>A model folder of any format (<c>custom_model</c>).</summary>
    public static Input CustomModel(string path, InputMode? mode = null, string? description = null) => Data(InputType.CustomModel, path, mode, description);

    /// <summary>An MLflow model folder (<c>mlflow_model</c>).</summary>
    public static Input MLFlowModel(string path, InputMode? mode = null, string? description = null) => Data(InputType.MLFlowModel, path, mode, description);

    /// <summary>A Triton model repository (<c>triton_model</c>).</summary>
    public static Input TritonModel(string path, InputMode? mode = null, string? description = null) => Data(InputType.TritonModel, path, mode, description);

    /// <summary>A data or model input of any data type.</summary>
    public static Input Data(InputType type, string path, InputMode? mode = null, string? description = null)
    {
        if (IsLiteralType(type))
        {
            throw new ArgumentException($"{type} is a literal type; use Input.Literal.", nameof(type));
        }
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new Input(type, null, path, mode, description);
    }

    /// <summary>A copy with another path (the engine, after resolving or uploading).</summary>
    public Input WithPath(string path) => IsLiteral ? throw new InvalidOperationException("A literal input has no path.") : new Input(Type, null, path, Mode, Description);

    /// <summary>A copy with a description.</summary>
    public Input WithDescription(string? description) => new(Type, Value, Path, Mode, description);

    /// <summary>A text literal.</summary>
    public static implicit operator Input(string value) => Literal(value);

    /// <summary>An integer literal.</summary>
    public static implicit operator Input(int value) => Literal(value);

    /// <summary>An integer literal.</summary>
    public static implicit operator Input(long value) => Literal(value);

    /// <summary>A number literal.</summary>
    public static implicit operator Input(double value) => Literal(value);

    /// <summary>A boolean literal.</summary>
    public static implicit operator Input(bool value) => Literal(value);

    /// <summary>
    /// A literal as the command line gets it, as Azure ML writes it (azure-ai-ml's <c>str(value)</c>): numbers in the
    /// invariant culture (<c>0.01</c>, <c>1E-05</c>), booleans <c>True</c>/<c>False</c>. Null for data inputs.
    /// </summary>
    public string? LiteralText => Value switch
    {
        null => null,
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(Value, CultureInfo.InvariantCulture),
    };

    /// <summary>True for the literal types (string, integer, number, boolean).</summary>
    public static bool IsLiteralType(InputType type) => type is InputType.String or InputType.Integer or InputType.Number or InputType.Boolean;

    /// <inheritdoc/>
    public bool Equals(Input? other) =>
        other is not null && Type == other.Type && Equals(Value, other.Value) && Path == other.Path && Mode == other.Mode && Description == other.Description;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as Input);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Type, Value, Path, Mode);

    /// <summary>The literal's text, or <c>type: path</c>.</summary>
    public override string ToString() => IsLiteral ? LiteralText ?? "" : $"{YamlNames.Of(Type)}: {Path}";
}
