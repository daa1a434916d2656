using System.Globalization;
using AzureMlSdk.AutoML.Data;
using AzureMlSdk.Tabular;

namespace AzureMlSdk.AutoML.Featurization;

/// <summary>What a column is used as (Azure's column purposes).</summary>
internal enum ColumnPurpose
{
    Numeric,
    Categorical,
    CategoricalHash,
    Text,
    DateTime,
    Ignore,
}

/// <summary>One training column: its purpose, why, and the statistics that decided it.</summary>
internal sealed record ColumnProfile(string Name, int Index, ColumnPurpose Purpose, int Missing, int Distinct, string Reason)
{
    /// <summary>Parses a value as a number the way the CSV wrote it (invariant culture).</summary>
    public static bool TryNumber(string? text, out double value) =>
        double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    public static bool TryDate(string? text, out DateTime value) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);

    /// <summary>Profiles every column but the target (and the ones the job excludes), as Azure's auto featurisation does.</summary>
    public static List<ColumnProfile> Infer(TabularData data, IReadOnlySet<string> exclude, IReadOnlyDictionary<string, string> overrides, int hashThreshold = 32)
    {
        var profiles = new List<ColumnProfile>();
        var rows = data.RowCount;
        for (var c = 0; c < data.Columns.Count; c++)
        {
            var name = data.Columns[c];
            if (exclude.Contains(name))
            {
                continue;
            }
            var values = data.Column(c).ToList();
            var present = values.Where(v => v is not null).ToList();
            var missing = rows - present.Count;
            var distinct = present.Distinct(StringComparer.Ordinal).Count();
            if (overrides.TryGetValue(name, out var forced))
            {
                var purpose = forced switch
                {
                    "Numeric" => ColumnPurpose.Numeric,
                    "Categorical" => distinct > hashThreshold ? ColumnPurpose.CategoricalHash : ColumnPurpose.Categorical,
                    "Text" => ColumnPurpose.Text,
                    "DateTime" => ColumnPurpose.DateTime,
                    _ => ColumnPurpose.Ignore,
                };
                if (purpose == ColumnPurpose.Numeric && present.Any(v => !TryNumber(v, out _)))
                {
                    throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"Column '{name}' is set to Numeric (column_name_and_types) but holds '{present.First(v => !TryNumber(v, out _))}'.", name);
                }
                if (purpose == ColumnPurpose.DateTime && present.Any(v => !TryDate(v, out _)))
                {
                    throw new AutoMLDataException(AutoMLDataProblem.UnreadableData, $"Column '{name}' is set to DateTime (column_name_and_types) but holds '{present.First(v => !TryDate(v, out _))}'.", name);
                }
                profiles.Add(new ColumnProfile(name, c, purpose, missing, distinct, $"column_name_and_types: {forced}"));
                continue;
            }
            if (present.Count == 0)
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.Ignore, missing, 0, "all values are missing"));
                continue;
            }
            if (distinct == 1 && missing == 0)
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.Ignore, missing, distinct, "a single value (no information)"));
                continue;
            }
            // A Parquet column's own type decides where the file says it (a string column of digits is categories, not numbers).
            var kind = data.KindOf(c);
            if (kind is TabularKind.Integer or TabularKind.Real or TabularKind.Decimal)
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.Numeric, missing, distinct, $"numbers (Parquet {kind.Value.ToString().ToLowerInvariant()})"));
                continue;
            }
            if (kind == TabularKind.DateTime)
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.DateTime, missing, distinct, "dates (Parquet timestamp)"));
                continue;
            }
            if (kind == TabularKind.Boolean)
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.Categorical, missing, distinct, string.Create(CultureInfo.InvariantCulture, $"categories ({distinct}, Parquet boolean)")));
                continue;
            }
            if (kind != TabularKind.Text && present.All(v => TryNumber(v, out _)))
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.Numeric, missing, distinct, "numbers"));
                continue;
            }
            if (present.All(v => TryDate(v, out _)))
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.DateTime, missing, distinct, "dates"));
                continue;
            }
            var averageWords = present.Average(v => v!.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);
            if (averageWords >= 3 && distinct > Math.Max(hashThreshold, present.Count / 10))
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.Text, missing, distinct, "free text"));
                continue;
            }
            if (distinct == present.Count && present.Count > 20)
            {
                profiles.Add(new ColumnProfile(name, c, ColumnPurpose.Ignore, missing, distinct, "every value differs (an identifier)"));
                continue;
            }
            profiles.Add(distinct > hashThreshold
                ? new ColumnProfile(name, c, ColumnPurpose.CategoricalHash, missing, distinct, string.Create(CultureInfo.InvariantCulture, $"categories ({distinct} > {hashThreshold}: hashed)"))
                : new ColumnProfile(name, c, ColumnPurpose.Categorical, missing, distinct, string.Create(CultureInfo.InvariantCulture, $"categories ({distinct})")));
        }
        return profiles;
    }
}
