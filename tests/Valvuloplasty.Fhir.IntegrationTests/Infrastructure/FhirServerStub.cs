using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.Data.Prefetch;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

/// <summary>
/// A WireMock.Net server standing in for the EHR's FHIR server, one per test. It can serve the prefetch of
/// an example hook request as the search results the service's templates ask for.
/// </summary>
public sealed class FhirServerStub : IDisposable
{
    public const string Token = "opaque-access-token-4f1c";

    /// <summary>Resource type searched per prefetch key (the patient key is a read), as the service defines them.</summary>
    public static readonly IReadOnlyDictionary<string, string> KeyTypes = PrefetchKeys.ResourceTypes.ToDictionary();

    public FhirServerStub() => Server = WireMockServer.Start();

    /// <summary>A loopback port nothing listens on (bound, then released): connections to it are refused.</summary>
    public static int UnusedLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public WireMockServer Server { get; }

    /// <summary>The FHIR base URL to put in a request's fhirServer.</summary>
    public string BaseUrl => $"{Server.Urls[0]}/fhir";

    /// <summary>
    /// Serves every prefetch key of <paramref name="request"/> (but <paramref name="except"/>) at the path its
    /// template queries.
    /// </summary>
    public FhirServerStub ServeRecordOf(JsonObject request, int delayMs = 0, params string[] except)
    {
        var patientId = request["context"]!["patientId"]!.GetValue<string>();
        foreach (var (key, value) in request["prefetch"]!.AsObject())
        {
            if (value is not null && !except.Contains(key) && KeyTypes.TryGetValue(key, out var type))
            {
                Serve(type, value.ToJsonString(), patientId, delayMs);
            }
        }

        return this;
    }

    /// <summary>Serves one resource type's search (or, for Patient, the read) for the patient.</summary>
    public void Serve(string resourceType, string body, string patientId, int delayMs = 0, int status = 200)
    {
        var request = resourceType == "Patient"
            ? Request.Create().WithPath($"/fhir/Patient/{patientId}").UsingGet()
            : Request.Create().WithPath($"/fhir/{resourceType}").WithParam("patient", patientId).UsingGet();
        var response = Response.Create().WithStatusCode(status).WithHeader("Content-Type", "application/fhir+json").WithBody(body);
        if (delayMs > 0)
        {
            response = response.WithDelay(TimeSpan.FromMilliseconds(delayMs));
        }

        Server.Given(request).RespondWith(response);
    }

    /// <summary>Paths requested so far (e.g. <c>/fhir/Observation</c>).</summary>
    public IReadOnlyList<string> RequestedPaths => [.. Server.LogEntries.Select(e => e.RequestMessage.Path)];

    public int Count(string resourceType) => RequestedPaths.Count(p => p.StartsWith($"/fhir/{resourceType}", StringComparison.Ordinal));

    /// <summary>The Authorization header of every request received.</summary>
    public IReadOnlyList<string?> AuthorizationHeaders =>
        [.. Server.LogEntries.Select(e => e.RequestMessage.Headers?.TryGetValue("Authorization", out var values) == true ? values.FirstOrDefault() : null)];

    /// <summary>A copy of <paramref name="request"/> whose data must come from this server.</summary>
    public JsonObject WithFhirServer(JsonObject request, bool withToken = true, params string[] keysToRemove)
    {
        var copy = request.DeepClone().AsObject();
        copy["fhirServer"] = BaseUrl;
        if (withToken)
        {
            copy["fhirAuthorization"] = new JsonObject
            {
                ["access_token"] = Token,
                ["token_type"] = "Bearer",
                ["expires_in"] = 300,
                ["scope"] = "patient/*.read",
                ["subject"] = "valvuloplasty-cds",
            };
        }

        var prefetch = copy["prefetch"]!.AsObject();
        foreach (var key in keysToRemove.Length == 0 ? [.. prefetch.Select(p => p.Key)] : keysToRemove)
        {
            prefetch.Remove(key);
        }

        return copy;
    }

    public void Dispose() => Server.Stop();
}
