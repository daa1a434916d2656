namespace AzureMlSdk.Studio.Internal;

/// <summary>
/// Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the first and last points and, from each of
/// <c>threshold - 2</c> buckets between them, the point that makes the largest triangle with the previous kept point and
/// the next bucket's average — the shape of a curve survives with a few thousand points out of millions.
/// </summary>
internal static class Lttb
{
    /// <summary>The indices (ascending) of the points to keep; all of them when there are no more than <paramref name="threshold"/>.</summary>
    public static int[] Select(IReadOnlyList<double> x, IReadOnlyList<double> y, int threshold)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var n = x.Count;
        if (y.Count != n)
        {
            throw new ArgumentException("x and y differ in length.", nameof(y));
        }
        if (threshold >= n)
        {
            return [.. Enumerable.Range(0, n)];
        }
        if (threshold < 3)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "LTTB keeps at least 3 points (first, one per bucket, last).");
        }
        var kept = new int[threshold];
        var every = (double)(n - 2) / (threshold - 2);
        var a = 0;
        kept[0] = 0;
        for (var i = 0; i < threshold - 2; i++)
        {
            // The average of the next bucket (the last point for the last bucket).
            var nextStart = (int)Math.Floor((i + 1) * every) + 1;
            var nextEnd = Math.Min((int)Math.Floor((i + 2) * every) + 1, n);
            double avgX = 0, avgY = 0;
            var count = nextEnd - nextStart;
            if (count <= 0)
            {
                avgX = x[n - 1];
                avgY = y[n - 1];
            }
            else
            {
                for (var j = nextStart; j < nextEnd; j++)
                {
                    avgX += x[j];
                    avgY += y[j];
                }
                avgX /= count;
                avgY /= count;
            }

            var start = (int)Math.Floor(i * every) + 1;
            var end = Math.Min((int)Math.Floor((i + 1) * every) + 1, n - 1);
            double ax = x[a], ay = y[a];
            var best = start;
            var bestArea = -1.0;
            for (var j = start; j < end; j++)
            {
                var area = Math.Abs(((ax - avgX) * (y[j] - ay)) - ((ax - x[j]) * (avgY - ay)));
                if (area > bestArea || double.IsNaN(bestArea))
                {
                    bestArea = area;
                    best = j;
                }
            }
            kept[i + 1] = best;
            a = best;
        }
        kept[threshold - 1] = n - 1;
        return kept;
    }
}
