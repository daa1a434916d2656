namespace AzureMlSdk.Tests.Jobs;

/// <summary>Bad YAML is a <see cref="JobDefinitionException"/> naming the file, line, column and key, as az ml does.</summary>
public sealed class JobYamlErrorTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-yaml-");

    public void Dispose() => _dir.Delete(true);

    private string Write(string yaml, string name = "job.yml")
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    private JobDefinitionException LoadFails(string yaml)
    {
        var path = Write(yaml);
        var e = Assert.Throws<JobDefinitionException>(() => Job.Load(path));
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ":", e.Message, StringComparison.Ordinal);
        return e;
    }

    [Fact]
    public void A_mistyped_top_level_key_names_line_column_and_suggests_the_key()
    {
        var e = LoadFails("command: echo hi\nenvironment: azureml:x@latest\ndisplay_nam: oops\n");
        Assert.Equal(3, e.Line);
        Assert.Equal(1, e.Column);
        Assert.Equal("display_nam", e.Key);
        Assert.Contains("unknown key 'display_nam' in a command job. Did you mean 'display_name'?", e.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<InvalidInputException>(e);
        Assert.Equal(400, e.Status);
    }

    [Fact]
    public void A_key_with_no_close_match_lists_the_valid_keys()
    {
        var e = LoadFails("command: echo hi\nflux_capacitor: 1\n");
        Assert.Contains("Valid keys: ", e.Message, StringComparison.Ordinal);
        Assert.Contains("environment_variables", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_mistyped_nested_key_has_its_dotted_path()
    {
        var e = LoadFails("command: ls ${{inputs.data}}\ninputs:\n  data:\n    type: uri_folder\n    path: https://x/y\n    mdoe: download\n");
        Assert.Equal("inputs.data.mdoe", e.Key);
        Assert.Equal((6, 5), (e.Line, e.Column));
        Assert.Contains("Did you mean 'mode'?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_value_type_names_the_key_and_the_value()
    {
        var e = LoadFails("command: echo\nresources:\n  instance_count: two\n");
        Assert.Equal("resources.instance_count", e.Key);
        Assert.Equal((3, 19), (e.Line, e.Column));
        Assert.Contains("must be an integer, not the text 'two'", e.Message, StringComparison.Ordinal);

        var e2 = LoadFails("command: echo\ntags: [a, b]\n");
        Assert.Equal("tags", e2.Key);
        Assert.Contains("must be a mapping of names to values, not a list", e2.Message, StringComparison.Ordinal);

        var e3 = LoadFails("command: echo\nlimits:\n  timeout: 0\n");
        Assert.Contains("must be at least 1", e3.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_enum_value_lists_the_valid_ones_and_the_closest()
    {
        var e = LoadFails("command: ls ${{inputs.d}}\ninputs:\n  d:\n    type: uri_flder\n    path: https://x\n");
        Assert.Equal("inputs.d.type", e.Key);
        Assert.Contains("Did you mean 'uri_folder'?", e.Message, StringComparison.Ordinal);
        var mode = LoadFails("command: ls ${{inputs.d}}\ninputs:\n  d:\n    path: https://x\n    mode: upload\n");
        Assert.Equal("inputs.d.mode", mode.Key);
        Assert.Contains("ro_mount", mode.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_problems_are_reported_at_once()
    {
        var e = LoadFails("comand: echo\nenvironment: azureml:x@latest\nresources:\n  instance_count: -1\ncompute_target: x\n");
        Assert.True(e.Problems.Count >= 3, e.Message);
        Assert.Contains("comand", e.Message, StringComparison.Ordinal);
        Assert.Contains("compute_target", e.Message, StringComparison.Ordinal);
        Assert.Contains("resources.instance_count", e.Message, StringComparison.Ordinal);
        Assert.Equal("comand", e.Key);
    }

    [Fact]
    public void An_unknown_input_in_the_command_names_the_input_and_the_command_line()
    {
        var e = LoadFails("environment: azureml:x@latest\ninputs:\n  data: 1\ncommand: python train.py --data ${{inputs.dta}}\n");
        Assert.Equal("command", e.Key);
        Assert.Equal(4, e.Line);
        Assert.Contains("${{inputs.dta}}", e.Message, StringComparison.Ordinal);
        Assert.Contains("no input 'dta'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'data'?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_placeholder_error_in_a_literal_block_names_its_own_line()
    {
        var e = LoadFails("inputs:\n  data: 1\ncommand: |\n  echo start\n  python train.py \\\n    --data ${{inputs.data}} \\\n    --lr ${{inputs.lr}}\n");
        Assert.Equal(("command", 7), (e.Key, e.Line));
        Assert.Contains("${{inputs.lr}}", e.Message, StringComparison.Ordinal);
        var syntax = LoadFails("command: |\n  echo a\n  echo ${{inputs}}\n");
        Assert.Equal(3, syntax.Line);
    }

    [Fact]
    public void A_value_given_with_set_is_named_as_such()
    {
        var path = Write("command: echo\n");
        var e = Assert.Throws<JobDefinitionException>(() => Job.Load(path, ["resources.instance_count=many"]));
        Assert.Equal("resources.instance_count", e.Key);
        Assert.Null(e.Line);
        Assert.Contains("(value given with --set)", e.Message, StringComparison.Ordinal);
        Assert.Throws<JobDefinitionException>(() => Job.Load(path, ["no-equals-sign"]));
    }

    [Fact]
    public void Unknown_job_type_is_an_error_with_a_suggestion()
    {
        var e = LoadFails("type: comand\ncommand: echo\n");
        Assert.Equal(("type", 1, 7), (e.Key, e.Line, e.Column));
        Assert.Contains("Did you mean 'command'?", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Syntax_errors_and_non_mappings_are_located()
    {
        var e = LoadFails("command: echo\ninputs:\n  a: [1, 2\n");
        Assert.NotNull(e.Line);
        Assert.Contains("invalid YAML", e.Message, StringComparison.Ordinal);
        var list = LoadFails("- command: echo\n");
        Assert.Contains("must be a YAML mapping", list.Message, StringComparison.Ordinal);
        var empty = LoadFails("");
        Assert.Contains("empty", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Duplicate_keys_are_an_error()
    {
        var e = LoadFails("command: echo a\ncommand: echo b\n");
        Assert.Contains("invalid YAML", e.Message, StringComparison.Ordinal);
        Assert.True(e.Line is 1 or 2, e.Message);
    }

    [Fact]
    public void A_missing_file_is_a_clear_error()
    {
        var e = Assert.Throws<JobDefinitionException>(() => Job.Load(Path.Combine(_dir.FullName, "nope.yml")));
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_code_folder_and_local_input_are_named()
    {
        var e = LoadFails("command: ls ${{inputs.d}}\ncode: ./missing-src\ninputs:\n  d:\n    type: uri_file\n    path: ./missing.csv\n");
        Assert.Contains(e.Problems, p => p.Key == "code" && p.Message.Contains("missing-src", StringComparison.Ordinal) && p.Line == 2);
        Assert.Contains(e.Problems, p => p.Key == "inputs.d.path" && p.Message.Contains("does not exist", StringComparison.Ordinal) && p.Line == 6);
    }

    [Fact]
    public void A_uri_file_input_pointing_at_a_folder_is_rejected()
    {
        Directory.CreateDirectory(Path.Combine(_dir.FullName, "folder"));
        var e = LoadFails("command: ls ${{inputs.d}}\ninputs:\n  d:\n    type: uri_file\n    path: folder\n");
        Assert.Contains("is a folder", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Inline_environment_cannot_have_a_name_and_needs_an_image_or_build()
    {
        var e = LoadFails("command: echo\nenvironment:\n  name: x\n  image: python\n");
        Assert.Equal("environment.name", e.Key);
        var none = LoadFails("command: echo\nenvironment:\n  description: nothing\n");
        Assert.Contains("needs an 'image' or a 'build'", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Environment_reference_without_version_or_label_is_rejected()
    {
        var e = LoadFails("command: echo\nenvironment: azureml:sklearn\n");
        Assert.Equal("environment", e.Key);
        Assert.Contains("azureml:sklearn@latest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Distribution_and_identity_types_are_checked()
    {
        var e = LoadFails("command: echo\ndistribution:\n  type: pytorh\n");
        Assert.Equal("distribution.type", e.Key);
        Assert.Contains("Did you mean 'pytorch'?", e.Message, StringComparison.Ordinal);
        var keys = LoadFails("command: echo\ndistribution:\n  type: tensorflow\n  process_count_per_instance: 2\n");
        Assert.Equal("distribution.process_count_per_instance", keys.Key);
        var identity = LoadFails("command: echo\nidentity:\n  type: user_identity\n  client_id: abc\n");
        Assert.Equal("identity.client_id", identity.Key);
    }

    [Fact]
    public void Null_input_and_literal_type_mapping_are_rejected()
    {
        var e = LoadFails("command: echo ${{inputs.a}}\ninputs:\n  a:\n");
        Assert.Contains("input 'a' has no value", e.Message, StringComparison.Ordinal);
        var typed = LoadFails("command: echo ${{inputs.a}}\ninputs:\n  a:\n    type: integer\n    path: x\n");
        Assert.Contains("write its value directly", typed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_from_text_names_the_display_name()
    {
        var e = Assert.Throws<JobDefinitionException>(() => Job.LoadFromText("command: echo\nbogus: 1\n", displayName: "inline.yml"));
        Assert.StartsWith("inline.yml:2:1: unknown key 'bogus'", e.Message, StringComparison.Ordinal);
    }
}
