using System.Globalization;
using System.Text;

namespace AzureMlSdk;

/// <summary>
/// A job or asset definition (a <see cref="JobDefinition"/>, <see cref="DataAsset"/>, <see cref="EnvironmentAsset"/>,
/// <see cref="CommandComponent"/> or <see cref="ComputeDefinition"/>, written in C# or in az ml v2 YAML) is invalid:
/// an unknown or mistyped key, a value of the wrong type, a command placeholder naming an input that does not exist…
/// When the definition came from a YAML file the error names the file, the line and column and the key, as <c>az ml</c> does.
/// </summary>
public class JobDefinitionException : InvalidInputException
{
    /// <summary>Creates the error.</summary>
    /// <param name="message">What is wrong, without the location (it is prefixed from the other arguments).</param>
    /// <param name="filePath">The YAML file, when the definition came from one.</param>
    /// <param name="line">The 1-based line in <paramref name="filePath"/>.</param>
    /// <param name="column">The 1-based column in <paramref name="filePath"/>.</param>
    /// <param name="key">The offending key as a dotted path from the document's root (<c>inputs.iris.mode</c>).</param>
    /// <param name="innerException">The parser's error, if any.</param>
    public JobDefinitionException(string message, string? filePath = null, int? line = null, int? column = null, string? key = null, Exception? innerException = null)
        : base(Format(message, filePath, line, column), key, AzureMlErrorCodes.InvalidParameterValue, 400, null, innerException)
    {
        FilePath = filePath;
        Line = line;
        Column = column;
        Key = key;
        Reason = message;
        Problems = [this];
    }

    private JobDefinitionException(IReadOnlyList<JobDefinitionException> problems)
        : base(FormatMany(problems), problems[0].Key, AzureMlErrorCodes.InvalidParameterValue, 400, null, null)
    {
        FilePath = problems[0].FilePath;
        Line = problems[0].Line;
        Column = problems[0].Column;
        Key = problems[0].Key;
        Reason = problems[0].Reason;
        Problems = problems;
    }

    /// <summary>The YAML file the definition came from, or null for a definition built in code.</summary>
    public string? FilePath { get; }

    /// <summary>The 1-based line of the offending key or value in <see cref="FilePath"/>, when known.</summary>
    public int? Line { get; }

    /// <summary>The 1-based column of the offending key or value in <see cref="FilePath"/>, when known.</summary>
    public int? Column { get; }

    /// <summary>The offending key as a dotted path from the document's root, e.g. <c>inputs.iris_csv.mode</c>, when known.</summary>
    public string? Key { get; }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Reason { get; }

    /// <summary>Every problem found (this one first); a definition is checked whole, so all its problems are reported at once.</summary>
    public IReadOnlyList<JobDefinitionException> Problems { get; }

    /// <summary>One error for several problems (the first one's location), or the only problem itself.</summary>
    internal static JobDefinitionException Combine(IReadOnlyList<JobDefinitionException> problems) =>
        problems.Count == 1 ? problems[0] : new JobDefinitionException(problems);

    private static string Format(string message, string? filePath, int? line, int? column)
    {
        if (filePath is null)
        {
            return message;
        }
        var location = line is null ? filePath
            : column is null ? string.Create(CultureInfo.InvariantCulture, $"{filePath}:{line}")
            : string.Create(CultureInfo.InvariantCulture, $"{filePath}:{line}:{column}");
        return $"{location}: {message}";
    }

    private static string FormatMany(IReadOnlyList<JobDefinitionException> problems)
    {
        var text = new StringBuilder();
        text.Append(problems[0].FilePath is { } file ? $"{file}: " : "")
            .Append(CultureInfo.InvariantCulture, $"the definition has {problems.Count} problems:");
        foreach (var p in problems)
        {
            text.Append("\n  ").Append(p.Message);
        }
        return text.ToString();
    }
}
