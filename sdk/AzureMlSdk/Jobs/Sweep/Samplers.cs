namespace AzureMlSdk.Jobs.Sweep;

/// <summary>
/// Seeds derived from a sweep's seed and a point's index. Deterministic across processes (unlike <see cref="HashCode"/>,
/// which is randomised per process), so a seeded sweep gives the same points on every run and machine.
/// </summary>
internal static class Seeds
{
    public static int Mix(int seed, int index, int salt)
    {
        // SplitMix64 over the three values.
        var z = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)(uint)index << 32) ^ (ulong)(uint)salt);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}

/// <summary>A trial as a sampler sees it: its parameters and, once it has ended with one, its result.</summary>
/// <param name="Parameters">The parameter values the trial ran with (as the sampler gave them).</param>
/// <param name="Metric">The trial's best primary-metric value, or null when it has none (still running, failed, never logged it).</param>
/// <param name="Pending">True while the trial runs: its point is taken, its result not known yet.</param>
internal sealed record SweepObservation(IReadOnlyDictionary<string, object> Parameters, double? Metric, bool Pending = false);

/// <summary>
/// Picks the next points of a sweep from its search space and the trials so far; engine-free (no jobs, no clocks).
/// <see cref="Create"/> gives grid, random (independent or Sobol, seedable) or Bayesian (Gaussian process + expected
/// improvement) sampling. Samplers derive everything from the history (point i of a seeded random sweep is the same
/// however the points are batched), so a restarted sweep continues where it was.
/// </summary>
internal abstract class SweepSampler
{
    private protected SweepSampler(IReadOnlyList<KeyValuePair<string, SweepDistribution>> space) => Space = space;

    /// <summary>The parameters in their declared order.</summary>
    public IReadOnlyList<KeyValuePair<string, SweepDistribution>> Space { get; }

    /// <summary>How many distinct points the sampler can give (grid), or null when unbounded.</summary>
    public virtual long? Size => null;

    /// <summary>Up to <paramref name="count"/> new points given <paramref name="history"/> (every trial started so far, pending ones included); fewer when the space is exhausted.</summary>
    public abstract IReadOnlyList<IReadOnlyDictionary<string, object>> Next(int count, IReadOnlyList<SweepObservation> history);

    /// <summary>The sampler of a sweep's algorithm; <paramref name="seed"/> seeds algorithms that take no seed of their own (Bayesian's initial design).</summary>
    public static SweepSampler Create(IEnumerable<KeyValuePair<string, SweepDistribution>> space, SamplingAlgorithm algorithm, Goal goal, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(algorithm);
        var list = space.ToList();
        if (list.Count == 0)
        {
            throw new InvalidInputException("the search space is empty.");
        }
        return algorithm switch
        {
            GridSamplingAlgorithm => new GridSampler(list),
            RandomSamplingAlgorithm { Rule: RandomSamplingRule.Sobol } r => new SobolSampler(list, r.Seed ?? Random.Shared.Next()),
            RandomSamplingAlgorithm r => new RandomSampler(list, r.Seed ?? Random.Shared.Next()),
            _ => new BayesianSampler(list, goal, seed ?? Random.Shared.Next()),
        };
    }

    private protected Dictionary<string, object> FromUnit(double[] u)
    {
        var point = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < Space.Count; i++)
        {
            point[Space[i].Key] = Space[i].Value.FromUnit(u[i]);
        }
        return point;
    }
}

/// <summary>Every combination of the choices, the last parameter varying fastest; ends when all were given.</summary>
internal sealed class GridSampler : SweepSampler
{
    private readonly Choice[] _choices;

    public GridSampler(IReadOnlyList<KeyValuePair<string, SweepDistribution>> space) : base(space)
    {
        var notChoice = space.FirstOrDefault(p => p.Value is not Choice);
        if (notChoice.Value is not null)
        {
            throw new InvalidInputException($"grid sampling takes choice parameters only, but '{notChoice.Key}' is {notChoice.Value.TypeName}.");
        }
        _choices = space.Select(p => (Choice)p.Value).ToArray();
        long size = 1;
        foreach (var c in _choices)
        {
            size = size > long.MaxValue / Math.Max(1, c.Values.Count) ? long.MaxValue : size * c.Values.Count;
        }
        Size = size;
    }

    public override long? Size { get; }

    public override IReadOnlyList<IReadOnlyDictionary<string, object>> Next(int count, IReadOnlyList<SweepObservation> history)
    {
        var points = new List<IReadOnlyDictionary<string, object>>();
        for (long index = history.Count; index < Size && points.Count < count; index++)
        {
            var point = new Dictionary<string, object>(StringComparer.Ordinal);
            var rest = index;
            for (var i = _choices.Length - 1; i >= 0; i--)
            {
                var k = _choices[i].Values.Count;
                point[Space[i].Key] = _choices[i].Values[(int)(rest % k)];
                rest /= k;
            }
            points.Add(Space.ToDictionary(p => p.Key, p => point[p.Key], StringComparer.Ordinal));
        }
        return points;
    }
}

/// <summary>Independent draws; point i comes from its own generator seeded by (seed, i).</summary>
internal sealed class RandomSampler : SweepSampler
{
    private readonly int _seed;

    public RandomSampler(IReadOnlyList<KeyValuePair<string, SweepDistribution>> space, int seed) : base(space) => _seed = seed;

    public override IReadOnlyList<IReadOnlyDictionary<string, object>> Next(int count, IReadOnlyList<SweepObservation> history)
    {
        var points = new List<IReadOnlyDictionary<string, object>>(count);
        for (var j = 0; j < count; j++)
        {
            var random = new Random(Seeds.Mix(_seed, history.Count + j, 0x5eed));
            points.Add(Space.ToDictionary(p => p.Key, p => p.Value.Sample(random), StringComparer.Ordinal));
        }
        return points;
    }
}

/// <summary>The scrambled Sobol sequence mapped through each parameter's quantiles.</summary>
internal sealed class SobolSampler : SweepSampler
{
    private readonly Sobol _sobol;
    private readonly int _seed;

    public SobolSampler(IReadOnlyList<KeyValuePair<string, SweepDistribution>> space, int seed) : base(space)
    {
        if (space.Count > Sobol.MaxDimensions)
        {
            throw new InvalidInputException($"Sobol sampling supports up to {Sobol.MaxDimensions} parameters; the search space has {space.Count}. Use rule: random.");
        }
        _seed = seed;
        _sobol = new Sobol(space.Count, seed);
    }

    public override IReadOnlyList<IReadOnlyDictionary<string, object>> Next(int count, IReadOnlyList<SweepObservation> history) =>
        Enumerable.Range(history.Count, count).Select(i => (IReadOnlyDictionary<string, object>)FromUnit(_sobol.Point(i))).ToList();

    internal int Seed => _seed;
}

/// <summary>
/// Bayesian sampling: after an initial Sobol design, each point maximises the expected improvement of a Gaussian process
/// fitted to the results so far (choices one-hot encoded, uniform and quniform parameters scaled to [0, 1]). Points for
/// trials still running count as observed at the model's prediction ("kriging believer"), so concurrent trials spread out.
/// </summary>
internal sealed class BayesianSampler : SweepSampler
{
    private readonly Goal _goal;
    private readonly int _seed;
    private readonly Sobol _sobol;
    private readonly int _dimensions;
    private readonly int[] _offsets;

    public BayesianSampler(IReadOnlyList<KeyValuePair<string, SweepDistribution>> space, Goal goal, int seed) : base(space)
    {
        var unsupported = space.FirstOrDefault(p => !SweepJob.BayesianSupports(p.Value));
        if (unsupported.Value is not null)
        {
            throw new InvalidInputException($"bayesian sampling takes choice, uniform and quniform parameters only, but '{unsupported.Key}' is {unsupported.Value.TypeName}.");
        }
        _goal = goal;
        _seed = seed;
        _offsets = new int[space.Count];
        var d = 0;
        for (var i = 0; i < space.Count; i++)
        {
            _offsets[i] = d;
            d += Width(space[i].Value);
        }
        _dimensions = Math.Max(1, d);
        _sobol = new Sobol(Math.Min(space.Count, Sobol.MaxDimensions), seed);
    }

    /// <summary>Observations with a result before the model takes over from the initial design.</summary>
    public int InitialPoints => Math.Clamp(_dimensions + 2, 5, 10);

    private static int Width(SweepDistribution d) => d is Choice c ? (c.Values.Count > 1 ? c.Values.Count : 0) : 1;

    public override IReadOnlyList<IReadOnlyDictionary<string, object>> Next(int count, IReadOnlyList<SweepObservation> history)
    {
        var observed = new List<(double[] X, double Y)>();
        var pending = new List<double[]>();
        foreach (var h in history)
        {
            if (Encode(h.Parameters) is not { } x)
            {
                continue;
            }
            if (h.Metric is { } m && double.IsFinite(m) && !h.Pending)
            {
                observed.Add((x, _goal == Goal.Maximize ? -m : m));
            }
            else if (h.Pending)
            {
                pending.Add(x);
            }
        }
        var points = new List<IReadOnlyDictionary<string, object>>(count);
        if (observed.Count < InitialPoints || observed.Select(o => o.Y).Distinct().Count() < 2)
        {
            for (var j = 0; j < count; j++)
            {
                points.Add(Initial(history.Count + j));
            }
            return points;
        }
        var random = new Random(Seeds.Mix(_seed, history.Count, 0xba4e));
        var gp = GaussianProcess.Fit(observed.Select(o => o.X).ToList(), observed.Select(o => o.Y).ToList(), random);
        var xs = observed.Select(o => o.X).ToList();
        var ys = observed.Select(o => o.Y).ToList();
        var incumbent = xs.Min(x => gp.Predict(x).Mean);
        var model = gp;
        foreach (var p in pending)
        {
            xs.Add(p);
            ys.Add(gp.Predict(p).Mean);
        }
        if (pending.Count > 0)
        {
            model = gp.With(xs, ys);
        }
        // Every third model-based point refines locally: the minimum of the posterior mean within a small box around the best
        // observed point (trust-region exploitation), so the optimum's basin, once found, is descended to its bottom rather than
        // left to EI, which keeps spending points on the model's uncertain corners.
        var modelBased = history.Count - InitialPoints;
        for (var j = 0; j < count; j++)
        {
            var x = (j == 0 && modelBased >= 2 && modelBased % 3 == 2 ? Refine(model, observed, xs) : null)
                ?? MaximizeImprovement(model, incumbent, observed, xs.Skip(observed.Count).ToList(), random);
            points.Add(Decode(x));
            xs.Add(x);
            ys.Add(model.Predict(x).Mean);
            if (j < count - 1)
            {
                model = gp.With(xs, ys);
            }
        }
        return points;
    }

    private Dictionary<string, object> Initial(int index)
    {
        var u = _sobol.Point(index);
        if (Space.Count > u.Length)
        {
            var random = new Random(Seeds.Mix(_seed, index, 0x1d));
            u = [.. u, .. Enumerable.Range(0, Space.Count - u.Length).Select(_ => random.NextDouble())];
        }
        return FromUnit(u);
    }

    /// <summary>
    /// The point of highest expected improvement, at least <see cref="ConcurrentSpacing"/> away from <paramref name="running"/>
    /// (the points of running trials and of this batch): near the optimum the model's fantasy values leave several almost equal
    /// maxima, and concurrent trials a hair apart would measure the same thing.
    /// </summary>
    private double[] MaximizeImprovement(GaussianProcess model, double incumbent, List<(double[] X, double Y)> observed, List<double[]> running, Random random)
    {
        bool Free(double[] x) => !running.Any(r => Distance(r, x) < ConcurrentSpacing);
        double Ei(double[] x)
        {
            var (mean, sd) = model.Predict(x);
            return GaussianProcess.ExpectedImprovement(mean, sd, incumbent);
        }
        var candidates = new List<double[]>();
        for (var i = 0; i < 1000; i++)
        {
            candidates.Add(RandomPoint(random));
        }
        var sigmas = new[] { 0.15, 0.05, 0.015, 0.004 };
        foreach (var (x, _) in observed.OrderBy(o => o.Y).Take(5))
        {
            for (var i = 0; i < 80; i++)
            {
                candidates.Add(Perturb(x, sigmas[i % sigmas.Length], random));
            }
        }
        var scored = candidates.Where(Free).Select(c => (X: c, Ei: Ei(c))).OrderByDescending(c => c.Ei).Take(3).ToList();
        if (scored.Count == 0)
        {
            return candidates[0];
        }
        var best = scored[0];
        var continuous = Enumerable.Range(0, Space.Count).Where(i => Space[i].Value is not Choice).Select(i => _offsets[i]).ToArray();
        if (continuous.Length > 0)
        {
            foreach (var (start, _) in scored)
            {
                double Negative(double[] v)
                {
                    var x = (double[])start.Clone();
                    for (var k = 0; k < continuous.Length; k++)
                    {
                        x[continuous[k]] = Math.Clamp(v[k], 0, 1);
                    }
                    return -Ei(x);
                }
                var (v, value) = NelderMead.Minimize(Negative, continuous.Select(k => start[k]).ToArray(), 0.02, 40 * (continuous.Length + 1));
                if (-value > best.Ei)
                {
                    var x = (double[])start.Clone();
                    for (var k = 0; k < continuous.Length; k++)
                    {
                        x[continuous[k]] = Math.Clamp(v[k], 0, 1);
                    }
                    if (Free(x))
                    {
                        best = (x, -value);
                    }
                }
            }
        }
        return best.X;
    }

    /// <summary>
    /// The posterior mean's minimum in the box of half-width <see cref="RefineRadius"/> (unit-cube units) around the best observed
    /// point, its choices fixed; null when it would repeat a known point (within 1e-3) or the space has no continuous parameter.
    /// </summary>
    private double[]? Refine(GaussianProcess model, List<(double[] X, double Y)> observed, List<double[]> known)
    {
        var continuous = Enumerable.Range(0, Space.Count).Where(i => Space[i].Value is not Choice).Select(i => _offsets[i]).ToArray();
        if (continuous.Length == 0)
        {
            return null;
        }
        var start = observed.MinBy(o => o.Y).X;
        double[] At(double[] v)
        {
            var x = (double[])start.Clone();
            for (var k = 0; k < continuous.Length; k++)
            {
                var c = continuous[k];
                x[c] = Math.Clamp(v[k], Math.Max(0, start[c] - RefineRadius), Math.Min(1, start[c] + RefineRadius));
            }
            return x;
        }
        // Candidates: the posterior mean's minimum in the box, and a step of ±radius along each parameter (so a parameter the model
        // wrongly believes flat, or pinned to a bound, is measured off it); the one with the lowest lower confidence bound μ − σ wins.
        var (best, _) = NelderMead.Minimize(v => model.Predict(At(v)).Mean, continuous.Select(k => start[k]).ToArray(), RefineRadius / 4, 60 * (continuous.Length + 1));
        var candidates = new List<double[]> { At(best) };
        foreach (var c in continuous)
        {
            foreach (var step in new[] { -RefineRadius, RefineRadius })
            {
                var x = (double[])start.Clone();
                x[c] = Math.Clamp(x[c] + step, 0, 1);
                candidates.Add(x);
            }
        }
        return candidates
            .Where(x => !known.Any(k => Distance(k, x) < 1e-3))
            .Select(x => (X: x, Bound: model.Predict(x) is var (mean, sd) ? mean - sd : 0))
            .OrderBy(c => c.Bound)
            .Select(c => c.X)
            .FirstOrDefault();
    }

    /// <summary>The smallest distance (unit-cube units) between the point of a new trial and those of running trials.</summary>
    private const double ConcurrentSpacing = 0.01;

    /// <summary>Half-width of the local refinement box.</summary>
    private const double RefineRadius = 0.1;

    private static double Distance(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.Sqrt(sum);
    }

    private double[] RandomPoint(Random random)
    {
        var x = new double[_dimensions];
        for (var i = 0; i < Space.Count; i++)
        {
            if (Space[i].Value is Choice c)
            {
                if (c.Values.Count > 1)
                {
                    x[_offsets[i] + random.Next(c.Values.Count)] = 1;
                }
            }
            else
            {
                x[_offsets[i]] = random.NextDouble();
            }
        }
        return x;
    }

    private double[] Perturb(double[] from, double sigma, Random random)
    {
        var x = (double[])from.Clone();
        for (var i = 0; i < Space.Count; i++)
        {
            if (Space[i].Value is Choice c)
            {
                if (c.Values.Count > 1 && random.NextDouble() < 0.2)
                {
                    Array.Clear(x, _offsets[i], c.Values.Count);
                    x[_offsets[i] + random.Next(c.Values.Count)] = 1;
                }
            }
            else
            {
                var z = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                x[_offsets[i]] = Math.Clamp(x[_offsets[i]] + (sigma * z), 0, 1);
            }
        }
        return x;
    }

    /// <summary>A parameter set in the model's coordinates, or null when it is not a point of this space.</summary>
    internal double[]? Encode(IReadOnlyDictionary<string, object> parameters)
    {
        var x = new double[_dimensions];
        for (var i = 0; i < Space.Count; i++)
        {
            if (!parameters.TryGetValue(Space[i].Key, out var value))
            {
                return null;
            }
            switch (Space[i].Value)
            {
                case Choice c:
                    var index = IndexOf(c, value);
                    if (index < 0)
                    {
                        return null;
                    }
                    if (c.Values.Count > 1)
                    {
                        x[_offsets[i] + index] = 1;
                    }
                    break;
                case Uniform u:
                    if (!TryNumber(value, out var v))
                    {
                        return null;
                    }
                    x[_offsets[i]] = u.MaxValue > u.MinValue ? Math.Clamp((v - u.MinValue) / (u.MaxValue - u.MinValue), 0, 1) : 0.5;
                    break;
            }
        }
        return x;
    }

    private Dictionary<string, object> Decode(double[] x)
    {
        var point = new Dictionary<string, object>(StringComparer.Ordinal);
        for (var i = 0; i < Space.Count; i++)
        {
            var (name, distribution) = (Space[i].Key, Space[i].Value);
            if (distribution is Choice c)
            {
                var best = 0;
                for (var k = 1; k < c.Values.Count; k++)
                {
                    if (x[_offsets[i] + k] > x[_offsets[i] + best])
                    {
                        best = k;
                    }
                }
                point[name] = c.Values[best];
            }
            else
            {
                point[name] = distribution.FromUnit(Math.Clamp(x[_offsets[i]], 0, 1));
            }
        }
        return point;
    }

    private static int IndexOf(Choice c, object value)
    {
        for (var k = 0; k < c.Values.Count; k++)
        {
            if (Equals(c.Values[k], value) || (TryNumber(c.Values[k], out var a) && TryNumber(value, out var b) && a == b))
            {
                return k;
            }
        }
        return -1;
    }

    private static bool TryNumber(object value, out double number)
    {
        switch (value)
        {
            case double d:
                number = d;
                return true;
            case long l:
                number = l;
                return true;
            case int i:
                number = i;
                return true;
            default:
                number = 0;
                return false;
        }
    }
}
