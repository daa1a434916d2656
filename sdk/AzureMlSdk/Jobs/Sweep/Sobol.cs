namespace AzureMlSdk.Jobs.Sweep;

/// <summary>
/// The Sobol low-discrepancy sequence (Gray-code construction, Joe and Kuo's primitive polynomials and initial direction
/// numbers for the first 21 dimensions), optionally scrambled by a random digital shift (XOR with one random word per
/// dimension), which keeps the sequence's stratification: the first 2^k points fall one in each interval [j/2^k, (j+1)/2^k)
/// of every coordinate.
/// </summary>
internal sealed class Sobol
{
    private const int Bits = 52;

    /// <summary>The most dimensions this generator has direction numbers for.</summary>
    public const int MaxDimensions = 21;

    // (degree s, polynomial coefficients a, initial m_1..m_s) for dimensions 2..21 (dimension 1 is the van der Corput sequence).
    private static readonly (int S, int A, int[] M)[] Table =
    [
        (1, 0, [1]),
        (2, 1, [1, 3]),
        (3, 1, [1, 3, 1]),
        (3, 2, [1, 1, 1]),
        (4, 1, [1, 1, 3, 3]),
        (4, 4, [1, 3, 5, 13]),
        (5, 2, [1, 1, 5, 5, 17]),
        (5, 4, [1, 1, 5, 5, 5]),
        (5, 7, [1, 1, 7, 11, 19]),
        (5, 11, [1, 1, 5, 1, 1]),
        (5, 13, [1, 1, 1, 3, 11]),
        (5, 14, [1, 3, 5, 5, 31]),
        (6, 1, [1, 3, 3, 9, 7, 49]),
        (6, 13, [1, 1, 1, 15, 21, 21]),
        (6, 16, [1, 3, 1, 13, 27, 49]),
        (6, 19, [1, 1, 1, 15, 7, 5]),
        (6, 22, [1, 3, 1, 15, 13, 25]),
        (6, 25, [1, 1, 5, 5, 19, 61]),
        (7, 1, [1, 3, 7, 11, 23, 15, 103]),
        (7, 4, [1, 3, 7, 13, 13, 15, 69]),
    ];

    private readonly ulong[][] _directions;
    private readonly ulong[] _shift;

    public Sobol(int dimensions, int? seed)
    {
        if (dimensions is < 1 or > MaxDimensions)
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, $"Sobol sampling supports 1 to {MaxDimensions} parameters.");
        }
        Dimensions = dimensions;
        _directions = new ulong[dimensions][];
        for (var d = 0; d < dimensions; d++)
        {
            var v = new ulong[Bits + 1];
            if (d == 0)
            {
                for (var i = 1; i <= Bits; i++)
                {
                    v[i] = 1UL << (Bits - i);
                }
            }
            else
            {
                var (s, a, m) = Table[d - 1];
                for (var i = 1; i <= Math.Min(s, Bits); i++)
                {
                    v[i] = (ulong)m[i - 1] << (Bits - i);
                }
                for (var i = s + 1; i <= Bits; i++)
                {
                    v[i] = v[i - s] ^ (v[i - s] >> s);
                    for (var k = 1; k < s; k++)
                    {
                        v[i] ^= ((ulong)(a >> (s - 1 - k)) & 1UL) * v[i - k];
                    }
                }
            }
            _directions[d] = v;
        }
        _shift = new ulong[dimensions];
        if (seed is { } s0)
        {
            var random = new Random(s0);
            for (var d = 0; d < dimensions; d++)
            {
                _shift[d] = (ulong)random.NextInt64() & ((1UL << Bits) - 1);
            }
        }
    }

    public int Dimensions { get; }

    /// <summary>The <paramref name="index"/>-th point (0-based; point 0 is the origin before scrambling), each coordinate in [0, 1).</summary>
    public double[] Point(long index)
    {
        var gray = (ulong)index ^ ((ulong)index >> 1);
        var point = new double[Dimensions];
        for (var d = 0; d < Dimensions; d++)
        {
            ulong x = 0;
            var g = gray;
            for (var bit = 1; g != 0; bit++, g >>= 1)
            {
                if ((g & 1) != 0)
                {
                    x ^= _directions[d][bit];
                }
            }
            point[d] = (x ^ _shift[d]) / (double)(1UL << Bits);
        }
        return point;
    }
}
