namespace AzureMlSdk.Tests.Jobs;

public sealed class CommandTemplateTests
{
    private static readonly Dictionary<string, string> NoValues = [];

    [Fact]
    public void Placeholders_are_parsed_with_kind_name_and_position()
    {
        var t = CommandTemplate.Parse("python a.py --x ${{inputs.x}} --out ${{ outputs.model }} --lr ${{search_space.lr}}");
        Assert.Equal(3, t.Placeholders.Count);
        Assert.Equal(new CommandPlaceholder(PlaceholderKind.Input, "x", 16, 13, false), t.Placeholders[0]);
        Assert.Equal(PlaceholderKind.Output, t.Placeholders[1].Kind);
        Assert.Equal("${{outputs.model}}", t.Placeholders[1].Expression);
        Assert.Equal(PlaceholderKind.SearchSpace, t.Placeholders[2].Kind);
        Assert.Equal(["x"], t.Names(PlaceholderKind.Input));
    }

    [Fact]
    public void Render_substitutes_every_placeholder_and_keeps_the_rest_verbatim()
    {
        var t = CommandTemplate.Parse("echo '${{inputs.a}}' $HOME ${{inputs.a}}>${{outputs.o}}/x {not} $[a] ${notplaceholder}");
        var result = t.Render(new Dictionary<string, string> { ["a"] = "1" }, new Dictionary<string, string> { ["o"] = "/out" });
        Assert.Equal("echo '1' $HOME 1>/out/x {not} $[a] ${notplaceholder}", result);
    }

    [Fact]
    public void Optional_parts_are_kept_when_their_inputs_are_given_and_dropped_otherwise()
    {
        var t = CommandTemplate.Parse("python train.py --data ${{inputs.d}} $[[--epochs ${{inputs.e}}]] $[[--lr ${{inputs.lr}} --sched ${{inputs.s}}]] --out ${{outputs.m}}");
        Assert.True(t.Placeholders.Single(p => p.Name == "e").IsOptional);
        Assert.False(t.Placeholders.Single(p => p.Name == "d").IsOptional);
        var outputs = new Dictionary<string, string> { ["m"] = "/m" };
        Assert.Equal("python train.py --data /d   --out /m", t.Render(new Dictionary<string, string> { ["d"] = "/d" }, outputs));
        Assert.Equal("python train.py --data /d --epochs 3  --out /m", t.Render(new Dictionary<string, string> { ["d"] = "/d", ["e"] = "3", ["lr"] = "0.1" }, outputs));
        Assert.Equal("python train.py --data /d --epochs 3 --lr 0.1 --sched cos --out /m", t.Render(new Dictionary<string, string> { ["d"] = "/d", ["e"] = "3", ["lr"] = "0.1", ["s"] = "cos" }, outputs));
    }

    [Fact]
    public void Optional_parts_spanning_lines_as_in_the_azureml_examples_component()
    {
        var t = CommandTemplate.Parse("python train.py \n--training_data ${{inputs.training_data}} \n$[[--max_epocs ${{inputs.max_epocs}}]]\n--model_output ${{outputs.model_output}}");
        Assert.Equal("python train.py \n--training_data td \n\n--model_output mo",
            t.Render(new Dictionary<string, string> { ["training_data"] = "td" }, new Dictionary<string, string> { ["model_output"] = "mo" }));
    }

    [Fact]
    public void A_required_placeholder_without_a_value_names_it()
    {
        var t = CommandTemplate.Parse("run ${{inputs.data}} ${{outputs.model}}");
        var e = Assert.Throws<JobDefinitionException>(() => t.Render(NoValues));
        Assert.Contains("${{inputs.data}}", e.Message, StringComparison.Ordinal);
        Assert.Equal("inputs.data", e.Key);
        var o = Assert.Throws<JobDefinitionException>(() => t.Render(new Dictionary<string, string> { ["data"] = "x" }));
        Assert.Equal("outputs.model", o.Key);
    }

    [Theory]
    [InlineData("echo ${{inputs}}", "unknown placeholder '${{inputs}}'")]
    [InlineData("echo ${{input.x}}", "unknown placeholder '${{input.x}}'")]
    [InlineData("echo ${{inputs.x.y}}", "unknown placeholder")]
    [InlineData("echo ${{parent.inputs.x}}", "unknown placeholder")]
    [InlineData("echo ${{inputs.1x}}", "unknown placeholder")]
    [InlineData("echo ${{inputs.x", "unclosed placeholder")]
    [InlineData("echo ${{inputs.x ${{inputs.y}}", "unclosed placeholder")]
    [InlineData("echo $[[ --a ${{inputs.a}}", "unclosed optional part")]
    [InlineData("echo $[[ a $[[ ${{inputs.a}} ]] ]]", "cannot be nested")]
    [InlineData("echo $[[ --flag ]]", "has no ${{inputs.<name>}}")]
    public void Bad_syntax_is_rejected_quoting_the_culprit(string command, string expected)
    {
        var e = Assert.Throws<JobDefinitionException>(() => CommandTemplate.Parse(command));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal("command", e.Key);
    }

    [Fact]
    public void Render_with_a_resolver_sees_each_placeholder()
    {
        var seen = new List<string>();
        var t = CommandTemplate.Parse("a ${{inputs.x}} $[[b ${{inputs.y}}]] ${{search_space.z}}");
        var result = t.Render(p =>
        {
            seen.Add(p.Expression);
            return p.Kind == PlaceholderKind.SearchSpace ? "0.5" : p.Name == "x" ? "X" : null;
        });
        Assert.Equal("a X  0.5", result);
        Assert.Equal(["${{inputs.x}}", "${{inputs.y}}", "${{search_space.z}}"], seen);
    }

    [Fact]
    public void A_placeholder_used_twice_is_rendered_twice_and_listed_once_by_name()
    {
        var t = CommandTemplate.Parse("cp ${{inputs.a}} ${{inputs.a}}.bak");
        Assert.Equal("cp x x.bak", t.Render(new Dictionary<string, string> { ["a"] = "x" }));
        Assert.Equal(2, t.Placeholders.Count);
        Assert.Equal(["a"], t.Names(PlaceholderKind.Input));
    }

    [Fact]
    public void Literal_text_follows_azure_mls_str_conventions()
    {
        Assert.Equal("0.01", ((Input)0.01).LiteralText);
        Assert.Equal("1E-05", ((Input)1e-5).LiteralText);
        Assert.Equal("True", ((Input)true).LiteralText);
        Assert.Equal("42", ((Input)42).LiteralText);
        Assert.Equal("rbf", ((Input)"rbf").LiteralText);
        Assert.Null(Input.UriFolder("x").LiteralText);
    }
}
