using System.Globalization;
using System.Text;

namespace AzureMlSdk.AutoML.Bench;

/// <summary>
/// Small tabular data sets generated with a fixed seed (no download): a binary "churn" table with numbers, missing values,
/// categories (low and high cardinality) and dates; a 3-class "iris-like" table; a regression "house prices" table; and a
/// daily sales series with trend and weekly seasonality. Each is written as CSV.
/// </summary>
public static class SyntheticData
{
    private static string N(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);

    /// <summary>Binary classification: target <c>churn</c> (yes/no).</summary>
    public static string Churn(int rows, int seed = 1)
    {
        var r = new Random(seed);
        var sb = new StringBuilder("customer_id,age,plan,region,signup,monthly_charges,support_calls,churn\n");
        string[] plans = ["basic", "plus", "pro"];
        for (var i = 0; i < rows; i++)
        {
            var age = 18 + r.Next(60);
            var plan = plans[r.Next(3)];
            var region = "r" + r.Next(60).ToString(CultureInfo.InvariantCulture);
            var signup = new DateTime(2020, 1, 1).AddDays(r.Next(1400));
            var charges = 20 + r.NextDouble() * 80;
            var calls = r.Next(8);
            var regionEffect = (int.Parse(region[1..], CultureInfo.InvariantCulture) % 5 - 2) * 0.3;
            var logit = -2.0 + 0.045 * charges - 0.03 * (age - 40) + 0.45 * calls + (plan == "basic" ? 0.8 : plan == "pro" ? -0.9 : 0) + regionEffect
                + (signup.Year >= 2023 ? 0.7 : 0) + Normal(r) * 0.6;
            var churn = logit > 1.2 ? "yes" : "no";
            var ageText = r.NextDouble() < 0.08 ? "" : age.ToString(CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"c{i},{ageText},{plan},{region},{signup:yyyy-MM-dd},{N(charges)},{calls},{churn}\n");
        }
        return sb.ToString();
    }

    /// <summary>Multiclass: target <c>species</c> (three classes) from four measurements.</summary>
    public static string Iris(int rows, int seed = 2)
    {
        var r = new Random(seed);
        var sb = new StringBuilder("sepal_length,sepal_width,petal_length,petal_width,species\n");
        (string Name, double[] Mean)[] classes = [("setosa", [5.0, 3.4, 1.5, 0.25]), ("versicolor", [5.9, 2.8, 4.3, 1.3]), ("virginica", [6.6, 3.0, 5.5, 2.0])];
        for (var i = 0; i < rows; i++)
        {
            var (name, mean) = classes[i % 3];
            var v = mean.Select(m => m + Normal(r) * 0.45 * (0.4 + m / 6)).ToArray();
            sb.Append(CultureInfo.InvariantCulture, $"{N(v[0])},{N(v[1])},{N(v[2])},{N(v[3])},{name}\n");
        }
        return sb.ToString();
    }

    /// <summary>Regression: target <c>price</c> with non-linear effects and a categorical neighbourhood.</summary>
    public static string Houses(int rows, int seed = 3)
    {
        var r = new Random(seed);
        var sb = new StringBuilder("area,rooms,age,distance,neighbourhood,price\n");
        string[] hoods = ["north", "south", "east", "west", "centre"];
        double[] premium = [20, -10, 0, 5, 60];
        for (var i = 0; i < rows; i++)
        {
            var area = 40 + r.NextDouble() * 160;
            var rooms = 1 + (int)(area / 35) + r.Next(2);
            var age = r.Next(80);
            var distance = r.NextDouble() * 20;
            var h = r.Next(5);
            var price = 50 + 1.8 * area + 12 * rooms - 0.02 * age * age + 40 * Math.Exp(-distance / 4) + premium[h] + (area > 150 && h == 4 ? 80 : 0) + Normal(r) * 15;
            sb.Append(CultureInfo.InvariantCulture, $"{N(area)},{rooms},{age},{N(distance)},{hoods[h]},{N(price)}\n");
        }
        return sb.ToString();
    }

    /// <summary>Forecasting: a daily <c>sales</c> series with trend, weekly seasonality and a promo flag.</summary>
    public static string Sales(int days, int seed = 4)
    {
        var r = new Random(seed);
        var sb = new StringBuilder("date,promo,sales\n");
        double level = 100;
        double[] weekly = [0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 1.2];
        for (var d = 0; d < days; d++)
        {
            var date = new DateTime(2024, 1, 1).AddDays(d);
            level = level * 1.002 + Normal(r) * 1.5;
            var promo = r.NextDouble() < 0.15 ? 1 : 0;
            var sales = level * weekly[(int)date.DayOfWeek] + promo * 25 + Normal(r) * 4;
            sb.Append(CultureInfo.InvariantCulture, $"{date:yyyy-MM-dd},{promo},{N(sales)}\n");
        }
        return sb.ToString();
    }

    /// <summary>Splits CSV text into a training part and a held-out part (every <paramref name="every"/>-th row held out).</summary>
    public static (string Train, string Test) Split(string csv, int every = 5)
    {
        var lines = csv.TrimEnd('\n').Split('\n');
        var train = new StringBuilder(lines[0]).Append('\n');
        var test = new StringBuilder(lines[0]).Append('\n');
        for (var i = 1; i < lines.Length; i++)
        {
            (i % every == 0 ? test : train).Append(lines[i]).Append('\n');
        }
        return (train.ToString(), test.ToString());
    }

    private static double Normal(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
