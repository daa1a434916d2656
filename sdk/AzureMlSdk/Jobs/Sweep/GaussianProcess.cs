namespace AzureMlSdk.Jobs.Sweep;

/// <summary>
/// A Gaussian-process regression model for Bayesian sampling: Matérn 5/2 kernel with one length scale per input
/// dimension (ARD, at most <see cref="MaxLengthScale"/>), a signal variance and a noise variance, fitted by maximising the log
/// marginal likelihood (Nelder–Mead on the log-parameters from several starts, with weak log-normal priors that keep the length
/// scales sane when there are few points) to outputs centred on the worst observation (a pessimistic prior mean) and scaled by
/// their standard deviation. Inputs are in the unit cube.
/// </summary>
internal sealed class GaussianProcess
{
    private readonly double[][] _x;
    private readonly double[] _lengths;
    private readonly double _signal;
    private readonly double _noise;
    private readonly double[,] _chol;
    private readonly double[] _alpha;
    private readonly double _mean;
    private readonly double _scale;

    private GaussianProcess(double[][] x, double[] yStandard, double mean, double scale, double[] lengths, double signal, double noise)
    {
        _x = x;
        _mean = mean;
        _scale = scale;
        _lengths = lengths;
        _signal = signal;
        _noise = noise;
        _chol = Cholesky(Covariance(x, lengths, signal, noise), out _)
            ?? throw new InvalidOperationException("The covariance matrix is not positive definite.");
        _alpha = Solve(_chol, yStandard);
    }

    /// <summary>
    /// The longest length scale (unit-cube units). Longer ones let the model extrapolate a trend across the whole cube from a
    /// few points on a plateau, believe it knows regions it never sampled, and stop exploring them (Hartmann-6: stuck on a
    /// −1.6 hill for 30 trials with ℓ ≈ 4); at 1 the correlation across the cube is still ≈ 0.5, smooth enough for an
    /// irrelevant parameter.
    /// </summary>
    public const double MaxLengthScale = 1.0;

    /// <summary>The fitted length scales (unit-cube units), for tests.</summary>
    public IReadOnlyList<double> LengthScales => _lengths;

    /// <summary>The fitted noise variance relative to the signal's.</summary>
    public double RelativeNoise => _noise / _signal;

    /// <summary>Fits a GP to <paramref name="x"/> (points in [0,1]^d) and <paramref name="y"/>; <paramref name="minNoise"/> is the smallest noise variance (of the standardised outputs).</summary>
    public static GaussianProcess Fit(IReadOnlyList<double[]> x, IReadOnlyList<double> y, Random random, double minNoise = 1e-6)
    {
        var n = x.Count;
        var d = x[0].Length;
        var average = y.Average();
        var sd = Math.Sqrt(y.Sum(v => (v - average) * (v - average)) / Math.Max(1, n - 1));
        var scale = sd > 1e-12 ? sd : 1.0;
        // A pessimistic constant prior mean: the worst observed value (not the average, which the good points pull down).
        // Where the model has no data it predicts "as bad as the worst trial", so expected improvement goes there for the
        // uncertainty alone and stops spending trials on the cube's unexplored corners; measured in eng/bench/sweep
        // (Hartmann-6 median 32.5 → 28 trials to success, Branin 27.5 → 20).
        var mean = y.Max();
        var ys = y.Select(v => (v - mean) / scale).ToArray();
        var xs = x.Select(p => (double[])p.Clone()).ToArray();

        // θ = (log ℓ_1..ℓ_d, log σ_f², log σ_n²).
        double Objective(double[] theta)
        {
            for (var i = 0; i < theta.Length; i++)
            {
                if (!double.IsFinite(theta[i]))
                {
                    return double.PositiveInfinity;
                }
            }
            var lengths = new double[d];
            var penalty = 0.0;
            for (var i = 0; i < d; i++)
            {
                var t = Math.Clamp(theta[i], Math.Log(0.01), Math.Log(MaxLengthScale));
                penalty += (theta[i] - t) * (theta[i] - t) * 100;
                lengths[i] = Math.Exp(t);
                // A weak log-normal prior centred on 0.5 of the cube.
                penalty += (t - Math.Log(0.5)) * (t - Math.Log(0.5)) / (2 * 1.5 * 1.5);
            }
            var ls = Math.Clamp(theta[d], Math.Log(0.05), Math.Log(20));
            var ln = Math.Clamp(theta[d + 1], Math.Log(minNoise), Math.Log(1.0));
            penalty += ((theta[d] - ls) * (theta[d] - ls) + (theta[d + 1] - ln) * (theta[d + 1] - ln)) * 100;
            var k = Covariance(xs, lengths, Math.Exp(ls), Math.Exp(ln));
            var l = Cholesky(k, out var logDet);
            if (l is null)
            {
                return double.PositiveInfinity;
            }
            var alpha = Solve(l, ys);
            var fit = 0.0;
            for (var i = 0; i < n; i++)
            {
                fit += ys[i] * alpha[i];
            }
            return (0.5 * fit) + (0.5 * logDet) + penalty;
        }

        double[]? best = null;
        var bestValue = double.PositiveInfinity;
        var starts = new List<double[]>
        {
            Enumerable.Repeat(Math.Log(0.3), d).Concat([0.0, Math.Log(Math.Max(minNoise, 1e-4))]).ToArray(),
            Enumerable.Repeat(Math.Log(1.0), d).Concat([0.0, Math.Log(Math.Max(minNoise, 1e-2))]).ToArray(),
        };
        for (var s = 0; s < 2; s++)
        {
            starts.Add([.. Enumerable.Range(0, d).Select(_ => Math.Log(0.05 + random.NextDouble())), random.NextDouble() - 0.5, Math.Log(Math.Max(minNoise, 1e-3))]);
        }
        foreach (var start in starts)
        {
            var (theta, value) = NelderMead.Minimize(Objective, start, 0.5, 80 * (d + 2));
            if (value < bestValue)
            {
                (best, bestValue) = (theta, value);
            }
        }
        best ??= starts[0];
        var fitted = best.Take(d).Select(t => Math.Exp(Math.Clamp(t, Math.Log(0.01), Math.Log(MaxLengthScale)))).ToArray();
        var signal = Math.Exp(Math.Clamp(best[d], Math.Log(0.05), Math.Log(20)));
        var noise = Math.Exp(Math.Clamp(best[d + 1], Math.Log(minNoise), Math.Log(1.0)));
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new GaussianProcess(xs, ys, mean, scale, fitted, signal, noise);
            }
            catch (InvalidOperationException) when (attempt < 6)
            {
                noise *= 10;
            }
        }
    }

    /// <summary>The same kernel and hyperparameters conditioned on more points (pending trials, with their predicted means).</summary>
    public GaussianProcess With(IReadOnlyList<double[]> x, IReadOnlyList<double> y)
    {
        var ys = y.Select(v => (v - _mean) / _scale).ToArray();
        return new GaussianProcess(x.Select(p => (double[])p.Clone()).ToArray(), ys, _mean, _scale, _lengths, _signal, _noise);
    }

    /// <summary>The posterior mean and standard deviation at <paramref name="point"/>, in the outputs' units.</summary>
    public (double Mean, double StdDev) Predict(double[] point)
    {
        var n = _x.Length;
        var k = new double[n];
        for (var i = 0; i < n; i++)
        {
            k[i] = Kernel(point, _x[i], _lengths, _signal);
        }
        var mean = 0.0;
        for (var i = 0; i < n; i++)
        {
            mean += k[i] * _alpha[i];
        }
        var v = ForwardSubstitute(_chol, k);
        var variance = _signal;
        for (var i = 0; i < n; i++)
        {
            variance -= v[i] * v[i];
        }
        return (_mean + (mean * _scale), Math.Sqrt(Math.Max(variance, 1e-12)) * _scale);
    }

    /// <summary>Expected improvement below <paramref name="best"/> (minimisation).</summary>
    public static double ExpectedImprovement(double mean, double stdDev, double best, double xi = 0)
    {
        if (stdDev <= 1e-12)
        {
            return Math.Max(0, best - mean - xi);
        }
        var z = (best - mean - xi) / stdDev;
        return ((best - mean - xi) * NormalCdf(z)) + (stdDev * NormalPdf(z));
    }

    internal static double NormalPdf(double z) => Math.Exp(-0.5 * z * z) / Math.Sqrt(2 * Math.PI);

    internal static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    // Numerical Recipes' erfc (fractional error below 1.2e-7).
    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1 / (1 + (0.5 * z));
        var r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    private static double Kernel(double[] a, double[] b, double[] lengths, double signal)
    {
        var r2 = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            var t = (a[i] - b[i]) / lengths[i];
            r2 += t * t;
        }
        var r = Math.Sqrt(5 * r2);
        return signal * (1 + r + (r * r / 3)) * Math.Exp(-r);
    }

    private static double[,] Covariance(double[][] x, double[] lengths, double signal, double noise)
    {
        var n = x.Length;
        var k = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var v = Kernel(x[i], x[j], lengths, signal);
                k[i, j] = v;
                k[j, i] = v;
            }
            k[i, i] += noise + (1e-10 * signal);
        }
        return k;
    }

    private static double[,]? Cholesky(double[,] a, out double logDet)
    {
        var n = a.GetLength(0);
        var l = new double[n, n];
        logDet = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[i, j];
                for (var k = 0; k < j; k++)
                {
                    sum -= l[i, k] * l[j, k];
                }
                if (i == j)
                {
                    if (sum <= 0 || !double.IsFinite(sum))
                    {
                        return null;
                    }
                    l[i, i] = Math.Sqrt(sum);
                    logDet += 2 * Math.Log(l[i, i]);
                }
                else
                {
                    l[i, j] = sum / l[j, j];
                }
            }
        }
        return l;
    }

    private static double[] ForwardSubstitute(double[,] l, double[] b)
    {
        var n = b.Length;
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[i, k] * y[k];
            }
            y[i] = sum / l[i, i];
        }
        return y;
    }

    private static double[] Solve(double[,] l, double[] b)
    {
        var y = ForwardSubstitute(l, b);
        var n = y.Length;
        var x = new double[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var sum = y[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[k, i] * x[k];
            }
            x[i] = sum / l[i, i];
        }
        return x;
    }
}

/// <summary>The Nelder–Mead simplex method (no derivatives), for the GP's hyperparameters and the acquisition's refinement.</summary>
internal static class NelderMead
{
    public static (double[] Point, double Value) Minimize(Func<double[], double> f, double[] start, double step, int maxEvaluations)
    {
        var n = start.Length;
        var simplex = new double[n + 1][];
        var values = new double[n + 1];
        simplex[0] = (double[])start.Clone();
        values[0] = f(simplex[0]);
        for (var i = 0; i < n; i++)
        {
            var p = (double[])start.Clone();
            p[i] += step;
            simplex[i + 1] = p;
            values[i + 1] = f(p);
        }
        var evaluations = n + 1;
        while (evaluations < maxEvaluations)
        {
            var order = Enumerable.Range(0, n + 1).OrderBy(i => values[i]).ToArray();
            simplex = order.Select(i => simplex[i]).ToArray();
            values = order.Select(i => values[i]).ToArray();
            if (Math.Abs(values[n] - values[0]) < 1e-10 * (Math.Abs(values[0]) + 1e-10))
            {
                break;
            }
            var centroid = new double[n];
            for (var i = 0; i < n; i++)
            {
                for (var j = 0; j < n; j++)
                {
                    centroid[j] += simplex[i][j] / n;
                }
            }
            double[] Along(double t) => centroid.Select((c, j) => c + (t * (simplex[n][j] - c))).ToArray();
            var reflected = Along(-1);
            var fr = f(reflected);
            evaluations++;
            if (fr < values[0])
            {
                var expanded = Along(-2);
                var fe = f(expanded);
                evaluations++;
                (simplex[n], values[n]) = fe < fr ? (expanded, fe) : (reflected, fr);
            }
            else if (fr < values[n - 1])
            {
                (simplex[n], values[n]) = (reflected, fr);
            }
            else
            {
                var contracted = fr < values[n] ? Along(-0.5) : Along(0.5);
                var fc = f(contracted);
                evaluations++;
                if (fc < Math.Min(fr, values[n]))
                {
                    (simplex[n], values[n]) = (contracted, fc);
                }
                else
                {
                    for (var i = 1; i <= n; i++)
                    {
                        simplex[i] = simplex[i].Select((v, j) => simplex[0][j] + (0.5 * (v - simplex[0][j]))).ToArray();
                        values[i] = f(simplex[i]);
                        evaluations++;
                    }
                }
            }
        }
        var best = Enumerable.Range(0, n + 1).MinBy(i => values[i]);
        return (simplex[best], values[best]);
    }
}
