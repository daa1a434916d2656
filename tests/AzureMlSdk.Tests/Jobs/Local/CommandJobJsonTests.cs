using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests.Jobs.Local;

public sealed class CommandJobJsonTests
{
    [Fact]
    public void A_stored_command_job_reads_back_with_what_ARM_cannot_hold()
    {
        var job = new CommandJob
        {
            DisplayName = "d",
            ExperimentName = "e",
            Description = "desc",
            Tags = { ["t"] = "1" },
            Command = "python train.py --lr ${{inputs.lr}} --data ${{inputs.data}} --out ${{outputs.model}}",
            Environment = new EnvironmentAsset { Image = "mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", Description = "inline" },
            EnvironmentVariables = { ["A"] = "b" },
            Inputs = { ["lr"] = 0.5, ["data"] = Input.UriFolder("/abs/data") },
            Outputs = { ["model"] = Output.CustomModel().RegisterAs("m", "7") },
            Limits = new CommandJobLimits { Timeout = TimeSpan.FromMinutes(5) },
            Compute = "azureml:pool",
        };

        var json = CommandJobJson.Write(job, "job1", "azureml:abc:1",
            new Dictionary<string, string> { ["data"] = "/abs/data" },
            new Dictionary<string, string> { ["model"] = "azureml://datastores/workspaceblobstore/paths/azureml/job1/model/" });
        var back = CommandJobJson.Read(json);

        Assert.Equal("job1", back.Name);
        Assert.Equal("azureml:abc:1", back.Code);
        Assert.Equal(job.Command, back.Command);
        Assert.Equal("pool", back.ComputeName);
        Assert.Equal("0.5", back.Inputs["lr"].LiteralText);
        Assert.Equal("/abs/data", back.Inputs["data"].Path);
        Assert.Equal("7", back.Outputs["model"].Version);
        Assert.Equal("m", back.Outputs["model"].Name);
        Assert.Equal("azureml://datastores/workspaceblobstore/paths/azureml/job1/model/", back.Outputs["model"].Path);
        Assert.Equal("mcr.microsoft.com/azureml/openmpi4.1.0-ubuntu22.04", back.Environment!.Inline!.Image);
        Assert.Equal(TimeSpan.FromMinutes(5), back.Limits!.Timeout);
        Assert.Equal("b", back.EnvironmentVariables["A"]);
        Assert.Equal("1", back.Tags["t"]);
    }
}
