using System.Net;
using Microsoft.Data.Sqlite;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

public sealed class OperationsTests
{
    [Fact]
    public async Task Health_LiveAndReady_AreHealthyOnTheEmbeddedDefault()
    {
        using var host = new CdsTestHost();

        var live = await host.Client.GetAsync("/health/live", TestContext.Current.CancellationToken);
        var ready = await host.Client.GetAsync("/health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Health_Ready_FailsWhenTheFeedbackStoreIsGone_WhileLiveStaysUp()
    {
        using var host = new CdsTestHost();
        _ = host.Client;
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(Path.GetDirectoryName(host.DatabasePath)!, Path.GetFileName(host.DatabasePath) + "*"))
        {
            File.Delete(file);
        }

        var ready = await host.Client.GetAsync("/health/ready", TestContext.Current.CancellationToken);
        var live = await host.Client.GetAsync("/health/live", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public void Startup_ProfilesFolderMissing_StopsWithThePath()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-profiles-{Guid.NewGuid():N}");
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Terminology:ProfilesPath"] = missing });

        var error = Assert.ThrowsAny<Exception>(() => host.Client);

        Assert.Contains(missing, Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_CorruptValueSet_StopsWithTheFileName()
    {
        var profiles = CopyProfiles();
        File.WriteAllText(Path.Combine(profiles, "ValueSet-aortic-vmax.json"), "{ \"resourceType\": \"ValueSet\", \"id\": ");
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Terminology:ProfilesPath"] = profiles });

        var error = Assert.ThrowsAny<Exception>(() => host.Client);

        Assert.IsType<TerminologyLoadException>(Innermost<TerminologyLoadException>(error));
        Assert.Contains("ValueSet-aortic-vmax.json", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Startup_RequiredValueSetMissing_StopsNamingIt()
    {
        var profiles = CopyProfiles();
        File.Delete(Path.Combine(profiles, "ValueSet-mitral-stenosis.json"));
        using var host = new CdsTestHost(new Dictionary<string, string?> { ["Terminology:ProfilesPath"] = profiles });

        var error = Assert.ThrowsAny<Exception>(() => host.Client);

        Assert.Contains("ValueSet-mitral-stenosis.json", Flatten(error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CdsHooks:MaxRequestBodyBytes", "10")]
    [InlineData("CdsHooks:MaxJsonDepth", "2")]
    [InlineData("Feedback:BusyTimeoutSeconds", "0")]
    [InlineData("Rules:EchoFreshnessDays", "0")]
    public void Startup_InvalidConfiguration_StopsNamingTheSetting(string key, string value)
    {
        using var host = new CdsTestHost(new Dictionary<string, string?> { [key] = value });

        var error = Assert.ThrowsAny<Exception>(() => host.Client);

        Assert.Contains(key.Split(':')[1], Flatten(error), StringComparison.Ordinal);
    }

    private static string CopyProfiles()
    {
        var target = Path.Combine(Path.GetTempPath(), "valvuloplasty-tests", $"profiles-{Guid.NewGuid():N}");
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(Path.Combine(Requests.RepoRoot, "profiles"), "*.json"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }

    private static string Flatten(Exception error)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(Flatten));
            }
        }

        return string.Join(" | ", messages);
    }

    private static T? Innermost<T>(Exception error) where T : Exception
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is T match)
            {
                return match;
            }

            if (e is AggregateException aggregate && aggregate.InnerExceptions.Select(Innermost<T>).FirstOrDefault(x => x is not null) is { } found)
            {
                return found;
            }
        }

        return null;
    }
}
