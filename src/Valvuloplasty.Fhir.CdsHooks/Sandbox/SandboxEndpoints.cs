using System.Text.Json;
using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.Data.Fhir;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>
/// The testing experience, on only when <c>Sandbox:Enabled</c> (default: Development): the page at <c>/</c>, a
/// read-only FHIR R4 facade over the synthetic patients at <c>/sandbox/fhir</c> (so the service's own FHIR
/// fallback and the public CDS Hooks sandbox can use them), patient summaries for the page, and development
/// tokens. A fixture server, kept out of the production path.
/// </summary>
public static class SandboxEndpoints
{
    public static IServiceCollection AddSandbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SandboxOptions>().Bind(configuration.GetSection(SandboxOptions.SectionName));
        services.AddSingleton<SandboxFhirStore>();
        services.AddSingleton<SandboxIssuer>();
        services.AddSingleton<SmartSimulator>();
        return services;
    }

    public static bool SandboxEnabled(this IServiceProvider services) =>
        services.GetRequiredService<IOptions<SandboxOptions>>().Value.Enabled ?? services.GetRequiredService<IHostEnvironment>().IsDevelopment();

    /// <summary>Maps the page and the sandbox routes when the sandbox is on; otherwise none of them exists.</summary>
    public static WebApplication MapSandbox(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!app.Services.SandboxEnabled())
        {
            return app;
        }

        _ = app.Services.GetRequiredService<SandboxFhirStore>(); // load the patients at start-up
        app.UseDefaultFiles();
        app.UseStaticFiles();

        // Browsers call these from other origins (the public CDS Hooks sandbox, a test page): the same CORS policy as
        // /cds-services, preflight included.
        var sandbox = app.MapGroup("/sandbox").RequireCors(SecurityServiceCollectionExtensions.CorsPolicy);
        sandbox.MapGet("/patients", Patients);
        sandbox.MapPost("/token", Token);

        var fhir = sandbox.MapGroup("/fhir");
        fhir.MapGet("/metadata", Metadata);
        fhir.MapGet("/{type}/{id}", Read);
        fhir.MapGet("/{type}", (string type, HttpRequest request, SandboxFhirStore store, SmartSimulator simulator) =>
            Search(type, request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal), request, store, simulator));
        fhir.MapPost("/{type}/_search", SearchByPost).DisableAntiforgery();

        // The development SMART server for this FHIR endpoint (the SMART app's launch, authorization and tokens).
        SmartSimulatorEndpoints.Map(sandbox, fhir);
        return app;
    }

    private static FhirResourceResult Metadata(HttpRequest request)
    {
        var statement = new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = "2026-11-28",
            Kind = CapabilityStatementKind.Instance,
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["json"],
            Software = new CapabilityStatement.SoftwareComponent { Name = "Valvuloplasty.Fhir sandbox FHIR endpoint (synthetic patients, read-only)" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "Fixture server for testing; not for clinical data", Url = SmartSimulatorEndpoints.FhirBase(request) },
            Rest =
            [
                new CapabilityStatement.RestComponent
                {
                    Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                    Security = SmartSecurity(request),
                    Resource =
                    [
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Patient",
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                            ],
                            SearchParam =
                            [
                                Param("_id", SearchParamType.Token), Param("name", SearchParamType.String), Param("family", SearchParamType.String),
                                Param("given", SearchParamType.String), Param("gender", SearchParamType.Token),
                            ],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Medication",
                            Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read }],
                        },
                        .. SandboxFhirStore.ClinicalTypes.Select(type => new CapabilityStatement.ResourceComponent
                        {
                            Type = type,
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                            ],
                            SearchParam =
                            [
                                Param("_id", SearchParamType.Token), Param("patient", SearchParamType.Reference), Param("subject", SearchParamType.Reference),
                                Param("code", SearchParamType.Token), Param("status", SearchParamType.Token),
                            ],
                        }),
                    ],
                },
            ],
        };
        return Fhir(StatusCodes.Status200OK, statement);
    }

    /// <summary>The SMART App Launch oauth-uris extension: where the simulator's authorize and token endpoints are.</summary>
    private static CapabilityStatement.SecurityComponent SmartSecurity(HttpRequest request)
    {
        var smart = $"{request.Scheme}://{request.Host}{request.PathBase}/sandbox/smart";
        var oauth = new Extension { Url = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris" };
        oauth.Extension.Add(new Extension("authorize", new FhirUri($"{smart}/authorize")));
        oauth.Extension.Add(new Extension("token", new FhirUri($"{smart}/token")));
        var security = new CapabilityStatement.SecurityComponent
        {
            Service = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/restful-security-service", "SMART-on-FHIR")],
            Description = "Open without a token; with a bearer token from the sandbox's SMART simulator, limited to the token's patient and scopes.",
        };
        security.Extension.Add(oauth);
        return security;
    }

    /// <summary>
    /// Reads any stored resource by type and id (a MedicationRequest's referenced Medication among them). With a
    /// SMART token: only what its scopes allow, and only its patient's data (a resource of no patient, a Medication, is readable).
    /// </summary>
    private static IResult Read(string type, string id, HttpRequest request, SandboxFhirStore store, SmartSimulator simulator)
    {
        var (grant, refusal) = SmartSimulatorEndpoints.Check(request, simulator);
        if (refusal is not null)
        {
            return refusal;
        }

        if (grant is not null && !grant.Allows(type, 'r'))
        {
            return SmartSimulatorEndpoints.Forbidden($"The access token's scopes do not allow reading {Trim(type)}.");
        }

        if (store.Read(type, id) is not { } resource)
        {
            return OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, $"{Trim(type)}/{Trim(id)} is not in the sandbox.");
        }

        var owner = resource is Patient ? resource.Id : SandboxFhirStore.PatientOf(resource);
        return grant is not null && owner is not null && owner != grant.Patient
            ? SmartSimulatorEndpoints.Forbidden("The access token is for another patient.")
            : Fhir(StatusCodes.Status200OK, resource);
    }

    private static IResult Search(string type, Dictionary<string, string> parameters, HttpRequest request, SandboxFhirStore store, SmartSimulator simulator)
    {
        var (grant, refusal) = SmartSimulatorEndpoints.Check(request, simulator);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!SandboxFhirStore.SearchableTypes.Contains(type, StringComparer.Ordinal))
        {
            return OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported,
                $"The sandbox endpoint does not search '{Trim(type)}'; it searches {string.Join(", ", SandboxFhirStore.SearchableTypes)} and reads Medication.");
        }

        if (grant is not null && LimitToPatient(type, parameters, grant) is { } forbidden)
        {
            return forbidden;
        }

        if (SandboxSearch.Invalid(parameters) is { } invalid)
        {
            return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, invalid.Message, invalid.Parameter);
        }

        var count = int.TryParse(parameters.GetValueOrDefault("_count"), out var c) ? Math.Clamp(c, 1, SandboxSearch.MaxCount) : SandboxSearch.DefaultCount;
        var offset = int.TryParse(parameters.GetValueOrDefault("_offset"), out var o) ? Math.Max(o, 0) : 0;
        var matches = (type == "Patient"
            ? SandboxSearch.FilterPatients(store.Patients.OrderBy(p => p.Id, StringComparer.Ordinal), parameters)
            : SandboxSearch.Filter(store.OfType(type), parameters)).ToList();
        var page = matches.Skip(offset).Take(count).ToList();

        var baseUrl = SmartSimulatorEndpoints.FhirBase(request);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = matches.Count };
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = PageUrl(baseUrl, type, parameters, offset, count) });
        if (offset + count < matches.Count)
        {
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = PageUrl(baseUrl, type, parameters, offset + count, count) });
        }

        foreach (var resource in page)
        {
            bundle.Entry.Add(new Bundle.EntryComponent
            {
                FullUrl = $"{baseUrl}/{resource.TypeName}/{resource.Id}",
                Resource = resource,
                Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match },
            });
        }

        return Fhir(StatusCodes.Status200OK, bundle);
    }

    /// <summary>
    /// A SMART token's search stays in its patient's compartment: a search naming another patient is refused, and one
    /// naming none is narrowed to the token's patient.
    /// </summary>
    private static IResult? LimitToPatient(string type, Dictionary<string, string> parameters, SmartGrant grant)
    {
        if (!grant.Allows(type, 's'))
        {
            return SmartSimulatorEndpoints.Forbidden($"The access token's scopes do not allow searching {Trim(type)}.");
        }

        var named = type == "Patient"
            ? (parameters.GetValueOrDefault("_id") is { } ids ? ids.Split(',') : [])
            : new[] { parameters.GetValueOrDefault("patient"), parameters.GetValueOrDefault("subject") }.OfType<string>().Select(p => p.Split('/').Last()).ToArray();
        if (named.Any(id => id != grant.Patient))
        {
            return SmartSimulatorEndpoints.Forbidden("The access token is for another patient.");
        }

        parameters[type == "Patient" ? "_id" : "patient"] = grant.Patient;
        return null;
    }

    private static IResult Patients(SandboxFhirStore store, PatientFactsMapper mapper, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var summaries = store.Patients
            .OrderBy(p => p.Id, StringComparer.Ordinal)
            .Select(patient => Summary(patient, store, mapper, now))
            .ToList();
        return Results.Json(summaries);
    }

    private static SandboxPatient Summary(Patient patient, SandboxFhirStore store, PatientFactsMapper mapper, DateTimeOffset now)
    {
        var resources = store.OfPatient(patient.Id!).Select(FirelyResourceAdapter.From).ToList();
        var keys = new Dictionary<string, KeyData>(StringComparer.Ordinal)
        {
            [PrefetchKeys.Patient] = new(PrefetchKeys.Patient, DataSource.Prefetch, [FirelyResourceAdapter.From(patient)], []),
            [PrefetchKeys.Conditions] = new(PrefetchKeys.Conditions, DataSource.Prefetch, [.. resources.OfType<ConditionItem>()], []),
            [PrefetchKeys.Observations] = new(PrefetchKeys.Observations, DataSource.Prefetch, [.. resources.OfType<ObservationItem>()], []),
            [PrefetchKeys.Procedures] = new(PrefetchKeys.Procedures, DataSource.Prefetch, [.. resources.OfType<ProcedureItem>()], []),
            [PrefetchKeys.Medications] = new(PrefetchKeys.Medications, DataSource.Prefetch, [.. resources.OfType<MedicationRequestItem>()], []),
        };
        var medications = store.OfType("Medication").Select(m => new FhirEntry(FirelyResourceAdapter.From(m), 0, null, SearchEntryMode.Unspecified));
        var facts = mapper.Map(new PatientRecord(patient.Id!, keys) { Supporting = [.. medications] }, now);
        var picture = ClinicalPicture.From(facts, now);
        var findings = new List<string>();
        findings.AddRange(facts.Stenoses.Select(s => $"{s.Display}{(s.Confirmed ? "" : " (unconfirmed)")}"));
        findings.AddRange(facts.Measurements
            .Where(m => !m.Preliminary && m.Kind is MeasurementKind.AorticVmax or MeasurementKind.AorticMeanGradient or MeasurementKind.MitralValveAreaPlanimetry
                or MeasurementKind.PulmonicPeakGradient or MeasurementKind.Lvef or MeasurementKind.WilkinsScore)
            .GroupBy(m => m.Kind)
            .Select(g => CardText.Describe(g.MaxBy(m => m.EffectiveAt)!)));
        if (picture.NyhaClass is { } nyha)
        {
            findings.Add($"NYHA {nyha}");
        }

        if (picture.SurgicalRiskBasis is { } risk)
        {
            var basis = risk.Score is { } score ? CardText.Describe(score)
                : risk.Category is { } category ? $"Heart Team category {category.Answer}"
                : $"{risk.OrganSystems} organ-system comorbidities";
            findings.Add($"Surgical risk {picture.SurgicalRisk.ToString().ToLowerInvariant()}: {basis}");
        }

        findings.AddRange(facts.Procedures.Where(p => p.Completed).Select(p => $"{ProcedureName(p.Kind)} {(p.PerformedAt is { } at ? CardText.Date(at) : "")}".Trim()));
        findings.AddRange(facts.Anticoagulants.Select(a => $"On {a.Name}"));

        var name = patient.Name.FirstOrDefault();
        var display = name is null ? patient.Id! : $"{string.Join(' ', name.Given)} {name.Family}".Trim();
        return new SandboxPatient(patient.Id!, display, picture.AgeYears, patient.Gender?.ToString().ToLowerInvariant(), findings);
    }

    /// <summary>
    /// <c>POST /sandbox/token</c> with <c>{"audience": "&lt;a URL of this server&gt;"}</c>: a development JWT. The body is read
    /// under a small limit and every shape of bad input (empty, not JSON, not an object, a wrong type) is a 400.
    /// </summary>
    private static async Task<IResult> Token(HttpRequest request, SandboxIssuer issuer, CancellationToken cancellationToken)
    {
        if (!issuer.Active)
        {
            return OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotSupported, "Development tokens exist only in the Development environment.");
        }

        using var body = await RequestBody.ReadAsync(request, MaxTokenRequestBytes, cancellationToken);
        if (body.Refusal(MaxTokenRequestBytes) is { } refused)
        {
            return refused;
        }

        if (ReadAudience(body.Span) is not { } audience)
        {
            return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                "The body must be a JSON object with \"audience\": a URL of this server.", "audience");
        }

        var own = $"{request.Scheme}://{request.Host}";
        if (!Uri.TryCreate(audience, UriKind.Absolute, out var uri) || !string.Equals(uri.GetLeftPart(UriPartial.Authority), own, StringComparison.OrdinalIgnoreCase))
        {
            return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "audience must be a URL of this server.", "audience");
        }

        return Results.Json(new TokenResponse(issuer.CreateToken(audience), SandboxIssuer.Issuer));
    }

    /// <summary>Largest <c>/sandbox/token</c> body.</summary>
    public const int MaxTokenRequestBytes = 4096;

    private static string? ReadAudience(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 8 });
            if (!System.Text.Unicode.Utf8.IsValid(json) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? audience = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isAudience = reader.ValueTextEquals("audience"u8);
                reader.Read();
                if (isAudience)
                {
                    audience = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return audience is { Length: > 0 and <= 2048 } ? audience : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// FHIR search by POST (<c>application/x-www-form-urlencoded</c>, as the FHIR spec defines it): the body is read
    /// under small limits (size, number and length of fields) and refused with a 4xx, never read unbounded.
    /// </summary>
    private static async Task<IResult> SearchByPost(string type, HttpRequest request, SandboxFhirStore store, SmartSimulator simulator, CancellationToken cancellationToken)
    {
        var parameters = request.Query.ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media)
                || !string.Equals(media.MediaType.Value, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                return OperationOutcomes.Result(StatusCodes.Status415UnsupportedMediaType, OperationOutcome.IssueType.NotSupported,
                    "A FHIR search by POST is a form: Content-Type: application/x-www-form-urlencoded.");
            }

            if (request.ContentLength > SearchForm.MaxBodyBytes)
            {
                return OperationOutcomes.Result(StatusCodes.Status413PayloadTooLarge, OperationOutcome.IssueType.TooCostly,
                    $"The search form is larger than {SearchForm.MaxBodyBytes} bytes.");
            }

            if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            {
                size.MaxRequestBodySize = SearchForm.MaxBodyBytes;
            }

            IFormCollection form;
            try
            {
                request.HttpContext.Features.Set<IFormFeature>(new FormFeature(request, SearchForm.Options));
                form = await request.ReadFormAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is InvalidDataException or IOException && !cancellationToken.IsCancellationRequested)
            {
                return OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid,
                    $"The search form is malformed or over its limits ({SearchForm.Options.ValueCountLimit} fields, {SearchForm.Options.ValueLengthLimit} characters a value).");
            }

            foreach (var (key, value) in form)
            {
                parameters[key] = value.ToString();
            }
        }

        return Search(type, parameters, request, store, simulator);
    }

    /// <summary>Limits of a FHIR search form.</summary>
    private static class SearchForm
    {
        public const int MaxBodyBytes = 64 * 1024;

        public static readonly FormOptions Options = new()
        {
            ValueCountLimit = 64,
            KeyLengthLimit = 256,
            ValueLengthLimit = 16 * 1024,
            BufferBody = false,
        };
    }

    private static string ProcedureName(ProcedureKind kind) => kind switch
    {
        ProcedureKind.BalloonAorticValvuloplasty => "BAV",
        ProcedureKind.BalloonMitralCommissurotomy => "PMBC",
        ProcedureKind.BalloonPulmonaryValvuloplasty => "BPV",
        ProcedureKind.Tavr => "TAVR",
        ProcedureKind.Savr => "SAVR",
        ProcedureKind.TransthoracicEcho => "TTE",
        _ => "TEE",
    };

    private static CapabilityStatement.SearchParamComponent Param(string name, SearchParamType type) => new() { Name = name, Type = type };

    private static string PageUrl(string baseUrl, string type, Dictionary<string, string> parameters, int offset, int count)
    {
        var query = parameters.Where(p => SandboxSearch.Known.Contains(p.Key))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{Uri.EscapeDataString(p.Key)}={Uri.EscapeDataString(p.Value)}")
            .Append($"_count={count}")
            .Append($"_offset={offset}");
        return $"{baseUrl}/{type}?{string.Join('&', query)}";
    }

    private static FhirResourceResult Fhir(int status, Resource resource) => new(status, resource);

    private static string Trim(string value) => value.Length <= 64 ? value : value[..64] + "…";

    /// <summary>A sandbox patient as the page lists it.</summary>
    public sealed record SandboxPatient(string Id, string Name, int? Age, string? Gender, IReadOnlyList<string> Findings);

    public sealed record TokenResponse(string Token, string Issuer);
}
