using System.Globalization;
using AzureMlSdk.AutoML.Data;
using Microsoft.Data.Analysis;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace AzureMlSdk.AutoML.Featurization;

/// <summary>
/// How the raw columns become the <c>Features</c> vector, as one ML.NET chain that exports to ONNX with the rest of the
/// model: numbers (missing values imputed), categories one-hot or hashed by cardinality, text hashed, dates as parts.
/// The model's inputs are the raw columns by name (strings for categories and text, numbers for numbers); a date column
/// becomes <c>&lt;name&gt;_year</c>, <c>_month</c>, <c>_day</c>, <c>_dayofweek</c>, <c>_hour</c> numeric inputs (ONNX has no date type).
/// </summary>
internal sealed class FeaturizationPlan
{
    public const string FeaturesColumn = "Features";
    private static readonly string[] DateParts = ["year", "month", "day", "dayofweek", "hour"];

    private readonly Dictionary<string, MissingValueReplacingEstimator.ReplacementMode> _imputers;
    private readonly int _hashBits;

    private FeaturizationPlan(List<ColumnProfile> columns, Dictionary<string, MissingValueReplacingEstimator.ReplacementMode> imputers, int hashBits, List<string> log)
    {
        Columns = columns;
        _imputers = imputers;
        _hashBits = hashBits;
        Log = log;
    }

    /// <summary>The columns used (ignored ones left out), in data order.</summary>
    public List<ColumnProfile> Columns { get; }

    /// <summary>What featurisation decided, line by line (logged on the parent run).</summary>
    public List<string> Log { get; }

    /// <summary>The model's input columns (ONNX input names), in order.</summary>
    public IReadOnlyList<string> InputColumns => Columns.SelectMany(c => c.Purpose == ColumnPurpose.DateTime ? DateParts.Select(p => $"{c.Name}_{p}") : [c.Name]).ToList();

    /// <summary>Whether an input is a string (categories, text) or a number.</summary>
    /// <summary>The date columns, whose parts are the model's inputs.</summary>
    public IReadOnlyList<string> DateColumns => Columns.Where(c => c.Purpose == ColumnPurpose.DateTime).Select(c => c.Name).ToList();

    public bool IsStringInput(string input) => Columns.Any(c => c.Name == input && c.Purpose is ColumnPurpose.Categorical or ColumnPurpose.CategoricalHash or ColumnPurpose.Text);

    public static FeaturizationPlan Create(TabularData data, AutoMLJob job, IReadOnlySet<string> exclude)
    {
        var settings = job.Featurization;
        var log = new List<string>();
        var hashBits = 10;
        var imputers = new Dictionary<string, MissingValueReplacingEstimator.ReplacementMode>(StringComparer.Ordinal);
        var overrides = settings.Mode == FeaturizationMode.Custom ? settings.ColumnNameAndTypes : new Dictionary<string, string>();
        foreach (var column in overrides.Keys.Concat(settings.TransformerParams.Values.SelectMany(l => l).SelectMany(t => t.Fields)))
        {
            if (data.IndexOf(column) < 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.MissingColumn, $"The featurization settings name column '{column}', which the training data does not have (columns: {string.Join(", ", data.Columns)}).", column);
            }
        }
        if (settings.Mode == FeaturizationMode.Custom)
        {
            foreach (var t in settings.TransformerParams.TryGetValue("hash_one_hot_encoder", out var hashing) ? hashing : [])
            {
                if (t.Parameters.TryGetValue("number_of_bits", out var bits) && bits is long or int)
                {
                    hashBits = Convert.ToInt32(bits, CultureInfo.InvariantCulture);
                }
            }
        }
        var profiles = ColumnProfile.Infer(data, exclude, new Dictionary<string, string>(overrides, StringComparer.Ordinal));
        var blocked = settings.Mode == FeaturizationMode.Custom ? settings.BlockedTransformers.ToHashSet(StringComparer.Ordinal) : [];
        var used = new List<ColumnProfile>();
        foreach (var p in profiles)
        {
            var profile = p;
            if (settings.Mode == FeaturizationMode.Off && profile.Purpose is not (ColumnPurpose.Numeric or ColumnPurpose.Ignore))
            {
                throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"Featurization is off but column '{profile.Name}' is not numeric ({profile.Reason}); turn featurization on (mode: auto) or drop the column.", profile.Name);
            }
            if (profile.Purpose == ColumnPurpose.Categorical && blocked.Contains("OneHotEncoder"))
            {
                profile = profile with { Purpose = ColumnPurpose.CategoricalHash, Reason = profile.Reason + "; OneHotEncoder blocked: hashed" };
            }
            if (profile.Purpose is ColumnPurpose.CategoricalHash or ColumnPurpose.Text && blocked.Contains("HashOneHotEncoder"))
            {
                profile = profile.Purpose == ColumnPurpose.CategoricalHash && !blocked.Contains("OneHotEncoder")
                    ? profile with { Purpose = ColumnPurpose.Categorical, Reason = profile.Reason + "; HashOneHotEncoder blocked: one-hot" }
                    : profile with { Purpose = ColumnPurpose.Ignore, Reason = profile.Reason + "; its encoders are blocked" };
            }
            log.Add($"{profile.Name}: {Describe(profile.Purpose)} ({profile.Reason}{(profile.Missing > 0 ? string.Create(CultureInfo.InvariantCulture, $", {profile.Missing} missing") : "")})");
            if (profile.Purpose != ColumnPurpose.Ignore)
            {
                used.Add(profile);
            }
        }
        if (used.Count == 0)
        {
            throw new AutoMLDataException(AutoMLDataProblem.NoFeatures, $"No column is left to learn from: {string.Join("; ", log)}.");
        }
        if (settings.Mode == FeaturizationMode.Custom)
        {
            foreach (var t in settings.TransformerParams.TryGetValue("imputer", out var imputing) ? imputing : [])
            {
                var strategy = t.Parameters.TryGetValue("strategy", out var s) ? s as string ?? "mean" : "mean";
                var fill = t.Parameters.TryGetValue("fill_value", out var f) ? f : null;
                MissingValueReplacingEstimator.ReplacementMode mode = strategy switch
                {
                    "mean" => MissingValueReplacingEstimator.ReplacementMode.Mean,
                    "most_frequent" => MissingValueReplacingEstimator.ReplacementMode.Mode,
                    "constant" when fill is null or 0L or 0d or 0 => MissingValueReplacingEstimator.ReplacementMode.DefaultValue,
                    "constant" => throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"imputer 'constant' with fill_value {fill}: the local AutoML fills with 0 only (its imputer must export to ONNX); use fill_value 0, mean or most_frequent.", t.Fields.FirstOrDefault()),
                    _ => throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"imputer strategy '{strategy}' is not available locally (ONNX-exportable imputers: mean, most_frequent, constant 0).", t.Fields.FirstOrDefault()),
                };
                foreach (var field in t.Fields)
                {
                    imputers[field] = mode;
                    log.Add($"{field}: missing values imputed by {strategy}");
                }
            }
        }
        return new FeaturizationPlan(used, imputers, hashBits, log);
    }

    private static string Describe(ColumnPurpose purpose) => purpose switch
    {
        ColumnPurpose.Numeric => "numeric",
        ColumnPurpose.Categorical => "categorical, one-hot",
        ColumnPurpose.CategoricalHash => "categorical, hashed one-hot",
        ColumnPurpose.Text => "text, hashed",
        ColumnPurpose.DateTime => "date, parts",
        _ => "ignored",
    };

    /// <summary>The feature columns of <paramref name="data"/> as an ML.NET data view (the model's inputs).</summary>
    public DataFrame ToFrame(TabularData data)
    {
        var frame = new DataFrame();
        foreach (var c in Columns)
        {
            var index = data.IndexOf(c.Name);
            if (index < 0)
            {
                throw new AutoMLDataException(AutoMLDataProblem.SchemaMismatch, $"Column '{c.Name}' of the training data is missing from '{data.Source}'.", c.Name);
            }
            switch (c.Purpose)
            {
                case ColumnPurpose.Numeric:
                    frame.Columns.Add(new PrimitiveDataFrameColumn<float>(c.Name, data.Rows.Select(r => ColumnProfile.TryNumber(r[index], out var v) ? (float)v : float.NaN)));
                    break;
                case ColumnPurpose.DateTime:
                    var dates = data.Rows.Select(r => ColumnProfile.TryDate(r[index], out var d) ? d : (DateTime?)null).ToList();
                    foreach (var part in DateParts)
                    {
                        frame.Columns.Add(new PrimitiveDataFrameColumn<float>($"{c.Name}_{part}", dates.Select(d => d is { } v ? DatePart(v, part) : float.NaN)));
                    }
                    break;
                default:
                    frame.Columns.Add(new StringDataFrameColumn(c.Name, data.Rows.Select(r => r[index] ?? "")));
                    break;
            }
        }
        return frame;
    }

    internal static float DatePart(DateTime d, string part) => part switch
    {
        "year" => d.Year,
        "month" => d.Month,
        "day" => d.Day,
        "dayofweek" => (float)d.DayOfWeek,
        _ => d.Hour,
    };

    /// <summary>The featurising chain, ending in <see cref="FeaturesColumn"/>.</summary>
    public IEstimator<ITransformer> Estimator(MLContext ml)
    {
        var parts = new List<string>();
        IEstimator<ITransformer> chain = new EstimatorChain<ITransformer>();
        var numeric = InputColumns.Where(i => !IsStringInput(i)).ToList();
        foreach (var group in numeric.GroupBy(n => _imputers.GetValueOrDefault(BaseColumn(n), MissingValueReplacingEstimator.ReplacementMode.Mean)))
        {
            chain = chain.Append(ml.Transforms.ReplaceMissingValues(group.Select(n => new InputOutputColumnPair(n, n)).ToArray(), group.Key));
        }
        parts.AddRange(numeric);
        var oneHot = Columns.Where(c => c.Purpose == ColumnPurpose.Categorical).Select(c => new InputOutputColumnPair($"{c.Name}__onehot", c.Name)).ToArray();
        if (oneHot.Length > 0)
        {
            chain = chain.Append(ml.Transforms.Categorical.OneHotEncoding(oneHot));
            parts.AddRange(oneHot.Select(p => p.OutputColumnName));
        }
        var hashed = Columns.Where(c => c.Purpose is ColumnPurpose.CategoricalHash or ColumnPurpose.Text).Select(c => new InputOutputColumnPair($"{c.Name}__hash", c.Name)).ToArray();
        if (hashed.Length > 0)
        {
            chain = chain.Append(ml.Transforms.Categorical.OneHotHashEncoding(hashed, numberOfBits: _hashBits));
            parts.AddRange(hashed.Select(p => p.OutputColumnName));
        }
        return chain.Append(ml.Transforms.Concatenate(FeaturesColumn, [.. parts]));
    }

    private string BaseColumn(string input) => Columns.FirstOrDefault(c => c.Name == input)?.Name
        ?? Columns.First(c => c.Purpose == ColumnPurpose.DateTime && input.StartsWith(c.Name + "_", StringComparison.Ordinal)).Name;
}
