using System.Globalization;

namespace AzureMlSdk;

/// <summary>
/// A hyperparameter's distribution in a sweep's <see cref="SweepJob.SearchSpace"/>, with azure-ai-ml's meanings:
/// <see cref="Choice"/>, <see cref="RandInt"/>, <see cref="Uniform"/>, <see cref="QUniform"/>, <see cref="LogUniform"/>,
/// <see cref="QLogUniform"/>, <see cref="Normal"/>, <see cref="QNormal"/>, <see cref="LogNormal"/>, <see cref="QLogNormal"/>.
/// The q-variants round to multiples of q (<c>round(x / q) · q</c>); the log-variants take exponents as bounds
/// (<c>LogUniform(-7, -1)</c> draws from <c>[e⁻⁷, e⁻¹]</c>).
/// </summary>
public abstract record SweepDistribution
{
    private protected SweepDistribution() { }

    /// <summary>The YAML <c>type</c> and the REST name: <c>choice</c>, <c>randint</c>, <c>uniform</c>, …</summary>
    public abstract string TypeName { get; }

    /// <summary>True for <see cref="Choice"/>: the only distribution grid sampling enumerates.</summary>
    public bool IsDiscrete => this is Choice;

    /// <summary>Draws one value (a <see cref="double"/>, <see cref="long"/>, <see cref="string"/> or <see cref="bool"/>, as the distribution gives).</summary>
    internal abstract object Sample(Random random);

    /// <summary>
    /// The value at quantile <paramref name="u"/> in [0, 1): random and Sobol sampling draw u and map it through here,
    /// so the distribution's meaning lives in one place.
    /// </summary>
    internal abstract object FromUnit(double u);

    /// <summary>The arguments of the REST list encoding (<c>[type, [args…]]</c>), as azure-ai-ml sends them.</summary>
    internal abstract IReadOnlyList<object?> RestArguments { get; }

    /// <summary>What is wrong with the distribution's parameters (empty when valid).</summary>
    internal abstract IEnumerable<string> Problems();

    /// <summary>Azure ML's rounding of the q-variants: <c>round(x / q) · q</c> (half to even, as Python's <c>round</c>).</summary>
    internal static double Quantize(double x, double q) => Math.Round(x / q, MidpointRounding.ToEven) * q;

    /// <summary>The inverse of the standard normal's CDF (Acklam's approximation, relative error below 1.2e-9).</summary>
    internal static double InverseNormal(double p)
    {
        p = Math.Clamp(p, 1e-12, 1 - 1e-12);
        ReadOnlySpan<double> a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
        ReadOnlySpan<double> b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
        ReadOnlySpan<double> c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
        ReadOnlySpan<double> d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
        const double low = 0.02425;
        if (p < low)
        {
            var q = Math.Sqrt(-2 * Math.Log(p));
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        if (p > 1 - low)
        {
            var q = Math.Sqrt(-2 * Math.Log(1 - p));
            return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
        }
        var r = p - 0.5;
        var s = r * r;
        return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r / (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1);
    }

    private protected static string N(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private protected static IEnumerable<string> Finite(params (string Name, double Value)[] values) =>
        values.Where(v => !double.IsFinite(v.Value)).Select(v => $"'{v.Name}' must be a finite number, not {N(v.Value)}.");
}

/// <summary><c>choice</c>: one of <see cref="Values"/>, each equally likely (the only distribution grid sampling takes).</summary>
public sealed record Choice : SweepDistribution
{
    /// <summary>A choice among <paramref name="values"/>: numbers, text or booleans (<c>new Choice(16, 32, 64)</c>).</summary>
    public Choice(params object[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        Values = values.Select(Normalize).ToArray();
    }

    /// <summary>The values, in order (integers as <see cref="long"/>, other numbers as <see cref="double"/>).</summary>
    public IReadOnlyList<object> Values { get; }

    /// <inheritdoc/>
    public override string TypeName => "choice";

    internal override object Sample(Random random) => Values[random.Next(Values.Count)];

    internal override object FromUnit(double u) => Values[Math.Clamp((int)Math.Floor(u * Values.Count), 0, Values.Count - 1)];

    // azure-ai-ml: ["choice", [[v1, v2, …]]].
    internal override IReadOnlyList<object?> RestArguments => [Values.ToList()];

    internal override IEnumerable<string> Problems()
    {
        if (Values.Count == 0)
        {
            yield return "a choice needs at least one value.";
        }
        foreach (var v in Values)
        {
            if (v is not (long or double or string or bool))
            {
                yield return $"a choice's values must be numbers, text or booleans, not {v.GetType().Name}.";
            }
            else if (v is double d && !double.IsFinite(d))
            {
                yield return $"a choice's values must be finite numbers, not {N(d)}.";
            }
        }
    }

    private static object Normalize(object value) => value switch
    {
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        float f => (double)f,
        decimal m => (double)m,
        null => throw new ArgumentException("a choice's values must not be null.", nameof(value)),
        _ => value,
    };

    /// <inheritdoc/>
    public bool Equals(Choice? other) => other is not null && Values.SequenceEqual(other.Values);

    /// <inheritdoc/>
    public override int GetHashCode() => Values.Aggregate(17, (h, v) => HashCode.Combine(h, v));

    /// <inheritdoc/>
    public override string ToString() => $"choice({string.Join(", ", Values.Select(SweepValues.Text))})";
}

/// <summary><c>randint</c>: an integer in <c>[0, Upper)</c> (the upper bound is exclusive, as azure-ai-ml).</summary>
/// <param name="Upper">The exclusive upper bound (at least 1).</param>
public sealed record RandInt(long Upper) : SweepDistribution
{
    /// <inheritdoc/>
    public override string TypeName => "randint";

    internal override object Sample(Random random) => random.NextInt64(Upper);

    internal override object FromUnit(double u) => Math.Clamp((long)Math.Floor(u * Upper), 0, Upper - 1);

    internal override IReadOnlyList<object?> RestArguments => [Upper];

    internal override IEnumerable<string> Problems()
    {
        if (Upper < 1)
        {
            yield return $"randint's 'upper' must be at least 1 (it is exclusive), not {Upper}.";
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"randint({Upper})";
}

/// <summary><c>uniform</c>: a number in <c>[MinValue, MaxValue]</c>.</summary>
/// <param name="MinValue">The lower bound.</param>
/// <param name="MaxValue">The upper bound.</param>
public record Uniform(double MinValue, double MaxValue) : SweepDistribution
{
    /// <inheritdoc/>
    public override string TypeName => "uniform";

    internal override object Sample(Random random) => FromUnit(random.NextDouble());

    internal override object FromUnit(double u) => MinValue + (u * (MaxValue - MinValue));

    internal override IReadOnlyList<object?> RestArguments => [MinValue, MaxValue];

    internal override IEnumerable<string> Problems() =>
        Finite(("min_value", MinValue), ("max_value", MaxValue))
            .Concat(MinValue > MaxValue ? [$"'min_value' ({N(MinValue)}) must not be greater than 'max_value' ({N(MaxValue)})."] : []);

    /// <inheritdoc/>
    public override string ToString() => $"{TypeName}({N(MinValue)}, {N(MaxValue)})";
}

/// <summary><c>quniform</c>: <c>round(uniform(MinValue, MaxValue) / Q) · Q</c>.</summary>
/// <param name="MinValue">The lower bound.</param>
/// <param name="MaxValue">The upper bound.</param>
/// <param name="Q">The step (positive).</param>
public sealed record QUniform(double MinValue, double MaxValue, double Q) : Uniform(MinValue, MaxValue)
{
    /// <inheritdoc/>
    public override string TypeName => "quniform";

    internal override object FromUnit(double u) => Quantize((double)base.FromUnit(u), Q);

    internal override IReadOnlyList<object?> RestArguments => [MinValue, MaxValue, RestNumber(Q)];

    internal override IEnumerable<string> Problems() => base.Problems().Concat(QProblems(Q));

    internal static IEnumerable<string> QProblems(double q) => !double.IsFinite(q) || q <= 0 ? [$"'q' must be a positive number, not {N(q)}."] : [];

    /// <summary>q as azure-ai-ml sends it: an integer when it is one.</summary>
    internal static object RestNumber(double q) => q == Math.Floor(q) && Math.Abs(q) < 1e15 ? (long)q : q;

    /// <inheritdoc/>
    public override string ToString() => $"quniform({N(MinValue)}, {N(MaxValue)}, {N(Q)})";
}

/// <summary><c>loguniform</c>: <c>exp(uniform(MinValue, MaxValue))</c>: the bounds are exponents (natural log).</summary>
/// <param name="MinValue">The lower bound's exponent (<c>-7</c> means e⁻⁷).</param>
/// <param name="MaxValue">The upper bound's exponent.</param>
public record LogUniform(double MinValue, double MaxValue) : SweepDistribution
{
    /// <inheritdoc/>
    public override string TypeName => "loguniform";

    internal override object Sample(Random random) => FromUnit(random.NextDouble());

    internal override object FromUnit(double u) => Math.Exp(MinValue + (u * (MaxValue - MinValue)));

    internal override IReadOnlyList<object?> RestArguments => [MinValue, MaxValue];

    internal override IEnumerable<string> Problems() =>
        Finite(("min_value", MinValue), ("max_value", MaxValue))
            .Concat(MinValue > MaxValue ? [$"'min_value' ({N(MinValue)}) must not be greater than 'max_value' ({N(MaxValue)})."] : []);

    /// <inheritdoc/>
    public override string ToString() => $"{TypeName}({N(MinValue)}, {N(MaxValue)})";
}

/// <summary><c>qloguniform</c>: <c>round(exp(uniform(MinValue, MaxValue)) / Q) · Q</c>.</summary>
/// <param name="MinValue">The lower bound's exponent.</param>
/// <param name="MaxValue">The upper bound's exponent.</param>
/// <param name="Q">The step (positive).</param>
public sealed record QLogUniform(double MinValue, double MaxValue, double Q) : LogUniform(MinValue, MaxValue)
{
    /// <inheritdoc/>
    public override string TypeName => "qloguniform";

    internal override object FromUnit(double u) => Quantize((double)base.FromUnit(u), Q);

    internal override IReadOnlyList<object?> RestArguments => [MinValue, MaxValue, QUniform.RestNumber(Q)];

    internal override IEnumerable<string> Problems() => base.Problems().Concat(QUniform.QProblems(Q));

    /// <inheritdoc/>
    public override string ToString() => $"qloguniform({N(MinValue)}, {N(MaxValue)}, {N(Q)})";
}

/// <summary><c>normal</c>: a normal distribution with mean <c>Mu</c> and standard deviation <c>Sigma</c>.</summary>
/// <param name="Mu">The mean.</param>
/// <param name="Sigma">The standard deviation (positive).</param>
public record Normal(double Mu, double Sigma) : SweepDistribution
{
    /// <inheritdoc/>
    public override string TypeName => "normal";

    internal override object Sample(Random random) => FromUnit(random.NextDouble());

    internal override object FromUnit(double u) => Mu + (Sigma * InverseNormal(u));

    internal override IReadOnlyList<object?> RestArguments => [Mu, Sigma];

    internal override IEnumerable<string> Problems() =>
        Finite(("mu", Mu), ("sigma", Sigma)).Concat(Sigma <= 0 ? [$"'sigma' must be positive, not {N(Sigma)}."] : []);

    /// <inheritdoc/>
    public override string ToString() => $"{TypeName}({N(Mu)}, {N(Sigma)})";
}

/// <summary><c>qnormal</c>: <c>round(normal(Mu, Sigma) / Q) · Q</c>.</summary>
/// <param name="Mu">The mean.</param>
/// <param name="Sigma">The standard deviation.</param>
/// <param name="Q">The step (positive).</param>
public sealed record QNormal(double Mu, double Sigma, double Q) : Normal(Mu, Sigma)
{
    /// <inheritdoc/>
    public override string TypeName => "qnormal";

    internal override object FromUnit(double u) => Quantize((double)base.FromUnit(u), Q);

    internal override IReadOnlyList<object?> RestArguments => [Mu, Sigma, QUniform.RestNumber(Q)];

    internal override IEnumerable<string> Problems() => base.Problems().Concat(QUniform.QProblems(Q));

    /// <inheritdoc/>
    public override string ToString() => $"qnormal({N(Mu)}, {N(Sigma)}, {N(Q)})";
}

/// <summary><c>lognormal</c>: <c>exp(normal(Mu, Sigma))</c>.</summary>
/// <param name="Mu">The mean of the logarithm.</param>
/// <param name="Sigma">The standard deviation of the logarithm.</param>
public record LogNormal(double Mu, double Sigma) : Normal(Mu, Sigma)
{
    /// <inheritdoc/>
    public override string TypeName => "lognormal";

    internal override object FromUnit(double u) => Math.Exp((double)base.FromUnit(u));
}

/// <summary><c>qlognormal</c>: <c>round(exp(normal(Mu, Sigma)) / Q) · Q</c>.</summary>
/// <param name="Mu">The mean of the logarithm.</param>
/// <param name="Sigma">The standard deviation of the logarithm.</param>
/// <param name="Q">The step (positive).</param>
public sealed record QLogNormal(double Mu, double Sigma, double Q) : LogNormal(Mu, Sigma)
{
    /// <inheritdoc/>
    public override string TypeName => "qlognormal";

    internal override object FromUnit(double u) => Quantize((double)base.FromUnit(u), Q);

    internal override IReadOnlyList<object?> RestArguments => [Mu, Sigma, QUniform.RestNumber(Q)];

    internal override IEnumerable<string> Problems() => base.Problems().Concat(QUniform.QProblems(Q));

    /// <inheritdoc/>
    public override string ToString() => $"qlognormal({N(Mu)}, {N(Sigma)}, {N(Q)})";
}

/// <summary>Sampled hyperparameter values as commands and logs get them.</summary>
internal static class SweepValues
{
    /// <summary>A value as Azure ML writes it into <c>${{search_space.x}}</c> (Python's <c>str</c>: <c>0.01</c>, <c>True</c>).</summary>
    public static string Text(object? value) => value switch
    {
        null => "None",
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>A parameter set as hyperdrive.txt writes it: <c>{"lr": 0.01, "kernel": "rbf"}</c>.</summary>
    public static string Describe(IReadOnlyDictionary<string, object> values) =>
        "{" + string.Join(", ", values.Select(v => $"\"{v.Key}\": {(v.Value is string s ? $"\"{s}\"" : Text(v.Value))}")) + "}";
}
