using AzureMlSdk.Studio.Internal;

namespace AzureMlSdk.Studio.Tests;

public sealed class LttbTests
{
    [Fact]
    public void Short_series_are_kept_whole()
    {
        double[] x = [0, 1, 2, 3];
        Assert.Equal([0, 1, 2, 3], Lttb.Select(x, x, 10));
    }

    [Fact]
    public void It_keeps_the_threshold_count_the_ends_and_ascending_indices()
    {
        var n = 100_000;
        var x = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var y = x.Select(v => Math.Sin(v / 500)).ToArray();
        var kept = Lttb.Select(x, y, 1000);
        Assert.Equal(1000, kept.Length);
        Assert.Equal(0, kept[0]);
        Assert.Equal(n - 1, kept[^1]);
        Assert.True(kept.Zip(kept.Skip(1)).All(p => p.First < p.Second));
    }

    [Fact]
    public void A_single_spike_survives()
    {
        var x = Enumerable.Range(0, 10_000).Select(i => (double)i).ToArray();
        var y = new double[x.Length];
        y[7_777] = 100;
        Assert.Contains(7_777, Lttb.Select(x, y, 50));
    }

    [Fact]
    public void Bad_arguments_are_refused()
    {
        double[] x = [0, 1, 2, 3, 4];
        Assert.Throws<ArgumentOutOfRangeException>(() => Lttb.Select(x, x, 2));
        Assert.Throws<ArgumentException>(() => Lttb.Select(x, [1.0], 3));
    }
}
