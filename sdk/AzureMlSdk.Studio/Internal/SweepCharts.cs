using System.Globalization;
using System.Text;
using static AzureMlSdk.Studio.Internal.Html;

namespace AzureMlSdk.Studio.Internal;

/// <summary>
/// Charts for many runs at once (sweeps): parallel coordinates over numeric params and latest metrics, and a scatter of each
/// numeric param against one metric. Drawn on the server as SVG (no script), each with role="img" and an aria-label.
/// </summary>
internal static class SweepCharts
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Label(Run r) => string.IsNullOrEmpty(r.DisplayName) ? r.Id : r.DisplayName;

    private sealed record Axis(string Name, string Kind, double?[] Values, double Min, double Max);

    /// <summary>Numeric params (every value that is present parses as a number, and they are not all equal).</summary>
    private static List<Axis> Axes(IReadOnlyList<Run> runs)
    {
        var axes = new List<Axis>();
        foreach (var key in runs.SelectMany(r => r.Params.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var values = runs.Select(r => r.Params.TryGetValue(key, out var s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : (double?)null).ToArray();
            var present = runs.Count(r => r.Params.ContainsKey(key));
            if (values.Count(v => v is not null) == present && present >= 2)
            {
                Add(axes, key, "param", values);
            }
        }
        foreach (var key in runs.SelectMany(r => r.LatestMetrics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            Add(axes, key, "metric", [.. runs.Select(r => r.LatestMetrics.TryGetValue(key, out var p) && double.IsFinite(p.Value) ? p.Value : (double?)null)]);
        }
        return axes;
    }

    private static void Add(List<Axis> axes, string name, string kind, double?[] values)
    {
        var known = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        if (known.Count < 2)
        {
            return;
        }
        axes.Add(new Axis(name, kind, values, known.Min(), known.Max()));
    }

    private static double Scale(double v, double min, double max, double from, double to) =>
        max > min ? from + ((v - min) / (max - min) * (to - from)) : (from + to) / 2;

    public static void Append(StringBuilder sb, IReadOnlyList<Run> runs, string? metric)
    {
        var axes = Axes(runs);
        var paramAxes = axes.Where(a => a.Kind == "param").ToList();
        var metricAxes = axes.Where(a => a.Kind == "metric").ToList();
        if (axes.Count < 2)
        {
            return;
        }
        sb.Append("<section><h2>Sweep view</h2>");

        // Parallel coordinates: at most 10 axes, params first.
        var shown = paramAxes.Take(6).Concat(metricAxes.Take(10 - Math.Min(6, paramAxes.Count))).ToList();
        const int Ht = 280, Top = 40, Bottom = 30, Left = 60, Gap = 140;
        var width = Left * 2 + (Gap * (shown.Count - 1));
        var label = $"Parallel coordinates of {runs.Count} runs over " + string.Join(", ", shown.Select(a => $"{a.Kind} {a.Name}"));
        sb.Append("<figure class=\"svg-chart\"><svg id=\"parallel-coordinates\" role=\"img\" aria-label=\"").Append(H(label)).Append("\" viewBox=\"0 0 ").Append(width).Append(' ').Append(Ht).Append("\" width=\"").Append(width).Append("\" height=\"").Append(Ht).Append("\">");
        for (var i = 0; i < shown.Count; i++)
        {
            var x = Left + (i * Gap);
            var a = shown[i];
            sb.Append("<line x1=\"").Append(x).Append("\" y1=\"").Append(Top).Append("\" x2=\"").Append(x).Append("\" y2=\"").Append(Ht - Bottom).Append("\" stroke=\"#888\"/>")
              .Append("<text x=\"").Append(x).Append("\" y=\"16\" text-anchor=\"middle\" font-weight=\"600\">").Append(H(a.Name)).Append("</text>")
              .Append("<text x=\"").Append(x).Append("\" y=\"30\" text-anchor=\"middle\" font-size=\"11\" fill=\"#666\">").Append(a.Kind).Append("</text>")
              .Append("<text x=\"").Append(x + 4).Append("\" y=\"").Append(Top + 4).Append("\" font-size=\"11\">").Append(H(Num(a.Max))).Append("</text>")
              .Append("<text x=\"").Append(x + 4).Append("\" y=\"").Append(Ht - Bottom + 12).Append("\" font-size=\"11\">").Append(H(Num(a.Min))).Append("</text>");
        }
        for (var r = 0; r < runs.Count; r++)
        {
            sb.Append("<g class=\"pc-run\"><title>").Append(H(Label(runs[r]))).Append("</title>");
            var segment = new List<string>();
            void Flush()
            {
                if (segment.Count > 1)
                {
                    sb.Append("<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"").Append(Palette[r % Palette.Length]).Append("\" points=\"").Append(string.Join(' ', segment)).Append("\"/>");
                }
                segment.Clear();
            }
            for (var i = 0; i < shown.Count; i++)
            {
                if (shown[i].Values[r] is { } v)
                {
                    segment.Add($"{F(Left + (i * Gap))},{F(Scale(v, shown[i].Min, shown[i].Max, Ht - Bottom, Top))}");
                }
                else
                {
                    Flush();
                }
            }
            Flush();
            sb.Append("</g>");
        }
        sb.Append("</svg><figcaption>Parallel coordinates (one line per run; hover a line for its run)</figcaption></figure>");

        // Scatter: each numeric param against one metric.
        var target = metricAxes.FirstOrDefault(a => a.Name == metric) ?? metricAxes.FirstOrDefault();
        if (target is null || paramAxes.Count == 0)
        {
            sb.Append("</section>");
            return;
        }
        sb.Append("<form method=\"get\" class=\"scatter-metric\"><input type=\"hidden\" name=\"runs\" value=\"").Append(H(string.Join(",", runs.Select(r => r.Id)))).Append("\">")
          .Append("<label for=\"scatter-metric\">Scatter against metric</label> <select id=\"scatter-metric\" name=\"metric\">");
        foreach (var m in metricAxes)
        {
            sb.Append("<option").Append(m == target ? " selected" : string.Empty).Append(" value=\"").Append(H(m.Name)).Append("\">").Append(H(m.Name)).Append("</option>");
        }
        sb.Append("</select> <button type=\"submit\">Show</button></form><div class=\"scatters\">");
        const int SW = 320, SH = 240, Pad = 44;
        foreach (var p in paramAxes.Take(8))
        {
            var points = Enumerable.Range(0, runs.Count).Where(i => p.Values[i] is not null && target.Values[i] is not null).ToList();
            sb.Append("<figure class=\"svg-chart\"><svg class=\"scatter\" role=\"img\" aria-label=\"").Append(H($"Scatter of metric {target.Name} against param {p.Name}, {points.Count} runs"))
              .Append("\" data-points=\"").Append(points.Count).Append("\" viewBox=\"0 0 ").Append(SW).Append(' ').Append(SH).Append("\" width=\"").Append(SW).Append("\" height=\"").Append(SH).Append("\">")
              .Append("<rect x=\"").Append(Pad).Append("\" y=\"10\" width=\"").Append(SW - Pad - 10).Append("\" height=\"").Append(SH - Pad - 10).Append("\" fill=\"none\" stroke=\"#ccc\"/>")
              .Append("<text x=\"").Append(SW / 2).Append("\" y=\"").Append(SH - 6).Append("\" text-anchor=\"middle\">").Append(H(p.Name)).Append("</text>")
              .Append("<text x=\"12\" y=\"").Append(SH / 2).Append("\" text-anchor=\"middle\" transform=\"rotate(-90 12 ").Append(SH / 2).Append(")\">").Append(H(target.Name)).Append("</text>")
              .Append("<text x=\"").Append(Pad).Append("\" y=\"").Append(SH - Pad + 14).Append("\" font-size=\"10\">").Append(H(Num(p.Min))).Append("</text>")
              .Append("<text x=\"").Append(SW - 10).Append("\" y=\"").Append(SH - Pad + 14).Append("\" font-size=\"10\" text-anchor=\"end\">").Append(H(Num(p.Max))).Append("</text>")
              .Append("<text x=\"").Append(Pad - 4).Append("\" y=\"").Append(SH - Pad).Append("\" font-size=\"10\" text-anchor=\"end\">").Append(H(Num(target.Min))).Append("</text>")
              .Append("<text x=\"").Append(Pad - 4).Append("\" y=\"18\" font-size=\"10\" text-anchor=\"end\">").Append(H(Num(target.Max))).Append("</text>");
            foreach (var i in points)
            {
                var cx = Scale(p.Values[i]!.Value, p.Min, p.Max, Pad + 8, SW - 18);
                var cy = Scale(target.Values[i]!.Value, target.Min, target.Max, SH - Pad - 8, 18);
                sb.Append("<circle r=\"4\" cx=\"").Append(F(cx)).Append("\" cy=\"").Append(F(cy)).Append("\" fill=\"").Append(Palette[i % Palette.Length]).Append("\"><title>")
                  .Append(H($"{Label(runs[i])}: {p.Name} = {Num(p.Values[i]!.Value)}, {target.Name} = {Num(target.Values[i]!.Value)}")).Append("</title></circle>");
            }
            sb.Append("</svg><figcaption>").Append(H(target.Name)).Append(" vs ").Append(H(p.Name)).Append("</figcaption></figure>");
        }
        sb.Append("</div></section>");
    }
}
