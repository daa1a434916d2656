namespace AzureMlSdk.Tests.ObjectModel;

/// <summary>Which variables make Run.GetContext() recognise a job, on each backend, and which win when several are set.</summary>
public sealed class JobRunEnvironmentTests
{
    private static JobRunContext Resolve(params (string Name, string Value)[] variables)
    {
        var map = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return JobRunEnvironment.Resolve(name => map.GetValueOrDefault(name));
    }

    [Fact]
    public void No_job_variables_mean_outside_a_job()
    {
        Assert.Equal(JobRunLocation.None, Resolve().Location);
        Assert.Equal(JobRunLocation.None, Resolve(("AZUREML_LOCAL_DIR", "/ws"), ("MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")).Location);
        Assert.Equal(JobRunLocation.None, Resolve(("AZUREML_RUN_ID", "   ")).Location);
    }

    [Fact]
    public void A_local_job_opens_its_workspace_folder_directly_even_when_the_agent_also_set_mlflow_variables()
    {
        var context = Resolve(
            ("AZUREML_LOCAL_DIR", "/data/ws"),
            ("AZUREML_RUN_ID", "job-1"),
            ("MLFLOW_TRACKING_URI", "http://127.0.0.1:41234/"),
            ("MLFLOW_RUN_ID", "job-1"),
            ("MLFLOW_EXPERIMENT_ID", "7"),
            ("MLFLOW_TRACKING_TOKEN", "secret-token"));

        Assert.Equal(JobRunLocation.LocalWorkspace, context.Location);
        Assert.Equal("job-1", context.RunId);
        Assert.Equal("/data/ws", context.LocalDirectory);
        Assert.Null(context.TrackingUri);
        Assert.Null(context.Token);
        Assert.Equal("7", context.ExperimentId);
        Assert.DoesNotContain("secret-token", context.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void A_local_job_with_only_mlflows_run_id_is_found_too()
    {
        var context = Resolve(("AZUREML_LOCAL_DIR", "/data/ws"), ("MLFLOW_RUN_ID", "run-9"));
        Assert.Equal(JobRunLocation.LocalWorkspace, context.Location);
        Assert.Equal("run-9", context.RunId);
        Assert.Contains("$MLFLOW_RUN_ID", context.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void An_azure_ml_job_reads_the_azureml_tracking_uri_as_https_and_prefers_mlflows_token()
    {
        var context = Resolve(
            ("MLFLOW_TRACKING_URI", "azureml://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"),
            ("MLFLOW_RUN_ID", "sleepy_lamp_123"),
            ("MLFLOW_EXPERIMENT_ID", "0c6e2a1d"),
            ("AZUREML_RUN_ID", "sleepy_lamp_123"),
            ("MLFLOW_TRACKING_TOKEN", "mlflow-token"),
            ("AZUREML_RUN_TOKEN", "run-token"));

        Assert.Equal(JobRunLocation.MlflowServer, context.Location);
        Assert.Equal(new Uri("https://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/s1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/ws"), context.TrackingUri);
        Assert.Equal("sleepy_lamp_123", context.RunId);
        Assert.Equal("0c6e2a1d", context.ExperimentId);
        Assert.Equal("mlflow-token", context.Token);
        Assert.Contains("$MLFLOW_TRACKING_TOKEN", context.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("mlflow-token", context.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_mlflows_token_azure_mls_run_token_is_used()
    {
        var context = Resolve(
            ("MLFLOW_TRACKING_URI", "azureml://eastus.api.azureml.ms/mlflow/v1.0/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w"),
            ("AZUREML_RUN_ID", "run-a"),
            ("AZUREML_RUN_TOKEN", "run-token"));

        Assert.Equal(JobRunLocation.MlflowServer, context.Location);
        Assert.Equal("run-a", context.RunId);
        Assert.Equal("run-token", context.Token);
        Assert.Contains("$AZUREML_RUN_TOKEN", context.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void An_emulator_job_keeps_its_http_tracking_uri_and_may_have_no_token()
    {
        var context = Resolve(
            ("MLFLOW_TRACKING_URI", "http://127.0.0.1:5123/mlflow/v1.0/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.MachineLearningServices/workspaces/local"),
            ("MLFLOW_RUN_ID", "r1"));

        Assert.Equal(JobRunLocation.MlflowServer, context.Location);
        Assert.Equal("http", context.TrackingUri!.Scheme);
        Assert.Equal(5123, context.TrackingUri.Port);
        Assert.Null(context.Token);
    }

    [Fact]
    public void Mlflows_run_id_wins_over_azure_mls_on_a_server()
    {
        var context = Resolve(("MLFLOW_TRACKING_URI", "https://example.test/"), ("MLFLOW_RUN_ID", "mlflow-run"), ("AZUREML_RUN_ID", "azureml-run"));
        Assert.Equal("mlflow-run", context.RunId);
    }

    [Fact]
    public void A_run_id_alone_names_a_run_of_the_default_local_workspace()
    {
        var context = Resolve(("AZUREML_RUN_ID", "r2"));
        Assert.Equal(JobRunLocation.LocalWorkspace, context.Location);
        Assert.Equal("r2", context.RunId);
        Assert.Null(context.LocalDirectory);
    }

    [Fact]
    public void A_tracking_uri_that_is_not_http_or_azureml_is_a_clear_error()
    {
        var ex = Assert.Throws<InvalidInputException>(() => Resolve(("MLFLOW_TRACKING_URI", "file:///tmp/mlruns"), ("MLFLOW_RUN_ID", "r")));
        Assert.Contains("MLFLOW_TRACKING_URI", ex.Message, StringComparison.Ordinal);
        Assert.Contains("file:///tmp/mlruns", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_azure_ml_job_without_mlflows_variables_finds_its_workspace_from_the_azureml_arm_variables()
    {
        var context = Resolve(
            ("AZUREML_RUN_ID", "brave_kite_42"),
            ("AZUREML_SERVICE_ENDPOINT", "https://westeurope.api.azureml.ms/"),
            ("AZUREML_ARM_SUBSCRIPTION", "00000000-1111-2222-3333-444444444444"),
            ("AZUREML_ARM_RESOURCEGROUP", "rg-ml"),
            ("AZUREML_ARM_WORKSPACE_NAME", "ws-train"),
            ("AZUREML_RUN_TOKEN", "run-token-value"),
            ("AZUREML_RUN_TOKEN_EXPIRY", "1900000000"));

        Assert.Equal(JobRunLocation.MlflowServer, context.Location);
        Assert.Equal("brave_kite_42", context.RunId);
        Assert.Equal(new Uri("https://westeurope.api.azureml.ms/mlflow/v1.0/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ws-train"), context.TrackingUri);
        Assert.Equal("run-token-value", context.Token);
        Assert.Contains("$AZUREML_RUN_TOKEN", context.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("run-token-value", context.Source, StringComparison.Ordinal);
    }

    [Fact]
    public void The_azureml_arm_variables_need_all_four_else_a_run_id_alone_is_the_default_local_workspace()
    {
        var partial = Resolve(
            ("AZUREML_RUN_ID", "brave_kite_42"),
            ("AZUREML_SERVICE_ENDPOINT", "https://westeurope.api.azureml.ms"),
            ("AZUREML_ARM_SUBSCRIPTION", "s1"),
            ("AZUREML_ARM_WORKSPACE_NAME", "ws-train"));
        Assert.Equal(JobRunLocation.LocalWorkspace, partial.Location);
        Assert.Null(partial.TrackingUri);

        var mlflowWins = Resolve(
            ("AZUREML_RUN_ID", "brave_kite_42"),
            ("MLFLOW_TRACKING_URI", "http://127.0.0.1:5099/mlflow/v1.0/subscriptions/s/resourceGroups/r/providers/Microsoft.MachineLearningServices/workspaces/w"),
            ("AZUREML_SERVICE_ENDPOINT", "https://westeurope.api.azureml.ms"),
            ("AZUREML_ARM_SUBSCRIPTION", "s1"), ("AZUREML_ARM_RESOURCEGROUP", "rg"), ("AZUREML_ARM_WORKSPACE_NAME", "ws-train"));
        Assert.Equal("127.0.0.1", mlflowWins.TrackingUri!.Host);
    }
}
