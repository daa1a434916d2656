using System.Net;
using System.Text;
using AzureMlSdk.Backends.Remote.Arm;
using AzureMlSdk.Backends.Remote.Blob;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace AzureMlSdk.Tests.Backends.Remote;

/// <summary>The ARM job poller on its own: status changes, Retry-After, not-yet-visible 404s, cancel on abandon.</summary>
public sealed class ArmJobPollerTests
{
    private static readonly WorkspaceCoordinates Ws = new("sub", "rg", "ws");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly IArmJobsApi _api = Substitute.For<IArmJobsApi>();

    private static HttpResponseMessage Job(string status, TimeSpan? retryAfter = null)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent($$$"""{"name":"job-1","properties":{"jobType":"Pipeline","status":"{{{status}}}"}}""", Encoding.UTF8, "application/json"),
        };
        if (retryAfter is { } delay)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(delay);
        }
        return response;
    }

    private static HttpResponseMessage NotFound() => new(HttpStatusCode.NotFound)
    {
        Content = new StringContent("""{"error":{"code":"ResourceNotFound","message":"no job-1"}}""", Encoding.UTF8, "application/json"),
    };

    private void Answer(params Func<HttpResponseMessage>[] answers)
    {
        var i = 0;
        _api.GetResponseAsync("sub", "rg", "ws", "job-1", Arg.Any<CancellationToken>())
            .Returns(_ => Task.FromResult(answers[Math.Min(i++, answers.Length - 1)]()));
    }

    /// <summary>Advances the fake clock until <paramref name="task"/> ends; returns the time that took.</summary>
    private async Task<TimeSpan> DriveAsync(Task task)
    {
        var start = _time.GetUtcNow();
        for (var i = 0; i < 100 && !task.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }
        Assert.True(task.IsCompleted, "the poller did not finish");
        return _time.GetUtcNow() - start;
    }

    [Fact]
    public async Task Wait_reports_each_status_change_once_and_returns_the_terminal_job()
    {
        Answer(NotFound, () => Job("Queued"), () => Job("Running"), () => Job("Running"), () => Job("Completed"));
        var seen = new List<RunStatus>();
        var poller = new ArmJobPoller(_api, Ws, _time);

        var wait = poller.WaitAsync("job-1", seen.Add, CancellationToken.None);
        var took = await DriveAsync(wait);
        var (job, status) = await wait;

        Assert.Equal(RunStatus.Completed, status);
        Assert.Equal("Completed", job.Properties!.Status);
        Assert.Equal([RunStatus.Queued, RunStatus.Running, RunStatus.Completed], seen);
        Assert.Equal(ArmJobPoller.PollInterval * 4, took); // one wait after the 404, then after each non-terminal answer
    }

    [Fact]
    public async Task Wait_follows_retry_after_up_to_the_maximum()
    {
        Answer(() => Job("Running", TimeSpan.FromSeconds(2)), () => Job("Running", TimeSpan.FromMinutes(10)), () => Job("Failed"));
        var poller = new ArmJobPoller(_api, Ws, _time);

        var wait = poller.WaitAsync("job-1", null, CancellationToken.None);
        for (var i = 0; i < 100 && !wait.IsCompleted; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await Task.Yield();
        }

        Assert.Equal(RunStatus.Failed, (await wait).Status);
        Assert.Equal(TimeSpan.FromSeconds(2) + ArmJobPoller.MaxPollInterval, _time.GetUtcNow() - DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Wait_returns_a_canceled_job_for_the_caller_to_judge()
    {
        Answer(() => Job("CancelRequested"), () => Job("Canceled"));
        var poller = new ArmJobPoller(_api, Ws, _time);

        var wait = poller.WaitAsync("job-1", null, CancellationToken.None);
        await DriveAsync(wait);

        Assert.Equal(RunStatus.Canceled, (await wait).Status);
        await _api.DidNotReceiveWithAnyArgs().CancelAsync(default!, default!, default!, default!, default);
    }

    [Fact]
    public async Task A_job_still_missing_after_the_grace_polls_is_not_found()
    {
        Answer(NotFound);
        var poller = new ArmJobPoller(_api, Ws, _time);

        var wait = poller.WaitAsync("job-1", null, CancellationToken.None);
        await DriveAsync(wait);

        await Assert.ThrowsAsync<ResourceNotFoundException>(() => wait);
        await _api.Received(ArmJobPoller.NotYetVisiblePolls + 1).GetResponseAsync("sub", "rg", "ws", "job-1", Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Abandoning_the_wait_asks_ARM_to_cancel_the_job()
    {
        Answer(() => Job("Running"));
        _api.CancelAsync("sub", "rg", "ws", "job-1", Arg.Any<CancellationToken>()).Returns(_ => new HttpResponseMessage(HttpStatusCode.Accepted));
        using var cts = new CancellationTokenSource();
        var poller = new ArmJobPoller(_api, Ws, _time);

        var wait = poller.WaitAsync("job-1", null, cts.Token);
        _time.Advance(ArmJobPoller.PollInterval);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        await _api.Received(1).CancelAsync("sub", "rg", "ws", "job-1", CancellationToken.None);
    }
}
