namespace AzureMlSdk.AutoML.Metrics;

/// <summary>A table logged with a trial (confusion matrix, ROC curve, residuals): named columns of numbers.</summary>
internal sealed record MetricTable(string Name, IReadOnlyDictionary<string, double[]> Columns);

/// <summary>A trial's metrics by Azure's names, and its tables.</summary>
internal sealed record MetricSet(IReadOnlyDictionary<string, double> Values, IReadOnlyList<MetricTable> Tables);

/// <summary>Azure AutoML's metrics (the names its runs log), computed from predictions.</summary>
internal static class TaskMetrics
{
    /// <summary>Metrics where lower is better.</summary>
    public static readonly IReadOnlySet<string> LowerIsBetter = new HashSet<string>(StringComparer.Ordinal)
    {
        "normalized_root_mean_squared_error", "normalized_mean_absolute_error", "root_mean_squared_error", "mean_absolute_error",
        "median_absolute_error", "normalized_median_absolute_error", "root_mean_squared_log_error", "normalized_root_mean_squared_log_error",
        "mean_absolute_percentage_error", "log_loss",
    };

    /// <summary>The loss the tuner minimises for <paramref name="metric"/>.</summary>
    public static double Loss(string metric, double value) => LowerIsBetter.Contains(metric) ? value : -value;

    /// <summary>Classification metrics from the true class indices and the class probabilities (rows sum to 1).</summary>
    public static MetricSet Classification(int[] truth, double[][] probabilities, string[] classes)
    {
        var n = truth.Length;
        var k = classes.Length;
        var predicted = probabilities.Select(ArgMax).ToArray();
        var confusion = new double[k, k];
        for (var i = 0; i < n; i++)
        {
            confusion[truth[i], predicted[i]]++;
        }
        var support = Enumerable.Range(0, k).Select(c => (double)truth.Count(t => t == c)).ToArray();
        var predictedCount = Enumerable.Range(0, k).Select(c => (double)predicted.Count(p => p == c)).ToArray();
        var tp = Enumerable.Range(0, k).Select(c => confusion[c, c]).ToArray();
        var precision = Enumerable.Range(0, k).Select(c => predictedCount[c] > 0 ? tp[c] / predictedCount[c] : 0).ToArray();
        var recall = Enumerable.Range(0, k).Select(c => support[c] > 0 ? tp[c] / support[c] : 0).ToArray();
        var f1 = Enumerable.Range(0, k).Select(c => precision[c] + recall[c] > 0 ? 2 * precision[c] * recall[c] / (precision[c] + recall[c]) : 0).ToArray();
        var present = Enumerable.Range(0, k).Where(c => support[c] > 0).ToArray();
        double Weighted(double[] v) => n == 0 ? 0 : Enumerable.Range(0, k).Sum(c => v[c] * support[c]) / n;
        double Macro(double[] v) => present.Length == 0 ? 0 : present.Average(c => v[c]);
        var auc = Enumerable.Range(0, k).Select(c => support[c] > 0 && support[c] < n ? Auc(truth.Select(t => t == c).ToArray(), probabilities.Select(p => p[c]).ToArray()) : double.NaN).ToArray();
        var ap = Enumerable.Range(0, k).Select(c => support[c] > 0 ? AveragePrecision(truth.Select(t => t == c).ToArray(), probabilities.Select(p => p[c]).ToArray()) : double.NaN).ToArray();
        var validAuc = present.Where(c => !double.IsNaN(auc[c])).ToArray();
        var microTruth = truth.SelectMany(t => Enumerable.Range(0, k).Select(c => c == t)).ToArray();
        var microScore = probabilities.SelectMany(p => p).ToArray();
        var accuracy = n == 0 ? 0 : tp.Sum() / n;
        var macroRecall = Macro(recall);
        var chance = k > 0 ? 1.0 / k : 0;
        var values = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["accuracy"] = accuracy,
            ["balanced_accuracy"] = macroRecall,
            ["norm_macro_recall"] = chance < 1 ? Math.Max(0, (macroRecall - chance) / (1 - chance)) : 0,
            ["precision_score_weighted"] = Weighted(precision),
            ["precision_score_macro"] = Macro(precision),
            ["precision_score_micro"] = accuracy,
            ["recall_score_weighted"] = Weighted(recall),
            ["recall_score_macro"] = macroRecall,
            ["recall_score_micro"] = accuracy,
            ["f1_score_weighted"] = Weighted(f1),
            ["f1_score_macro"] = Macro(f1),
            ["f1_score_micro"] = accuracy,
            ["AUC_weighted"] = validAuc.Length == 0 ? double.NaN : validAuc.Sum(c => auc[c] * support[c]) / validAuc.Sum(c => support[c]),
            ["AUC_macro"] = validAuc.Length == 0 ? double.NaN : validAuc.Average(c => auc[c]),
            ["AUC_micro"] = Auc(microTruth, microScore),
            ["average_precision_score_weighted"] = n == 0 ? double.NaN : present.Sum(c => ap[c] * support[c]) / present.Sum(c => support[c]),
            ["average_precision_score_macro"] = present.Length == 0 ? double.NaN : present.Average(c => ap[c]),
            ["average_precision_score_micro"] = AveragePrecision(microTruth, microScore),
            ["log_loss"] = n == 0 ? double.NaN : -Enumerable.Range(0, n).Average(i => Math.Log(Math.Clamp(probabilities[i][truth[i]], 1e-15, 1))),
            ["matthews_correlation"] = Matthews(confusion, k, n),
            ["weighted_accuracy"] = WeightedAccuracy(tp, support, n),
        };
        var tables = new List<MetricTable>();
        var matrix = new Dictionary<string, double[]>(StringComparer.Ordinal) { ["true_class_index"] = Enumerable.Range(0, k).Select(i => (double)i).ToArray() };
        for (var c = 0; c < k; c++)
        {
            matrix[$"predicted_{classes[c]}"] = Enumerable.Range(0, k).Select(t => confusion[t, c]).ToArray();
        }
        tables.Add(new MetricTable("confusion_matrix", matrix));
        // ROC per class at 21 thresholds (Azure's accuracy_table uses thresholds too).
        var thresholds = Enumerable.Range(0, 21).Select(i => i / 20.0).ToArray();
        var roc = new Dictionary<string, double[]>(StringComparer.Ordinal) { ["threshold"] = thresholds };
        foreach (var c in present)
        {
            var pos = truth.Select(t => t == c).ToArray();
            var scores = probabilities.Select(p => p[c]).ToArray();
            var positives = Math.Max(1, pos.Count(x => x));
            var negatives = Math.Max(1, pos.Count(x => !x));
            roc[$"tpr_{classes[c]}"] = thresholds.Select(th => Enumerable.Range(0, n).Count(i => pos[i] && scores[i] >= th) / (double)positives).ToArray();
            roc[$"fpr_{classes[c]}"] = thresholds.Select(th => Enumerable.Range(0, n).Count(i => !pos[i] && scores[i] >= th) / (double)negatives).ToArray();
        }
        tables.Add(new MetricTable("roc_curve", roc));
        return new MetricSet(values, tables);
    }

    /// <summary>Regression metrics; normalised ones divide by the target's range (<paramref name="range"/>, as Azure: the data's max − min).</summary>
    public static MetricSet Regression(double[] truth, double[] predicted, double range)
    {
        var n = truth.Length;
        range = range > 0 ? range : 1;
        var errors = truth.Zip(predicted, (t, p) => p - t).ToArray();
        var mse = n == 0 ? double.NaN : errors.Average(e => e * e);
        var rmse = Math.Sqrt(mse);
        var mae = n == 0 ? double.NaN : errors.Average(Math.Abs);
        var medae = Median(errors.Select(Math.Abs).ToArray());
        var mean = n == 0 ? 0 : truth.Average();
        var ssTot = truth.Sum(t => (t - mean) * (t - mean));
        var r2 = ssTot > 0 ? 1 - errors.Sum(e => e * e) / ssTot : 0;
        var errMean = n == 0 ? 0 : errors.Average();
        var explained = ssTot > 0 ? 1 - errors.Sum(e => (e - errMean) * (e - errMean)) / ssTot : 0;
        var nonNegative = truth.All(t => t >= 0) && predicted.All(p => p > -1);
        var rmsle = nonNegative && n > 0 ? Math.Sqrt(truth.Zip(predicted, (t, p) => Math.Pow(Math.Log(1 + Math.Max(p, 0)) - Math.Log(1 + t), 2)).Average()) : double.NaN;
        var logRange = nonNegative && n > 0 ? Math.Log(1 + truth.Max()) - Math.Log(1 + truth.Min()) : double.NaN;
        var nonZero = Enumerable.Range(0, n).Where(i => truth[i] != 0).ToArray();
        var values = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["explained_variance"] = explained,
            ["r2_score"] = r2,
            ["mean_absolute_error"] = mae,
            ["median_absolute_error"] = medae,
            ["root_mean_squared_error"] = rmse,
            ["normalized_root_mean_squared_error"] = rmse / range,
            ["normalized_mean_absolute_error"] = mae / range,
            ["normalized_median_absolute_error"] = medae / range,
            ["root_mean_squared_log_error"] = rmsle,
            ["normalized_root_mean_squared_log_error"] = logRange > 0 ? rmsle / logRange : double.NaN,
            ["mean_absolute_percentage_error"] = nonZero.Length == 0 ? double.NaN : 100 * nonZero.Average(i => Math.Abs(errors[i] / truth[i])),
            ["spearman_correlation"] = Spearman(truth, predicted),
        };
        // Residuals as a histogram (Azure's "residuals" chart) and predicted vs true in bins.
        var tables = new List<MetricTable>();
        if (n > 0)
        {
            var lo = errors.Min();
            var hi = errors.Max();
            var bins = 10;
            var width = hi > lo ? (hi - lo) / bins : 1;
            var counts = new double[bins];
            foreach (var e in errors)
            {
                counts[Math.Min(bins - 1, (int)((e - lo) / width))]++;
            }
            tables.Add(new MetricTable("residuals", new Dictionary<string, double[]>(StringComparer.Ordinal)
            {
                ["bin_start"] = Enumerable.Range(0, bins).Select(b => lo + b * width).ToArray(),
                ["bin_end"] = Enumerable.Range(0, bins).Select(b => lo + (b + 1) * width).ToArray(),
                ["count"] = counts,
            }));
            var order = Enumerable.Range(0, n).OrderBy(i => truth[i]).ToArray();
            var chunks = order.Chunk(Math.Max(1, (n + 9) / 10)).ToArray();
            tables.Add(new MetricTable("predicted_true", new Dictionary<string, double[]>(StringComparer.Ordinal)
            {
                ["true_mean"] = chunks.Select(c => c.Average(i => truth[i])).ToArray(),
                ["predicted_mean"] = chunks.Select(c => c.Average(i => predicted[i])).ToArray(),
                ["count"] = chunks.Select(c => (double)c.Length).ToArray(),
            }));
        }
        return new MetricSet(values, tables);
    }

    internal static int ArgMax(double[] v)
    {
        var best = 0;
        for (var i = 1; i < v.Length; i++)
        {
            if (v[i] > v[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>Area under the ROC curve (Mann–Whitney, ties counted half).</summary>
    internal static double Auc(bool[] positive, double[] score)
    {
        var order = Enumerable.Range(0, score.Length).OrderBy(i => score[i]).ToArray();
        var ranks = new double[score.Length];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && score[order[j + 1]] == score[order[i]])
            {
                j++;
            }
            for (var m = i; m <= j; m++)
            {
                ranks[order[m]] = (i + j) / 2.0 + 1;
            }
            i = j + 1;
        }
        var p = positive.Count(x => x);
        var q = positive.Length - p;
        if (p == 0 || q == 0)
        {
            return double.NaN;
        }
        var sum = Enumerable.Range(0, positive.Length).Where(i => positive[i]).Sum(i => ranks[i]);
        return (sum - p * (p + 1) / 2.0) / (p * (double)q);
    }

    /// <summary>Average precision (scikit-learn's step-wise area under precision-recall).</summary>
    internal static double AveragePrecision(bool[] positive, double[] score)
    {
        var total = positive.Count(x => x);
        if (total == 0)
        {
            return double.NaN;
        }
        var order = Enumerable.Range(0, score.Length).OrderByDescending(i => score[i]).ToArray();
        double tp = 0, fp = 0, ap = 0, lastRecall = 0;
        for (var i = 0; i < order.Length; i++)
        {
            if (positive[order[i]])
            {
                tp++;
            }
            else
            {
                fp++;
            }
            if (i + 1 < order.Length && score[order[i + 1]] == score[order[i]])
            {
                continue;
            }
            var recall = tp / total;
            ap += (recall - lastRecall) * (tp / (tp + fp));
            lastRecall = recall;
        }
        return ap;
    }

    private static double Matthews(double[,] c, int k, int n)
    {
        double cov = 0, sp = 0, st = 0;
        var t = new double[k];
        var p = new double[k];
        double correct = 0;
        for (var i = 0; i < k; i++)
        {
            correct += c[i, i];
            for (var j = 0; j < k; j++)
            {
                t[i] += c[i, j];
                p[j] += c[i, j];
            }
        }
        cov = correct * n - t.Zip(p, (a, b) => a * b).Sum();
        sp = n * (double)n - p.Sum(x => x * x);
        st = n * (double)n - t.Sum(x => x * x);
        return sp > 0 && st > 0 ? cov / Math.Sqrt(sp * st) : 0;
    }

    private static double WeightedAccuracy(double[] tp, double[] support, int n)
    {
        // Azure's weighted_accuracy: each sample weighted by its class's share.
        var weights = support.Select(s => n > 0 ? s / n : 0).ToArray();
        var den = support.Zip(weights, (s, w) => s * w).Sum();
        return den > 0 ? tp.Zip(weights, (x, w) => x * w).Sum() / den : 0;
    }

    private static double Median(double[] v)
    {
        if (v.Length == 0)
        {
            return double.NaN;
        }
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static double[] Ranks(double[] v)
    {
        var order = Enumerable.Range(0, v.Length).OrderBy(i => v[i]).ToArray();
        var ranks = new double[v.Length];
        for (var i = 0; i < order.Length;)
        {
            var j = i;
            while (j + 1 < order.Length && v[order[j + 1]] == v[order[i]])
            {
                j++;
            }
            for (var m = i; m <= j; m++)
            {
                ranks[order[m]] = (i + j) / 2.0;
            }
            i = j + 1;
        }
        return ranks;
    }

    internal static double Spearman(double[] a, double[] b)
    {
        if (a.Length < 2)
        {
            return double.NaN;
        }
        var ra = Ranks(a);
        var rb = Ranks(b);
        var ma = ra.Average();
        var mb = rb.Average();
        var cov = ra.Zip(rb, (x, y) => (x - ma) * (y - mb)).Sum();
        var va = ra.Sum(x => (x - ma) * (x - ma));
        var vb = rb.Sum(y => (y - mb) * (y - mb));
        return va > 0 && vb > 0 ? cov / Math.Sqrt(va * vb) : 0;
    }
}
