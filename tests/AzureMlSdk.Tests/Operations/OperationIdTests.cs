using System.Text;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Operations;

namespace AzureMlSdk.Tests.Operations;

/// <summary>Operation ids are opaque but complete: they round-trip, reject what is not one, and never send a token to another host.</summary>
public sealed class OperationIdTests
{
    [Fact]
    public void An_operation_id_round_trips_and_is_url_safe()
    {
        var id = new OperationId(1, OperationKind.OnlineDeployment, "ws", "ep", "blue", "k1", "resume+token/=").Encode();

        var parsed = OperationId.Decode(id);

        Assert.Equal((OperationKind.OnlineDeployment, "ws", "ep", "blue", "k1", "resume+token/="), (parsed.Kind, parsed.Workspace, parsed.Endpoint, parsed.Deployment, parsed.Key, parsed.ResumeToken));
        Assert.DoesNotContain('+', id);
        Assert.DoesNotContain('/', id);
        Assert.DoesNotContain('=', id);
    }

    [Theory]
    [InlineData("not-an-operation")]
    [InlineData("azml-op-%%%")]
    [InlineData("azml-op-e30")] // {} : no kind, no endpoint
    public void Something_that_is_not_an_operation_id_is_invalid_input(string id) =>
        Assert.Throws<InvalidInputException>(() => OperationId.Decode(id));

    [Fact]
    public async Task Resuming_an_operation_on_another_host_is_refused_before_any_request()
    {
        var handler = new CountingHandler();
        using var http = new HttpClient(handler) { BaseAddress = new Uri("https://management.azure.com") };
        var lro = new ArmLongRunningOperation(http, TimeProvider.System, TimeSpan.FromMinutes(1));
        var json = """{"method":"PUT","uri":"https://evil.example/x","asyncOperation":"https://evil.example/op"}""";
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        await Assert.ThrowsAsync<InvalidInputException>(() => lro.ResumeAsync(token, CancellationToken.None));
        await Assert.ThrowsAsync<InvalidInputException>(() => lro.ResumeAsync("garbage", CancellationToken.None));
        Assert.Equal(0, handler.Requests);
    }

    private sealed class CountingHandler : HttpMessageHandler
    {
        public int Requests { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests++;
            return Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError));
        }
    }
}
