using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;
using Valvuloplasty.Fhir.Worklist;

namespace Valvuloplasty.Fhir.IntegrationTests.Worklist;

/// <summary>
/// <c>worklist export</c> against a Bulk Data server (WireMock.Net, one per test): SMART backend authorisation, kick-off,
/// polling, downloads, failures, cancellation; every run's worklist is checked against the synthetic patients' expected
/// decisions.
/// </summary>
public sealed class BulkExportTests : IDisposable
{
    private const string ClientId = "valvuloplasty-worklist";
    private const string AsOf = "2026-11-28";

    /// <summary>Three patients: a candidate for balloon aortic valvuloplasty, one who is not, a mitral candidate on an anticoagulant (a Medication to resolve).</summary>
    private static readonly string[] Patients = ["aortic-candidate", "aortic-not-candidate", "mitral-included-xarelto"];

    private readonly BulkDataServer _server = new();
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("bulk-export-test-");
    private readonly TestKey _key = TestKey.Rsa();

    public BulkExportTests()
    {
        foreach (var (type, ndjson) in BulkDataServer.Population(Patients).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            _server.AddOutput($"{type}.ndjson", type, ndjson);
        }
    }

    private string OutFile => Path.Combine(_work.FullName, "worklist.ndjson");

    [Fact]
    public async Task Export_KickOffAndPolling_HonoursRetryAfterAndShowsProgress()
    {
        // Waits longer than the client's own backoff (1 s, then 2 s), so only honouring them explains the gaps.
        _server.StatusScript.Enqueue(() => BulkDataServer.InProgress(DateTimeOffset.UtcNow.AddSeconds(3).ToString("R"), "Exporting: 40% of Observation")());
        _server.StatusScript.Enqueue(BulkDataServer.InProgress("3", "Exporting: 90%"));
        var settings = Path.Combine(_work.FullName, "appsettings.json");
        await File.WriteAllTextAsync(settings, new JsonObject { ["Fhir"] = new JsonObject { ["AllowedServers"] = new JsonArray(_server.BaseUrl) } }.ToJsonString(), TestContext.Current.CancellationToken);

        var run = await RunAsync(allowList: ["--settings", settings, "--insecure-http-for-testing"]);

        AssertExit(ExitCodes.Done, run);
        AssertWorklistOfThePopulation();
        Assert.Contains("Exporting: 40% of Observation", run.Errors, StringComparison.Ordinal);
        Assert.Contains("Exporting: 90%", run.Errors, StringComparison.Ordinal);
        var polls = _server.Requests.Where(r => r.Method == "GET" && r.Path == BulkDataServer.StatusPath).ToList();
        Assert.Equal(3, polls.Count);
        Assert.True(polls[1].At - polls[0].At >= TimeSpan.FromMilliseconds(1800), $"Retry-After as an HTTP date (2-3 s ahead) honoured: {(polls[1].At - polls[0].At).TotalMilliseconds} ms");
        Assert.True(polls[2].At - polls[1].At >= TimeSpan.FromMilliseconds(2900), $"Retry-After 3 s honoured: {(polls[2].At - polls[1].At).TotalMilliseconds} ms");

        var kickOff = Assert.Single(_server.Requests, r => r.Path == "/fhir/Patient/$export");
        Assert.Equal("application/fhir+json", kickOff.Header("Accept"));
        Assert.Equal("respond-async", kickOff.Header("Prefer"));
        Assert.Equal(["application/fhir+ndjson"], kickOff.Param("_outputFormat"));
        Assert.Equal(
            ["Condition", "Medication", "MedicationRequest", "Observation", "Patient", "Procedure", "RiskAssessment", "ServiceRequest"],
            kickOff.Param("_type").SelectMany(t => t.Split(',')).Order(StringComparer.Ordinal));
        var filters = kickOff.Param("_typeFilter");
        Assert.Contains("MedicationRequest?status=active,on-hold", filters);
        var observations = Assert.Single(filters, f => f.StartsWith("Observation?code=", StringComparison.Ordinal));
        Assert.Contains("http://loinc.org|", observations, StringComparison.Ordinal);
        Assert.DoesNotContain(filters, f => f.Contains("patient=", StringComparison.Ordinal));

        // The token went with every request to the server; the export was let go at the end.
        Assert.All(_server.Requests.Where(r => r.Path.EndsWith("$export", StringComparison.Ordinal) || r.Path.StartsWith("/fhir/files/", StringComparison.Ordinal) || r.Path == BulkDataServer.StatusPath),
            r => Assert.Equal("token-1", r.Token));
        Assert.All(_server.Requests.Where(r => r.Path.StartsWith("/fhir/files/", StringComparison.Ordinal)), r => Assert.Equal("application/fhir+ndjson", r.Header("Accept")));
        Assert.Equal(_server.Output.Count, _server.Count("GET", "/fhir/files/"));
        Assert.Equal(1, _server.Count("DELETE", BulkDataServer.StatusPath));
        Assert.Contains($"export: {_server.Output.Count} file(s)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_429And5xxWhilePollingAndDownloading_AreRetriedWithTheRightResult()
    {
        _server.StatusScript.Enqueue(() => BulkDataServer.Reply(429, BulkDataServer.Outcome("slow down"), headers: ("Retry-After", "1")));
        _server.StatusScript.Enqueue(() => BulkDataServer.Reply(503, BulkDataServer.Outcome("busy"), headers: ("Retry-After", "1")));
        _server.StatusScript.Enqueue(BulkDataServer.InProgress("1", null));
        _server.FileScript["Observation.ndjson"] = new([
            () => BulkDataServer.Reply(500, BulkDataServer.Outcome("storage hiccup")),
            () => BulkDataServer.Reply(429, BulkDataServer.Outcome("too many downloads"), headers: ("Retry-After", "1")),
        ]);
        _server.FileScript["Condition.ndjson"] = new([() => BulkDataServer.Reply(503, BulkDataServer.Outcome("busy"), headers: ("Retry-After", "1"))]);

        var run = await RunAsync();

        AssertExit(ExitCodes.Done, run);
        AssertWorklistOfThePopulation();
        var statuses = _server.Requests.Where(r => r.Method == "GET" && r.Path == BulkDataServer.StatusPath).Select(r => r.Status).ToList();
        Assert.Equal([429, 503, 202, 200], statuses);
        Assert.Equal([500, 429, 200], _server.Requests.Where(r => r.Path == "/fhir/files/Observation.ndjson").Select(r => r.Status));
        Assert.Equal([503, 200], _server.Requests.Where(r => r.Path == "/fhir/files/Condition.ndjson").Select(r => r.Status));
        var retried = _server.Requests.Where(r => r.Path == "/fhir/files/Observation.ndjson").ToList();
        Assert.True(retried[2].At - retried[1].At >= TimeSpan.FromMilliseconds(950), "the download's Retry-After was honoured");
        Assert.Contains("5 HTTP retries", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_TokenExpiresMidRun_ANewOneIsTakenBeforeExpiryAndUsed()
    {
        _server.TokenLifetimeSeconds = 2;
        for (var i = 0; i < 3; i++)
        {
            _server.StatusScript.Enqueue(BulkDataServer.InProgress("1", null));
        }

        var run = await RunAsync();

        AssertExit(ExitCodes.Done, run);
        AssertWorklistOfThePopulation();
        Assert.True(_server.TokenRequests.Count >= 2, $"token requests: {_server.TokenRequests.Count}");
        Assert.DoesNotContain(_server.Requests, r => r.Status == 401); // renewed before it expired, not after a refusal
        var second = _server.IssuedAt["token-2"];
        var later = _server.Requests.Where(r => r.At > second && r.Token is not null && r.Method == "GET").ToList();
        Assert.NotEmpty(later);
        Assert.All(later, r => Assert.NotEqual("token-1", r.Token));
        Assert.Contains(_server.Requests, r => r.Path == BulkDataServer.StatusPath && r.Token == "token-1");
        var jtis = _server.TokenRequests.Select(f => new JsonWebToken(f["client_assertion"]).Id).ToList();
        Assert.Equal(jtis.Count, jtis.Distinct().Count());
    }

    [Fact]
    public async Task Export_RequestAnswered401_GetsOneNewTokenAndRetries()
    {
        _server.StatusScript.Enqueue(() =>
        {
            _server.Revoked["token-1"] = true; // the server drops the token while the export runs
            return BulkDataServer.InProgress("1", null)();
        });

        var run = await RunAsync();

        AssertExit(ExitCodes.Done, run);
        AssertWorklistOfThePopulation();
        Assert.Equal(2, _server.TokenRequests.Count);
        var polls = _server.Requests.Where(r => r.Method == "GET" && r.Path == BulkDataServer.StatusPath).ToList();
        Assert.Equal([("token-1", 202), ("token-1", 401), ("token-2", 200)], polls.Select(p => (p.Token, p.Status)));
    }

    [Fact]
    public async Task Export_ManifestWithErrorFiles_ReportsTheIssuesAndExitsPartial()
    {
        _server.Errors.Add(("errors.ndjson",
            BulkDataServer.Outcome("Observation export failed for a block of patients: database timeout") + "\n"
            + BulkDataServer.Outcome("Procedure resources were skipped", severity: "information", code: "informational") + "\n"));

        var run = await RunAsync();

        AssertExit(ExitCodes.Partial, run);
        Assert.Contains("the server reported (error): Observation export failed for a block of patients: database timeout [processing]", run.Errors, StringComparison.Ordinal);
        Assert.Contains("the server reported (information): Procedure resources were skipped", run.Errors, StringComparison.Ordinal);
        Assert.Contains("1 error file(s) with 2 issue(s)", run.Output, StringComparison.Ordinal);
        AssertWorklistOfThePopulation(); // what was exported is still scanned
    }

    [Fact]
    public async Task Export_InformationOnlyErrorFile_IsReportedButNotPartial()
    {
        _server.Errors.Add(("notes.ndjson", BulkDataServer.Outcome("no RiskAssessment resources", severity: "information", code: "informational") + "\n"));

        var run = await RunAsync();

        AssertExit(ExitCodes.Done, run);
        Assert.Contains("the server reported (information): no RiskAssessment resources", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ServerRefusesTypeFilter_KicksOffAgainWithoutItAndTheWorklistIsTheSame()
    {
        _server.RefuseTypeFilter = true;
        // Unfiltered, the server also sends what the rules do not read: a heart rate and an Encounter.
        var observations = _server.Output.Single(o => o.Type == "Observation");
        _server.Output.Remove(observations);
        _server.AddOutput("Observation.ndjson", "Observation", System.Text.Encoding.UTF8.GetString(observations.Body)
            + """{"resourceType":"Observation","id":"hr-1","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"subject":{"reference":"Patient/aortic-candidate"},"effectiveDateTime":"2026-11-01","valueQuantity":{"value":72,"unit":"/min","system":"http://unitsofmeasure.org","code":"/min"}}""" + "\n");
        _server.AddOutput("Encounter.ndjson", "Encounter", """{"resourceType":"Encounter","id":"enc-1","status":"finished","class":{"code":"AMB"},"subject":{"reference":"Patient/aortic-candidate"}}""" + "\n");

        var run = await RunAsync();

        AssertExit(ExitCodes.Done, run);
        AssertWorklistOfThePopulation();
        var kickOffs = _server.Requests.Where(r => r.Path == "/fhir/Patient/$export").ToList();
        Assert.Equal(2, kickOffs.Count);
        Assert.Equal(400, kickOffs[0].Status);
        Assert.NotEmpty(kickOffs[0].Param("_typeFilter"));
        Assert.Empty(kickOffs[1].Param("_typeFilter"));
        Assert.Equal(kickOffs[0].Param("_type"), kickOffs[1].Param("_type"));
        Assert.Contains("refused _typeFilter (400 Bad Request: _typeFilter is not supported by this server", run.Errors, StringComparison.Ordinal);
        Assert.Contains("Encounter", run.Errors, StringComparison.Ordinal); // not downloaded: the rules do not read it
        Assert.Equal(0, _server.Count("GET", "/fhir/files/Encounter"));
    }

    [Fact]
    public async Task Export_GzipFiles_AreDecompressedInTransferOrKeptCompressed()
    {
        var population = BulkDataServer.Population(Patients);
        _server.Output.Clear();
        foreach (var (type, ndjson) in population)
        {
            _server.AddOutput($"{type}.ndjson", type, ndjson, gzipBody: type == "Observation", contentEncodingGzip: type == "Condition");
        }

        var downloads = Path.Combine(_work.FullName, "downloads");
        var run = await RunAsync(extra: ["--download-dir", downloads]);

        AssertExit(ExitCodes.Done, run);
        AssertWorklistOfThePopulation();
        var observations = await File.ReadAllBytesAsync(Path.Combine(downloads, "Observation-001.ndjson.gz"), TestContext.Current.CancellationToken);
        Assert.Equal([0x1f, 0x8b], observations[..2]); // stored gzip: kept so
        var conditions = await File.ReadAllTextAsync(Path.Combine(downloads, "Condition-001.ndjson"), TestContext.Current.CancellationToken);
        Assert.Equal(population["Condition"], conditions); // gzip in transfer: decompressed
        Assert.Contains("gzip", _server.Requests.First(r => r.Path == "/fhir/files/Condition.ndjson").Header("Accept-Encoding") ?? "", StringComparison.Ordinal);
        Assert.Contains($"export files: {downloads}", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("off-the-list", "is not in Fhir:AllowedServers")]
    [InlineData("http-without-the-testing-flag", "fhirServer must use https")]
    [InlineData("listed-http-entry-without-the-testing-flag", "https is required")]
    public async Task Export_ServerOffTheAllowList_IsRefusedBeforeAnyRequest(string setup, string reason)
    {
        string[] allowList = setup switch
        {
            "off-the-list" => ["--allowed-server", "https://ehr.example.org/fhir", "--insecure-http-for-testing"],
            "http-without-the-testing-flag" => ["--allowed-server", "https://ehr.example.org/fhir"],
            _ => ["--allowed-server", _server.BaseUrl],
        };

        var run = await RunAsync(allowList: allowList);

        AssertExit(ExitCodes.Usage, run);
        Assert.Contains(reason, run.Errors, StringComparison.Ordinal);
        Assert.Empty(_server.Server.LogEntries);
        Assert.False(File.Exists(OutFile));
    }

    [Fact]
    public async Task Export_CtrlCWhilePolling_CancelsTheExportOnTheServer()
    {
        _server.NeverComplete = true;
        using var cancel = new CancellationTokenSource();
        var running = RunAsync(cancel: cancel);
        await _server.FirstPoll.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await cancel.CancelAsync();

        var run = await running;

        AssertExit(ExitCodes.Partial, run);
        Assert.Contains("cancelled", run.Errors, StringComparison.Ordinal);
        var delete = Assert.Single(_server.Requests, r => r.Method == "DELETE");
        Assert.Equal(BulkDataServer.StatusPath, delete.Path);
        Assert.Equal("token-1", delete.Token);
        Assert.Equal(0, _server.Count("GET", "/fhir/files/"));
    }

    [Fact]
    public async Task Export_DownloadFailingAfterRetries_IsReportedAsAFailedFile()
    {
        _server.FileScript["Procedure.ndjson"] = new(Enumerable.Range(0, 10).Select(_ =>
            (Func<WireMock.ResponseMessage>)(() => BulkDataServer.Reply(503, BulkDataServer.Outcome("object store unavailable"), headers: ("Retry-After", "0")))));

        var run = await RunAsync();

        AssertExit(ExitCodes.Partial, run);
        Assert.Equal(1 + BulkExportCommand.Resilience.MaxRetries, _server.Count("GET", "/fhir/files/Procedure.ndjson"));
        Assert.Contains("not fully read: Procedure-001.ndjson: download failed: 503 Service Unavailable: object store unavailable", run.Errors, StringComparison.Ordinal);
        // The other files were scanned: the candidates are still found (the procedures only add history).
        var lines = WorklistLines();
        Assert.Contains(("aortic-candidate", "aortic", "candidate"), lines);
    }

    [Fact]
    public async Task Export_KickOffRefused_ExitsServerFailedWithTheOutcome()
    {
        _server.KickOffFailure = (403, "client valvuloplasty-worklist may not export Group cohort-1");

        var run = await RunAsync(extra: ["--group", "cohort-1"]);

        AssertExit(ExitCodes.ServerFailed, run);
        Assert.Contains("kick-off was refused: 403 Forbidden: client valvuloplasty-worklist may not export Group cohort-1", run.Errors, StringComparison.Ordinal);
        Assert.Single(_server.Requests, r => r.Path == "/fhir/Group/cohort-1/$export");
        Assert.Equal(0, _server.Count("DELETE", "/fhir/")); // no export was started: nothing to delete
    }

    [Theory]
    [InlineData("RS384")]
    [InlineData("ES384")]
    public async Task Export_ClientAssertion_IsSignedAsSmartBackendServicesAsks(string algorithm)
    {
        using var key = algorithm == "RS384" ? TestKey.Rsa() : TestKey.Ec();

        var run = await RunAsync(key: key);

        AssertExit(ExitCodes.Done, run);
        var form = Assert.Single(_server.TokenRequests);
        Assert.Equal("client_credentials", form["grant_type"]);
        Assert.Equal("urn:ietf:params:oauth:client-assertion-type:jwt-bearer", form["client_assertion_type"]);
        Assert.Equal(BulkExportRequest.DefaultScope, form["scope"]);
        Assert.Contains("system/Observation.rs", form["scope"], StringComparison.Ordinal);

        var assertion = form["client_assertion"];
        var validation = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = key.PublicKey,
            ValidIssuer = ClientId,
            ValidAudience = _server.TokenEndpoint,
            ValidAlgorithms = [algorithm],
            RequireExpirationTime = true,
        });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var jwt = new JsonWebToken(assertion);
        Assert.Equal(algorithm, jwt.Alg);
        Assert.Equal(key.Kid, jwt.Kid);
        Assert.Equal("JWT", jwt.Typ);
        Assert.Equal(ClientId, jwt.Subject);
        Assert.Equal([_server.TokenEndpoint], jwt.Audiences);
        Assert.InRange(jwt.ValidTo - DateTime.UtcNow, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(5));
        Assert.False(string.IsNullOrEmpty(jwt.Id));
        Assert.DoesNotContain(assertion, run.Output + run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("token-1", run.Output + run.Errors, StringComparison.Ordinal);

        // A signature by another key does not verify: the check above is a real one.
        using var other = algorithm == "RS384" ? TestKey.Rsa() : TestKey.Ec();
        var forged = await new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = other.PublicKey, ValidIssuer = ClientId, ValidAudience = _server.TokenEndpoint,
        });
        Assert.False(forged.IsValid);
    }

    [Theory]
    [InlineData("public-only")]
    [InlineData("p256")]
    [InlineData("no-kid")]
    public async Task Export_UnusableKey_IsAUsageErrorBeforeAnyRequest(string problem)
    {
        using var key = problem == "p256" ? TestKey.Ec(ECCurve.NamedCurves.nistP256) : TestKey.Rsa();
        var jwk = JsonNode.Parse(key.PrivateJwk)!.AsObject();
        if (problem == "public-only")
        {
            foreach (var member in new[] { "d", "p", "q", "dp", "dq", "qi" })
            {
                jwk.Remove(member);
            }
        }
        else if (problem == "no-kid")
        {
            jwk.Remove("kid");
        }

        var path = Path.Combine(_work.FullName, "key.jwk");
        await File.WriteAllTextAsync(path, jwk.ToJsonString(), TestContext.Current.CancellationToken);

        var run = await RunAsync(keyPath: path);

        AssertExit(ExitCodes.Usage, run);
        Assert.Contains("--key", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain(jwk["n"]?.GetValue<string>() ?? jwk["x"]!.GetValue<string>(), run.Errors, StringComparison.Ordinal);
        Assert.Empty(_server.Server.LogEntries);
    }

    private sealed record Run(int Code, string Output, string Errors);

    private async Task<Run> RunAsync(string[]? allowList = null, string[]? extra = null, TestKey? key = null, string? keyPath = null, CancellationTokenSource? cancel = null)
    {
        if (keyPath is null)
        {
            keyPath = Path.Combine(_work.FullName, $"client-{Guid.NewGuid():N}.jwk");
            await File.WriteAllTextAsync(keyPath, (key ?? _key).PrivateJwk, TestContext.Current.CancellationToken);
        }

        string[] args =
        [
            "export", "--server", _server.BaseUrl, "--client-id", ClientId, "--key", keyPath, "--out", OutFile,
            "--as-of", AsOf, "--profiles", Path.Combine(Requests.RepoRoot, "profiles"),
            .. allowList ?? ["--allowed-server", _server.BaseUrl, "--insecure-http-for-testing"],
            .. extra ?? [],
        ];
        using var output = new StringWriter();
        using var errors = new StringWriter();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel?.Token ?? CancellationToken.None, TestContext.Current.CancellationToken);
        var code = await WorklistCommand.RunAsync(args, output, errors, linked.Token);
        return new Run(code, output.ToString(), errors.ToString());
    }

    private static void AssertExit(int expected, Run run) =>
        Assert.True(expected == run.Code, $"exit {run.Code}, expected {expected}; stderr:\n{run.Errors}");

    private List<(string PatientId, string Valve, string Decision)> WorklistLines() =>
        [.. File.ReadAllLines(OutFile).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!)
            .Select(n => (n["patientId"]!.GetValue<string>(), n["valve"]!.GetValue<string>(), n["decision"]!.GetValue<string>()))];

    /// <summary>The worklist holds exactly the expected decisions of the population's patients (profiles/examples/patients/expected.json).</summary>
    private void AssertWorklistOfThePopulation()
    {
        var expected = SyntheticPatients.Expected
            .Where(e => Patients.Contains(e.PatientId) && e.Decision != ExpectedOutcome.NoCard)
            .Select(e => (e.PatientId, e.Valve, e.Decision))
            .Order()
            .ToList();
        Assert.Equal(3, expected.Count);
        Assert.Contains(("aortic-candidate", "aortic", "candidate"), expected);
        Assert.Equal(expected, WorklistLines().Order());
    }

    public void Dispose()
    {
        _server.Dispose();
        _key.Dispose();
        _work.Delete(recursive: true);
    }

    /// <summary>A client key pair: the private JWK the command reads, the public key the server would register.</summary>
    private sealed class TestKey : IDisposable
    {
        private readonly AsymmetricAlgorithm _algorithm;

        private TestKey(AsymmetricAlgorithm algorithm, SecurityKey publicKey, string privateJwk, string kid)
        {
            _algorithm = algorithm;
            PublicKey = publicKey;
            PrivateJwk = privateJwk;
            Kid = kid;
        }

        public SecurityKey PublicKey { get; }

        public string PrivateJwk { get; }

        public string Kid { get; }

        public static TestKey Rsa()
        {
            var rsa = RSA.Create(2048);
            var p = rsa.ExportParameters(includePrivateParameters: true);
            var kid = $"rsa-{Guid.NewGuid():N}";
            var jwk = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["kty"] = "RSA", ["kid"] = kid, ["alg"] = "RS384",
                ["n"] = Base64UrlEncoder.Encode(p.Modulus!), ["e"] = Base64UrlEncoder.Encode(p.Exponent!), ["d"] = Base64UrlEncoder.Encode(p.D!),
                ["p"] = Base64UrlEncoder.Encode(p.P!), ["q"] = Base64UrlEncoder.Encode(p.Q!), ["dp"] = Base64UrlEncoder.Encode(p.DP!),
                ["dq"] = Base64UrlEncoder.Encode(p.DQ!), ["qi"] = Base64UrlEncoder.Encode(p.InverseQ!),
            });
            var publicRsa = RSA.Create();
            publicRsa.ImportParameters(rsa.ExportParameters(includePrivateParameters: false));
            return new TestKey(rsa, new RsaSecurityKey(publicRsa) { KeyId = kid }, jwk, kid);
        }

        public static TestKey Ec(ECCurve? curve = null)
        {
            var ecdsa = ECDsa.Create(curve ?? ECCurve.NamedCurves.nistP384);
            var p = ecdsa.ExportParameters(includePrivateParameters: true);
            var kid = $"ec-{Guid.NewGuid():N}";
            var jwk = JsonSerializer.Serialize(new Dictionary<string, string>
            {
                ["kty"] = "EC", ["kid"] = kid, ["crv"] = curve is null ? "P-384" : "P-256",
                ["x"] = Base64UrlEncoder.Encode(p.Q.X!), ["y"] = Base64UrlEncoder.Encode(p.Q.Y!), ["d"] = Base64UrlEncoder.Encode(p.D!),
            });
            var publicEc = ECDsa.Create(ecdsa.ExportParameters(includePrivateParameters: false));
            return new TestKey(ecdsa, new ECDsaSecurityKey(publicEc) { KeyId = kid }, jwk, kid);
        }

        public void Dispose() => _algorithm.Dispose();
    }
}
