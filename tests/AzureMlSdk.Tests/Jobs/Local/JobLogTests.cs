using AzureMlSdk.Backends.Local.Jobs;

namespace AzureMlSdk.Tests.Jobs.Local;

public sealed class JobLogTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), "azureml-tests", Guid.NewGuid().ToString("N"), "user_logs", "std_log.txt");

    public void Dispose()
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(_file))!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("API_KEY", true)]
    [InlineData("AZURE_CLIENT_SECRET", true)]
    [InlineData("MLFLOW_TRACKING_TOKEN", true)]
    [InlineData("db_password", true)]
    [InlineData("STORAGE_CONNECTION_STRING", true)]
    [InlineData("BLOB_SAS", true)]
    [InlineData("PWD", false)]
    [InlineData("PATH", false)]
    [InlineData("EPOCHS", false)]
    public void Secret_looking_names(string name, bool secret) => Assert.Equal(secret, JobLog.LooksSecret(name));

    [Fact]
    public async Task Lines_are_masked_written_at_once_and_the_tail_is_kept()
    {
        var log = new JobLog(_file, ["hunter22", "hunter2-longer", "abc"]);
        for (var i = 0; i < 25; i++)
        {
            log.WriteLine($"line {i}");
        }
        log.WriteLine("password hunter2-longer and hunter22 and abc");

        var text = File.ReadAllText(_file); // readable while the writer is open
        Assert.Contains("password *** and *** and abc\n", text, StringComparison.Ordinal);
        Assert.Equal(20, log.Tail().Count);
        Assert.Equal("password *** and *** and abc", log.Tail()[^1]);
        await log.DisposeAsync();
    }
}
