namespace AzureMlSdk.AutoML;

/// <summary>What is wrong with the data given to AutoML (<see cref="AutoMLDataException.Problem"/>).</summary>
public enum AutoMLDataProblem
{
    /// <summary>The data has no rows.</summary>
    EmptyData,
    /// <summary><c>target_column_name</c> is not a column of the data.</summary>
    MissingTargetColumn,
    /// <summary>A classification target with only one class.</summary>
    SingleClass,
    /// <summary>A regression or forecasting target that is not numeric.</summary>
    NonNumericTarget,
    /// <summary>A column named by the job (time column, series id, weight, transformer field) is absent.</summary>
    MissingColumn,
    /// <summary>No column is left to learn from (all null, constant, or ignored).</summary>
    NoFeatures,
    /// <summary>A file could not be read (format, MLTable, encoding).</summary>
    UnreadableData,
    /// <summary>Validation or test data whose columns differ from the training data.</summary>
    SchemaMismatch,
    /// <summary>The time column of a forecasting job is not dates or has duplicates within a series.</summary>
    BadTimeColumn,
    /// <summary>None of the requested learners is available locally.</summary>
    NoLearner,
    /// <summary>
    /// Forecasting test data that does not continue the training series: a series the training data lacks, times that overlap the
    /// training data or leave a gap after it, or a missing actual value that later test rows need as their history.
    /// </summary>
    ForecastHistory,
}

/// <summary>
/// Bad data or settings for an AutoML run, found before or while training: an <see cref="InvalidInputException"/>
/// naming the <see cref="Column"/> and the <see cref="Problem"/>.
/// </summary>
public sealed class AutoMLDataException : InvalidInputException
{
    /// <summary>Creates the error.</summary>
    /// <param name="problem">What is wrong.</param>
    /// <param name="message">The message, naming the column and what to do.</param>
    /// <param name="column">The column concerned, if any.</param>
    public AutoMLDataException(AutoMLDataProblem problem, string message, string? column = null)
        : base(message, column) => (Problem, Column) = (problem, column);

    /// <summary>What is wrong.</summary>
    public AutoMLDataProblem Problem { get; }

    /// <summary>The column concerned, if any.</summary>
    public string? Column { get; }
}
