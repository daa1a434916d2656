using AzureMlSdk.Backends.Remote.Mlflow;
using AzureMlSdk.Tracking;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace AzureMlSdk.ReliabilityTests;

/// <summary>
/// MLflow's runs/create and experiments/create are not idempotent and the HTTP pipeline never replays them: the store
/// recovers an ambiguous failure by looking for its own client key before creating again.
/// </summary>
public sealed class IdempotentCreateTests
{
    private static readonly NewRun NewRunInExperiment1 = new("1", "train", DateTimeOffset.UnixEpoch.AddDays(1), null, null);

    [Fact]
    public async Task A_run_create_applied_whose_reply_was_lost_is_found_by_its_key_and_not_created_again()
    {
        var api = Substitute.For<IMlflowTrackingApi>();
        CreateRunRequest? sent = null;
        api.CreateRunAsync(Arg.Do<CreateRunRequest>(r => sent = r), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ServiceUnavailableException("POST runs/create failed at the network level"));
        api.SearchRunsAsync(Arg.Any<SearchRunsRequest>(), Arg.Any<CancellationToken>()).Returns(call =>
        {
            var filter = call.Arg<SearchRunsRequest>().Filter!;
            var key = sent!.Tags!.Single(t => t.Key == RemoteTrackingStore.ClientRunKeyTag).Value!;
            Assert.Equal($"tags.`{RemoteTrackingStore.ClientRunKeyTag}` = '{key}'", filter);
            return new SearchRunsResponse { Runs = [RunWith("run-1", sent.Tags!)] };
        });
        var store = new RemoteTrackingStore(api, TimeProvider.System, maxRetries: 3);

        var run = await store.CreateRunAsync(NewRunInExperiment1, CancellationToken.None);

        Assert.Equal("run-1", run.RunId);
        await api.Received(1).CreateRunAsync(Arg.Any<CreateRunRequest>(), Arg.Any<CancellationToken>());
        Assert.DoesNotContain(RemoteTrackingStore.ClientRunKeyTag, run.Tags.Keys); // an implementation detail, hidden
        Assert.Equal("train", run.Tags[RemoteTrackingStore.RunNameTag]);
    }

    [Fact]
    public async Task A_run_create_refused_before_it_was_applied_is_made_again_with_the_same_key()
    {
        var api = Substitute.For<IMlflowTrackingApi>();
        var keys = new List<string>();
        var calls = 0;
        api.CreateRunAsync(Arg.Any<CreateRunRequest>(), Arg.Any<CancellationToken>()).Returns<Task<RunResponse>>(call =>
        {
            var tags = call.Arg<CreateRunRequest>().Tags!;
            keys.Add(tags.Single(t => t.Key == RemoteTrackingStore.ClientRunKeyTag).Value!);
            return ++calls == 1
                ? Task.FromException<RunResponse>(new ServiceUnavailableException("503 TEMPORARILY_UNAVAILABLE"))
                : Task.FromResult(new RunResponse { Run = RunWith("run-2", tags) });
        });
        api.SearchRunsAsync(Arg.Any<SearchRunsRequest>(), Arg.Any<CancellationToken>()).Returns(new SearchRunsResponse { Runs = [] });
        var store = new RemoteTrackingStore(api, TimeProvider.System, maxRetries: 3);

        var run = await store.CreateRunAsync(NewRunInExperiment1, CancellationToken.None);

        Assert.Equal("run-2", run.RunId);
        Assert.Equal(2, keys.Count);
        Assert.Equal(keys[0], keys[1]);
    }

    [Fact]
    public async Task A_look_up_that_fails_is_made_again_rather_than_replaced_by_a_second_create()
    {
        var api = Substitute.For<IMlflowTrackingApi>();
        CreateRunRequest? sent = null;
        api.CreateRunAsync(Arg.Do<CreateRunRequest>(r => sent = r), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ServiceUnavailableException("dropped"));
        var searches = 0;
        api.SearchRunsAsync(Arg.Any<SearchRunsRequest>(), Arg.Any<CancellationToken>()).Returns<Task<SearchRunsResponse>>(_ =>
            ++searches == 1
                ? Task.FromException<SearchRunsResponse>(new ServiceUnavailableException("search failed too"))
                : Task.FromResult(new SearchRunsResponse { Runs = [RunWith("run-3", sent!.Tags!)] }));
        var store = new RemoteTrackingStore(api, TimeProvider.System, maxRetries: 3);

        var run = await store.CreateRunAsync(NewRunInExperiment1, CancellationToken.None);

        Assert.Equal("run-3", run.RunId);
        await api.Received(1).CreateRunAsync(Arg.Any<CreateRunRequest>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task When_the_budget_runs_out_the_caller_gets_the_last_ambiguous_failure()
    {
        var api = Substitute.For<IMlflowTrackingApi>();
        api.CreateRunAsync(Arg.Any<CreateRunRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new ServiceUnavailableException("down"));
        api.SearchRunsAsync(Arg.Any<SearchRunsRequest>(), Arg.Any<CancellationToken>()).Returns(new SearchRunsResponse { Runs = [] });
        var store = new RemoteTrackingStore(api, TimeProvider.System, maxRetries: 1);

        await Assert.ThrowsAsync<ServiceUnavailableException>(() => store.CreateRunAsync(NewRunInExperiment1, CancellationToken.None));
        await api.Received(2).CreateRunAsync(Arg.Any<CreateRunRequest>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task An_experiment_create_applied_whose_reply_was_lost_is_ours_when_it_carries_our_key()
    {
        var api = Substitute.For<IMlflowTrackingApi>();
        CreateExperimentRequest? sent = null;
        api.CreateExperimentAsync(Arg.Do<CreateExperimentRequest>(r => sent = r), Arg.Any<CancellationToken>())
            .ThrowsAsync(new ServiceUnavailableException("dropped"));
        api.GetExperimentByNameAsync("exp", Arg.Any<CancellationToken>()).Returns(_ => new GetExperimentResponse
        {
            Experiment = new MlflowExperiment { ExperimentId = "7", Name = "exp", Tags = sent!.Tags },
        });
        api.GetExperimentAsync("7", Arg.Any<CancellationToken>()).Returns(_ => new GetExperimentResponse
        {
            Experiment = new MlflowExperiment { ExperimentId = "7", Name = "exp", Tags = sent!.Tags },
        });
        var store = new RemoteTrackingStore(api, TimeProvider.System, maxRetries: 3);

        var experiment = await store.CreateExperimentAsync("exp", null, CancellationToken.None);

        Assert.Equal("7", experiment.ExperimentId);
        Assert.Empty(experiment.Tags);
        await api.Received(1).CreateExperimentAsync(Arg.Any<CreateExperimentRequest>(), Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task An_experiment_someone_else_created_meanwhile_is_reported_as_existing()
    {
        var api = Substitute.For<IMlflowTrackingApi>();
        api.CreateExperimentAsync(Arg.Any<CreateExperimentRequest>(), Arg.Any<CancellationToken>()).ThrowsAsync(new ServiceUnavailableException("503"));
        api.GetExperimentByNameAsync("exp", Arg.Any<CancellationToken>()).Returns(new GetExperimentResponse
        {
            Experiment = new MlflowExperiment { ExperimentId = "8", Name = "exp", Tags = [new MlflowTag { Key = RemoteTrackingStore.ClientExperimentKeyTag, Value = "someone-else" }] },
        });
        var store = new RemoteTrackingStore(api, TimeProvider.System, maxRetries: 3);

        await Assert.ThrowsAsync<ResourceExistsException>(() => store.CreateExperimentAsync("exp", null, CancellationToken.None));
    }

    private static MlflowRun RunWith(string id, List<MlflowTag> tags) => new()
    {
        Info = new MlflowRunInfo { RunId = id, ExperimentId = "1", Status = "RUNNING", StartTime = 86_400_000, RunName = "train" },
        Data = new MlflowRunData { Tags = tags },
    };
}
