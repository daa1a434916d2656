namespace AzureMlSdk.Tests.Jobs.Pipeline;

/// <summary>
/// Two pipelines are equal when every part a pipeline YAML can say is equal: common keys, inputs, outputs, settings, and each
/// step (kind, component, common keys, inputs, outputs, environment variables; for inline commands also command, code,
/// environment, limits). Shared with the studio's designer tests.
/// </summary>
public static class PipelineAssert
{
    public static void Equal(PipelineJob expected, PipelineJob actual)
    {
        Common(expected, actual, "pipeline");
        Dictionary(expected.Inputs, actual.Inputs, "inputs");
        Dictionary(expected.Outputs, actual.Outputs, "outputs");
        Assert.Equal(expected.Settings.DefaultCompute, actual.Settings.DefaultCompute);
        Assert.Equal(expected.Settings.DefaultDatastore, actual.Settings.DefaultDatastore);
        Assert.Equal(expected.Settings.ContinueOnStepFailure, actual.Settings.ContinueOnStepFailure);
        Assert.Equal(expected.Settings.ForceRerun, actual.Settings.ForceRerun);
        Assert.Equal(expected.Jobs.Keys, actual.Jobs.Keys);
        foreach (var (name, step) in expected.Jobs)
        {
            var other = actual.Jobs[name];
            Assert.Equal(step.GetType(), other.GetType());
            Common(step, other, $"jobs.{name}");
            switch (step)
            {
                case PipelineComponentJob c:
                    var oc = (PipelineComponentJob)other;
                    Assert.Equal(c.Component, oc.Component);
                    Dictionary(c.Inputs, oc.Inputs, $"jobs.{name}.inputs");
                    Dictionary(c.Outputs, oc.Outputs, $"jobs.{name}.outputs");
                    Dictionary(c.EnvironmentVariables, oc.EnvironmentVariables, $"jobs.{name}.environment_variables");
                    break;
                case CommandJob j:
                    var oj = (CommandJob)other;
                    Assert.Equal(j.Command, oj.Command);
                    Assert.Equal(j.Code, oj.Code);
                    Assert.Equal(j.Environment, oj.Environment);
                    Assert.Equal(j.Limits, oj.Limits);
                    Dictionary(j.Inputs, oj.Inputs, $"jobs.{name}.inputs");
                    Dictionary(j.Outputs, oj.Outputs, $"jobs.{name}.outputs");
                    Dictionary(j.EnvironmentVariables, oj.EnvironmentVariables, $"jobs.{name}.environment_variables");
                    break;
            }
        }
    }

    private static void Common(JobDefinition expected, JobDefinition actual, string at)
    {
        Assert.True(expected.Name == actual.Name, $"{at}.name: {expected.Name} != {actual.Name}");
        Assert.True(expected.DisplayName == actual.DisplayName, $"{at}.display_name: {expected.DisplayName} != {actual.DisplayName}");
        Assert.True(expected.ExperimentName == actual.ExperimentName, $"{at}.experiment_name: {expected.ExperimentName} != {actual.ExperimentName}");
        Assert.True(expected.Description == actual.Description, $"{at}.description: {expected.Description} != {actual.Description}");
        Assert.True(expected.Compute == actual.Compute, $"{at}.compute: {expected.Compute} != {actual.Compute}");
        Dictionary(expected.Tags, actual.Tags, at + ".tags");
        Dictionary(expected.Properties, actual.Properties, at + ".properties");
    }

    private static void Dictionary<T>(IDictionary<string, T> expected, IDictionary<string, T> actual, string at)
    {
        Assert.True(expected.Keys.Order(StringComparer.Ordinal).SequenceEqual(actual.Keys.Order(StringComparer.Ordinal)),
            $"{at}: keys [{string.Join(", ", expected.Keys)}] != [{string.Join(", ", actual.Keys)}]");
        foreach (var (key, value) in expected)
        {
            Assert.True(Equals(value, actual[key]), $"{at}.{key}: {Show(value)} != {Show(actual[key])}");
        }
    }

    private static string Show(object? value) => value switch
    {
        Input i => $"{i.Type} {i.Value?.GetType().Name}:{i.Value} path={i.Path} mode={i.Mode} desc={i.Description}",
        _ => value?.ToString() ?? "null",
    };
}
