using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace UniML.Server.Tests;

/// <summary>The model repository extension: index, load, unload, reload under traffic.</summary>
public sealed class RepositoryTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    static Dictionary<string, JsonElement> ByName(JsonElement index) =>
        index.EnumerateArray().GroupBy(e => e.GetProperty("name").GetString()!).ToDictionary(g => g.Key, g => g.Last());

    [Fact]
    public async Task Index_lists_every_model_with_state_and_the_reason_a_load_failed()
    {
        var (status, body) = await server.PostAsync("/v2/repository/index", "{}");
        Assert.Equal(HttpStatusCode.OK, status);
        var index = ByName(body);
        Assert.Equal("READY", index["relu"].GetProperty("state").GetString());
        Assert.Equal("1", index["relu"].GetProperty("version").GetString());
        Assert.Equal("UNAVAILABLE", index["broken"].GetProperty("state").GetString());
        Assert.Contains("broken", index["broken"].GetProperty("reason").GetString());
        Assert.False(string.IsNullOrWhiteSpace(index["broken"].GetProperty("reason").GetString()));

        (status, body) = await server.PostAsync("/v2/repository/index", """{"ready": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.DoesNotContain("broken", ByName(body).Keys);
        Assert.Contains("relu", ByName(body).Keys);
    }

    [Fact]
    public async Task Unload_then_load_stops_and_resumes_serving()
    {
        TestModels.Write(server.Repository, "toggled", 1, TestModels.Relu());
        var (status, body) = await server.PostAsync("/v2/models/toggled/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("not loaded", body.GetProperty("error").GetString());

        (status, _) = await server.PostAsync("/v2/repository/models/toggled/load", "");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await server.PostAsync("/v2/models/toggled/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal(HttpStatusCode.OK, status);

        (status, _) = await server.PostAsync("/v2/repository/models/toggled/unload", "");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, body) = await server.PostAsync("/v2/models/toggled/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("unloaded", body.GetProperty("error").GetString());
        (status, body) = await server.PostAsync("/v2/repository/index", "");
        Assert.Equal("UNAVAILABLE", ByName(body)["toggled"].GetProperty("state").GetString());
        Assert.Equal("unloaded", ByName(body)["toggled"].GetProperty("reason").GetString());

        (status, _) = await server.PostAsync("/v2/repository/models/toggled/load", "");
        Assert.Equal(HttpStatusCode.OK, status);
        (status, _) = await server.PostAsync("/v2/models/toggled/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Loading_an_unknown_or_broken_model_fails_clearly_and_others_keep_serving()
    {
        var (status, body) = await server.PostAsync("/v2/repository/models/does_not_exist/load", "");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("not in the repository", body.GetProperty("error").GetString());

        (status, body) = await server.PostAsync("/v2/repository/models/broken/load", "");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("failed to load model 'broken'", body.GetProperty("error").GetString());

        (status, body) = await server.PostAsync("/v2/repository/models/does_not_exist/unload", "");
        Assert.Equal(HttpStatusCode.NotFound, status);

        (status, _) = await server.PostAsync("/v2/models/relu/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task A_bad_config_file_is_a_load_failure_with_its_reason()
    {
        TestModels.Write(server.Repository, "misconfigured", 1, TestModels.Relu(), """{ "max_batch_size": 8, "max_queue_dealy_microseconds": 5 }""");
        var (status, body) = await server.PostAsync("/v2/repository/models/misconfigured/load", "");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("max_queue_dealy_microseconds", body.GetProperty("error").GetString());

        TestModels.Write(server.Repository, "unbatchable", 1, TestModels.Relu(fixedBatch: true), """{ "max_batch_size": 8 }""");
        (status, body) = await server.PostAsync("/v2/repository/models/unbatchable/load", "");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("needs a symbolic first (batch) dimension", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Hot_reload_and_unload_under_traffic_drop_no_request()
    {
        TestModels.Write(server.Repository, "side", 1, TestModels.Relu());
        Assert.Equal(HttpStatusCode.OK, (await server.PostAsync("/v2/repository/models/side/load", "")).Status);

        using var stop = new CancellationTokenSource();
        int ok = 0;
        var failures = new List<string>();
        var versionsSeen = new HashSet<string>();
        async Task Traffic(int client)
        {
            var request = ServerFixture.ReluRequest([client, -1, 2, -3]);
            while (!stop.IsCancellationRequested)
            {
                var (status, body) = await server.PostAsync("/v2/models/reloadable/infer", request);
                lock (failures)
                {
                    if (status == HttpStatusCode.OK)
                    {
                        ok++;
                        versionsSeen.Add(body.GetProperty("model_version").GetString()!);
                        if (ServerFixture.FloatData(body.GetProperty("outputs")[0])[0] != client) failures.Add("wrong result");
                    }
                    else
                    {
                        failures.Add($"{(int)status}: {body}");
                    }
                }
            }
        }
        var clients = Enumerable.Range(1, 4).Select(Traffic).ToArray();

        var clock = Stopwatch.StartNew();
        for (int round = 0; round < 3; round++)
        {
            // A new version appears and is loaded while requests flow; the old one drains.
            TestModels.Write(server.Repository, "reloadable", 2 + round, TestModels.Relu());
            var (status, body) = await server.PostAsync("/v2/repository/models/reloadable/load", "");
            Assert.True(status == HttpStatusCode.OK, body.ToString());
            // Unloading and loading another model does not disturb this one.
            Assert.Equal(HttpStatusCode.OK, (await server.PostAsync("/v2/repository/models/side/unload", "")).Status);
            Assert.Equal(HttpStatusCode.OK, (await server.PostAsync("/v2/repository/models/side/load", "")).Status);
            await Task.Delay(150);
        }
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Assert.Empty(failures);
        Assert.True(ok > 20, $"only {ok} requests in {clock.ElapsedMilliseconds} ms");
        Assert.Contains("4", versionsSeen);
        var (_, metadata) = await server.GetAsync("/v2/models/reloadable");
        Assert.Equal(["4"], metadata.GetProperty("versions").EnumerateArray().Select(v => v.GetString()!).ToArray());
    }

    [Fact]
    public async Task Version_policy_all_serves_every_version_and_the_latest_by_default()
    {
        TestModels.Write(server.Repository, "multi", 1, TestModels.Relu(), """{ "version_policy": "all" }""");
        TestModels.Write(server.Repository, "multi", 3, TestModels.Relu());
        Assert.Equal(HttpStatusCode.OK, (await server.PostAsync("/v2/repository/models/multi/load", "")).Status);
        var (_, body) = await server.PostAsync("/v2/models/multi/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal("3", body.GetProperty("model_version").GetString());
        (_, body) = await server.PostAsync("/v2/models/multi/versions/1/infer", ServerFixture.ReluRequest([1, 2, 3, 4]));
        Assert.Equal("1", body.GetProperty("model_version").GetString());
        (_, body) = await server.GetAsync("/v2/models/multi");
        Assert.Equal(["1", "3"], body.GetProperty("versions").EnumerateArray().Select(v => v.GetString()!).ToArray());
    }
}
