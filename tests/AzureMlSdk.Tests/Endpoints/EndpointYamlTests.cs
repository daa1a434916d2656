namespace AzureMlSdk.Tests.Endpoints;

/// <summary>az ml v2 endpoint and deployment YAML (what <c>az ml online-endpoint create -f</c> and friends take) read into the SDK's specs.</summary>
public sealed class EndpointYamlTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("azml-endpoint-yaml-");

    public void Dispose() => _dir.Delete(true);

    private string Write(string yaml, string name = "file.yml")
    {
        var path = Path.Combine(_dir.FullName, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Online_endpoint_reads_name_auth_mode_description_tags_and_traffic()
    {
        var spec = OnlineEndpointSpec.Load(Write("""
            $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineEndpoint.schema.json
            name: my-endpoint
            auth_mode: aml_token
            description: scores irises
            tags:
              team: ml
            traffic:
              blue: 90
              green: 10
            identity:
              type: system_assigned
            """));
        Assert.Equal("my-endpoint", spec.Name);
        Assert.Equal(EndpointAuthMode.AmlToken, spec.AuthMode);
        Assert.Equal("scores irises", spec.Description);
        Assert.Equal("ml", spec.Tags!["team"]);
        Assert.Equal(90, spec.Traffic!["blue"]);
        Assert.Equal(10, spec.Traffic["green"]);
    }

    [Fact]
    public void Online_endpoint_defaults_to_key_auth_and_set_overrides_the_name()
    {
        var spec = OnlineEndpointSpec.Load(Write("name: first-name\n"), ["name=second-name"]);
        Assert.Equal("second-name", spec.Name);
        Assert.Equal(EndpointAuthMode.Key, spec.AuthMode);
        Assert.Null(spec.Traffic);
    }

    [Fact]
    public void Online_endpoint_errors_name_file_line_and_key()
    {
        var path = Write("name: ep-1\nauth_mod: key\n");
        var e = Assert.Throws<JobDefinitionException>(() => OnlineEndpointSpec.Load(path));
        Assert.Equal(path, e.FilePath);
        Assert.Equal(2, e.Line);
        Assert.Equal("auth_mod", e.Key);
        Assert.Contains("Did you mean 'auth_mode'?", e.Message, StringComparison.Ordinal);

        var bad = Assert.Throws<JobDefinitionException>(() => OnlineEndpointSpec.Load(Write("name: 1bad\nauth_mode: password\ntraffic:\n  blue: 70\n", "bad.yml")));
        Assert.Equal(3, bad.Problems.Count);
        Assert.Contains(bad.Problems, p => p.Key == "name" && p.Line == 1);
        Assert.Contains(bad.Problems, p => p.Key == "auth_mode" && p.Line == 2);
        Assert.Contains(bad.Problems, p => p.Key == "traffic" && p.Reason.Contains("adds up to 70", StringComparison.Ordinal));
    }

    [Fact]
    public void Online_deployment_reads_model_settings_and_probes()
    {
        var d = OnlineDeploymentDefinition.Load(Write("""
            $schema: https://azuremlschemas.azureedge.net/latest/managedOnlineDeployment.schema.json
            name: blue
            endpoint_name: my-endpoint
            model: azureml:iris:3
            instance_type: Standard_DS3_v2
            instance_count: 2
            request_settings:
              request_timeout_ms: 3000
              max_concurrent_requests_per_instance: 4
            liveness_probe:
              initial_delay: 5
              period: 7
            environment_variables:
              MODE: fast
            """));
        Assert.Equal("blue", d.Name);
        Assert.Equal("my-endpoint", d.EndpointName);
        Assert.Equal(AssetReferenceKind.Asset, d.Model.Kind);
        Assert.Equal("iris", d.Model.Name);
        Assert.Equal("3", d.Model.Version);
        Assert.Equal(2, d.InstanceCount);
        Assert.Equal("Standard_DS3_v2", d.InstanceType);
        Assert.Equal(TimeSpan.FromSeconds(3), d.RequestSettings.RequestTimeout);
        Assert.Equal(4, d.RequestSettings.MaxConcurrentRequestsPerInstance);
        Assert.Equal(TimeSpan.FromSeconds(5), d.LivenessProbe!.InitialDelay);
        Assert.Equal(TimeSpan.FromSeconds(7), d.LivenessProbe.Period);
        Assert.Null(d.ReadinessProbe);
        Assert.Equal("fast", d.EnvironmentVariables!["MODE"]);
    }

    [Fact]
    public void Online_deployment_model_forms_labels_and_local_paths()
    {
        Assert.Equal("latest", OnlineDeploymentDefinition.LoadFromText("name: blue\nmodel: azureml:iris@latest\n").Model.Label);
        Assert.Equal("production", OnlineDeploymentDefinition.LoadFromText("name: blue\nmodel: iris@production\n").Model.Label);
        var local = OnlineDeploymentDefinition.LoadFromText("name: blue\nmodel:\n  name: iris-local\n  path: ./model\n", _dir.FullName);
        Assert.Equal(AssetReferenceKind.LocalPath, local.Model.Kind);
        Assert.Equal(Path.Combine(_dir.FullName, "model"), local.Model.Path);
        Assert.Equal("iris-local", local.ModelName);
    }

    [Fact]
    public void Online_deployment_refuses_scoring_scripts_and_reports_every_problem()
    {
        var path = Write("""
            name: blue
            model: azureml:iris
            code_configuration:
              code: ./src
              scoring_script: score.py
            instance_count: 0
            request_settings:
              request_timeout_ms: forever
            """);
        var e = Assert.Throws<JobDefinitionException>(() => OnlineDeploymentDefinition.Load(path));
        Assert.Contains(e.Problems, p => p.Key == "model" && p.Reason.Contains("names no version", StringComparison.Ordinal));
        Assert.Contains(e.Problems, p => p.Key == "code_configuration" && p.Line == 4);
        Assert.Contains(e.Problems, p => p.Key == "instance_count" && p.Line == 6);
        Assert.Contains(e.Problems, p => p.Key == "request_settings.request_timeout_ms" && p.Line == 8);
        Assert.All(e.Problems, p => Assert.Equal(path, p.FilePath));
    }

    [Fact]
    public void Batch_endpoint_and_deployment_read_settings_at_either_level()
    {
        var endpoint = BatchEndpointSpec.Load(Write("name: batch-ep\ndescription: nightly\nauth_mode: aad_token\ndefaults:\n  deployment_name: dep-one\n"));
        Assert.Equal("batch-ep", endpoint.Name);
        Assert.Equal("nightly", endpoint.Description);
        Assert.Throws<JobDefinitionException>(() => BatchEndpointSpec.LoadFromText("name: batch-ep\nauth_mode: key\n"));

        var nested = BatchDeploymentDefinition.LoadFromText("""
            name: dep-one
            endpoint_name: batch-ep
            type: model
            model: azureml:iris:1
            compute: azureml:cpu-cluster
            resources:
              instance_count: 2
            settings:
              mini_batch_size: 5
              max_concurrency_per_instance: 3
              error_threshold: 7
              output_action: append_row
              output_file_name: out.csv
            """);
        Assert.Equal(5, nested.MiniBatchSize);
        Assert.Equal(3, nested.MaxConcurrency);
        Assert.Equal(7, nested.ErrorThreshold);
        Assert.Equal("out.csv", nested.OutputFileName);
        Assert.Equal("cpu-cluster", nested.Compute);

        var flat = BatchDeploymentDefinition.LoadFromText("name: dep-two\nmodel: azureml:iris:1\nmini_batch_size: 20\noutput_file_name: p.jsonl\n");
        Assert.Equal(20, flat.MiniBatchSize);
        Assert.Equal("p.jsonl", flat.OutputFileName);
        Assert.Null(flat.EndpointName);

        var e = Assert.Throws<JobDefinitionException>(() => BatchDeploymentDefinition.LoadFromText("name: dep-three\nmodel: azureml:iris:1\nsettings:\n  output_action: summary_only\n  mini_batch_sise: 3\n"));
        Assert.Contains(e.Problems, p => p.Key == "settings.output_action");
        Assert.Contains(e.Problems, p => p.Key == "settings.mini_batch_sise" && p.Reason.Contains("mini_batch_size", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deployment_definitions_bind_to_model_versions_of_a_workspace()
    {
        await using var ws = Workspace.Local(Path.Combine(_dir.FullName, "ws"));
        var file = Write("weights", "w.onnx");
        await ws.RegisterModelAsync("iris", file);
        var v2 = await ws.RegisterModelAsync("iris", file);
        await v2.SetAliasAsync("production");
        await ws.RegisterModelAsync("iris", file);

        var byLabel = await OnlineDeploymentDefinition.LoadFromText("name: blue\nmodel: azureml:iris@production\n").ToSpecAsync(ws, "ep-1", allTraffic: true);
        Assert.Equal(2, byLabel.ModelVersion);
        Assert.True(byLabel.AllTraffic);
        Assert.Equal(3, (await OnlineDeploymentDefinition.LoadFromText("name: blue\nmodel: azureml:iris@latest\n").ToSpecAsync(ws)).ModelVersion);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => OnlineDeploymentDefinition.LoadFromText("name: blue\nmodel: azureml:iris:9\n").ToSpecAsync(ws));

        var local = await BatchDeploymentDefinition.LoadFromText("name: dep-one\nmodel: ./w.onnx\n", _dir.FullName).ToSpecAsync(ws, "batch-ep");
        Assert.Equal("batch-ep-dep-one", local.ModelName);
        Assert.Equal(1, local.ModelVersion);
    }
}
