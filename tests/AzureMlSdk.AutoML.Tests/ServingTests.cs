using System.Text.Json;
using AzureMlSdk.AutoML.Bench;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace AzureMlSdk.AutoML.Tests;

/// <summary>The best model deploys to a local online endpoint and answers raw column values with the target's own values, as ML.NET predicts.</summary>
public sealed class ServingTests
{
    [Fact]
    public async Task The_best_model_is_registered_deployed_and_answers_like_mlnet_with_unseen_categories_handled()
    {
        await using var t = new TestFolder();
        var (train, test) = SyntheticData.Split(SyntheticData.Churn(300));
        var job = AutoMLJob.Classification(Input.UriFile(t.Write("train.csv", train)), "churn", experimentName: "serve");
        job = new AutoMLJob
        {
            Task = job.Task,
            TrainingData = job.TrainingData,
            TargetColumnName = job.TargetColumnName,
            ExperimentName = "serve",
            ValidationDataSize = 0.2,
            Limits = new AutoMLLimits { MaxTrials = 4, TimeoutMinutes = 2 },
            Training = new AutoMLTraining { AllowedTrainingAlgorithms = ["LightGBM", "LogisticRegression"], EnableVoteEnsemble = false },
        };
        var result = await AutoMLRunner.RunAsync(t.Workspace, job);
        var model = await result.RegisterBestModelAsync("churn-model");
        Assert.Equal(ModelFramework.Onnx, model.Framework);

        var endpoint = await t.Workspace.CreateOrUpdateEndpointAsync(new OnlineEndpointSpec("churn-ep"));
        await endpoint.DeployAsync(new OnlineDeploymentSpec("blue", model) { AllTraffic = true });

        // Held-out rows by their raw values (strings for categories, numbers for numbers, dates as their parts); one unseen region.
        var lines = test.TrimEnd('\n').Split('\n');
        var header = lines[0].Split(',');
        var rows = lines.Skip(1).Select(l => l.Split(',')).Where(r => r[Array.IndexOf(header, "age")].Length > 0).Take(8).ToList();
        rows[0][Array.IndexOf(header, "region")] = "a-region-never-seen";
        var bestRun = await t.Workspace.GetRunAsync(result.Best.RunId);
        var dir = Path.Combine(t.Path, "best");
        await bestRun.DownloadFilesAsync("outputs", dir);
        var ml = new MLContext(1);
        var mlModel = ml.Model.Load(Path.Combine(dir, "outputs", "model.zip"), out var schema);
        var inputs = schema.Select(c => c.Name).ToList();
        var data = rows.Select(r => inputs.Select(input => Raw(header, r, input, schema[input].Type is TextDataViewType)).ToArray()).ToList();
        var request = JsonSerializer.Serialize(new { input_data = new { columns = inputs, data } });
        var reply = JsonDocument.Parse(await endpoint.InvokeAsync(request)).RootElement.GetProperty("predictions");
        var labels = reply.GetProperty("label").EnumerateArray().Select(r => r[0].GetString()!).ToList();
        var probabilities = reply.GetProperty("probabilities").EnumerateArray().Select(r => r.EnumerateArray().Select(p => p.GetDouble()).ToArray()).ToList();
        Assert.Equal(8, labels.Count);
        Assert.All(labels, l => Assert.Contains(l, new[] { "yes", "no" }));
        Assert.All(probabilities, p => Assert.Equal(2, p.Length));

        // The training columns as they are in the CSV file — the raw date, an empty age as null, the target and the id too — answer the same.
        var rawData = rows.Select(r => header.Select((h, c) => h is "plan" or "region" or "signup" or "customer_id" or "churn" ? (object?)r[c]
            : r[c].Length == 0 ? null : double.Parse(r[c], System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        rawData[1][Array.IndexOf(header, "age")] = null;
        var rawReply = JsonDocument.Parse(await endpoint.InvokeAsync(JsonSerializer.Serialize(new { input_data = new { columns = header, data = rawData } }))).RootElement.GetProperty("predictions");
        Assert.Equal(labels.Skip(2), rawReply.GetProperty("label").EnumerateArray().Skip(2).Select(r => r[0].GetString()!));
        Assert.Equal(labels[0], rawReply.GetProperty("label")[0][0].GetString());
        var badRequest = await Assert.ThrowsAnyAsync<AzureMlException>(() => endpoint.InvokeAsync(JsonSerializer.Serialize(new { input_data = new { columns = new[] { "age", "plan" }, data = new[] { new object[] { 30, "basic" } } } })));
        Assert.Contains("'region'", badRequest.Message, StringComparison.Ordinal);

        // The same rows through the ML.NET model of the same trial: the same classes, the same probabilities.
        var frame = new Microsoft.Data.Analysis.DataFrame();
        for (var c = 0; c < inputs.Count; c++)
        {
            var column = c;
            frame.Columns.Add(schema[inputs[c]].Type is TextDataViewType
                ? new Microsoft.Data.Analysis.StringDataFrameColumn(inputs[c], data.Select(r => (string)r[column]))
                : new Microsoft.Data.Analysis.PrimitiveDataFrameColumn<float>(inputs[c], data.Select(r => Convert.ToSingle(r[column], System.Globalization.CultureInfo.InvariantCulture))));
        }
        var predicted = mlModel.Transform(frame);
        Assert.Equal(predicted.GetColumn<ReadOnlyMemory<char>>("PredictedLabel").Select(v => v.ToString()), labels);
        var scores = predicted.GetColumn<float[]>("Score").ToList();
        for (var i = 0; i < scores.Count; i++)
        {
            for (var k = 0; k < 2; k++)
            {
                Assert.Equal(scores[i][k], probabilities[i][k], 4);
            }
        }
    }

    private static object Raw(string[] header, string[] row, string input, bool text)
    {
        var i = Array.IndexOf(header, input);
        if (i >= 0)
        {
            return text ? row[i] : double.Parse(row[i], System.Globalization.CultureInfo.InvariantCulture);
        }
        // A date part input: <column>_<part>.
        var cut = input.LastIndexOf('_');
        var date = DateTime.Parse(row[Array.IndexOf(header, input[..cut])], System.Globalization.CultureInfo.InvariantCulture);
        return input[(cut + 1)..] switch
        {
            "year" => date.Year,
            "month" => date.Month,
            "day" => date.Day,
            "dayofweek" => (int)date.DayOfWeek,
            _ => date.Hour,
        };
    }
}
