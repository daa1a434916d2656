namespace AzureMlSdk.Tests;

public class ValidateTests
{
    [Theory]
    [InlineData("iris")]
    [InlineData("iris-classifier_2")]
    [InlineData("A")]
    [InlineData("iris.v2")]
    [InlineData("org.team.iris-classifier_1")]
    public void Model_names_following_the_ARM_pattern_are_accepted(string name) =>
        Assert.Equal(name, Validate.ModelName(name));

    [Theory]
    [InlineData("")]
    [InlineData("-iris")]
    [InlineData("iris.")]
    [InlineData(".iris")]
    [InlineData("iris classifier")]
    public void Model_names_outside_the_ARM_pattern_are_rejected_naming_the_value(string name)
    {
        var ex = Assert.Throws<InvalidInputException>(() => Validate.ModelName(name));
        Assert.Equal(AzureMlErrorCodes.InvalidParameterValue, ex.ErrorCode);
        Assert.Equal(400, ex.Status);
        if (name.Length > 0)
        {
            Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Model_name_of_256_characters_is_rejected() =>
        Assert.Throws<InvalidInputException>(() => Validate.ModelName(new string('a', 256)));

    [Theory]
    [InlineData("../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("C:/x")]
    [InlineData("a/../../b")]
    public void Artifact_paths_escaping_the_run_are_rejected(string path) =>
        Assert.Throws<InvalidInputException>(() => Validate.ArtifactPath(path));

    [Fact]
    public void Artifact_paths_are_normalised_to_forward_slashes() =>
        Assert.Equal("outputs/model.onnx", Validate.ArtifactPath("outputs\\model.onnx"));

    [Fact]
    public void Keys_longer_than_250_characters_are_rejected()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Validate.Key(new string('k', 251), "metric"));
        Assert.Contains("250", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("lr")]
    [InlineData("train/loss")]
    [InlineData("val acc:top-1")]
    [InlineData("a..b")] // MLflow's path_not_unique: '..' inside a segment names itself
    [InlineData("métrica/ошибка")]
    public void MLflow_keys_are_accepted(string key) => Assert.Equal(key, Validate.Key(key, "metric"));

    [Theory]
    [InlineData("a/../b")]
    [InlineData("../up")]
    [InlineData("./here")]
    [InlineData("a/./b")]
    [InlineData("a//b")]
    [InlineData("trailing/")]
    [InlineData("/abs")]
    [InlineData("bad$key")]
    public void Bad_MLflow_keys_are_rejected(string key) =>
        Assert.Throws<InvalidInputException>(() => Validate.Key(key, "metric"));

    [Theory]
    [InlineData("Expérience")]
    [InlineData("实验-1")]
    [InlineData("exp.v2_final")]
    public void Experiment_names_may_use_letters_of_any_script(string name) => Assert.Equal(name, Validate.ExperimentName(name));

    [Theory]
    [InlineData("-lead")]
    [InlineData("has space")]
    [InlineData("a/b")]
    public void Experiment_names_keep_their_other_rules(string name) =>
        Assert.Throws<InvalidInputException>(() => Validate.ExperimentName(name));

    [Theory]
    [InlineData("latest")]
    [InlineData("v3")]
    [InlineData("has space")]
    public void Reserved_or_malformed_aliases_are_rejected(string alias) =>
        Assert.Throws<InvalidInputException>(() => Validate.Alias(alias));

    [Theory]
    [InlineData("FINISHED", RunStatus.Completed)]
    [InlineData("killed", RunStatus.Canceled)]
    [InlineData("Completed", RunStatus.Completed)]
    [InlineData("running", RunStatus.Running)]
    public void Run_status_parses_Azure_ML_and_MLflow_names(string text, RunStatus expected) =>
        Assert.Equal(expected, RunStatusExtensions.ParseRunStatus(text));

    [Fact]
    public void Unknown_run_status_is_rejected() =>
        Assert.Throws<InvalidInputException>(() => RunStatusExtensions.ParseRunStatus("Done"));
}
