using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.RateLimiting;
using Hl7.Fhir.Model;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.CdsHooks.Hosting;
using Valvuloplasty.Fhir.CdsHooks.Security;
using Valvuloplasty.Fhir.Data.FhirServer;
using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Data.Worklist;
using Valvuloplasty.Fhir.Rules.Engine;

namespace Valvuloplasty.Fhir.CdsHooks.Smart;

/// <summary>
/// The SMART app: its static files at <c>/smart/</c> (every environment, under a strict content security policy) and
/// <c>POST /smart-api/assessment</c>, which answers the app with the patient's per-valve assessment exactly as the
/// <c>patient-view</c> cards state it, read from the app's FHIR server with the app's own token. The rules stay on the
/// server: the app never re-implements them.
/// </summary>
public static partial class SmartAppEndpoints
{
    public const string RateLimitPolicy = "smart-app-per-ip";

    /// <summary>Largest assessment request body: two short members.</summary>
    public const int MaxRequestBytes = 4096;

    /// <summary>
    /// The app's pages: own-origin script and style only (no inline code), images also as data: URLs, FHIR and token
    /// requests to any https server (the EHR's) or a local one, and embedding by any EHR (SMART apps run in EHR iframes).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' https: http://localhost:* http://127.0.0.1:*; "
        + "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors *";

    public static IServiceCollection AddSmartApp(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var development = environment.IsDevelopment();
        services.AddOptions<SmartOptions>()
            .Bind(configuration.GetSection(SmartOptions.SectionName))
            .ValidateDataAnnotations()
            .Validate(o => SmartLaunchLinks.Invalid(o.LaunchUrl, development) is null,
                "Smart:LaunchUrl must be an absolute http(s) URL of the SMART app's launch.html, https outside the Development environment.")
            .ValidateOnStart();
        services.AddSingleton<SmartLaunchLinks>();
        services.AddSingleton(provider => new AssessmentLines(provider.GetRequiredService<CardRenderer>(), provider.GetRequiredService<IOptions<RuleOptions>>().Value));
        services.AddRateLimiter(options => options.AddPolicy(RateLimitPolicy, context =>
        {
            var perMinute = context.RequestServices.GetRequiredService<IOptions<SmartOptions>>().Value.AssessmentRateLimitPerMinute;
            var client = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
            return perMinute <= 0
                ? RateLimitPartition.GetNoLimiter(client)
                : RateLimitPartition.GetFixedWindowLimiter(client, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });
        }));
        return services;
    }

    /// <summary>Serves the app's folder at <c>/smart/</c> and maps the assessment endpoint.</summary>
    public static WebApplication MapSmartApp(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var options = app.Services.GetRequiredService<IOptions<SmartOptions>>().Value;
        var folder = new[] { Path.GetFullPath(options.AppPath, app.Environment.ContentRootPath), Path.GetFullPath(options.AppPath, AppContext.BaseDirectory) }
            .FirstOrDefault(Directory.Exists);
        if (folder is not null)
        {
            var files = new PhysicalFileProvider(folder);
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = "/smart" });
            app.UseStaticFiles(new StaticFileOptions
            {
                FileProvider = files,
                RequestPath = "/smart",
                OnPrepareResponse = context =>
                {
                    context.Context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    context.Context.Response.Headers.XContentTypeOptions = "nosniff";
                    context.Context.Response.Headers["Referrer-Policy"] = "no-referrer";
                },
            });
        }

        app.MapGroup("/smart-api")
            .RequireCors(SecurityServiceCollectionExtensions.CorsPolicy)
            .RequireRateLimiting(RateLimitPolicy)
            .MapPost("/assessment", Assess);
        return app;
    }

    /// <summary>
    /// <c>POST /smart-api/assessment</c>, <c>Authorization: Bearer &lt;the app's access token&gt;</c>,
    /// <c>{"iss": "&lt;FHIR base&gt;", "patient": "&lt;id&gt;"}</c>: the record is fetched from <c>iss</c> (after the
    /// allow-list) with the app's token, exactly as a hook's FHIR fallback fetches it, then mapped and assessed as
    /// <c>patient-view</c> does. The FHIR server judges the token: its 401 or 403 is a 401 here.
    /// </summary>
    private static async Task<IResult> Assess(
        HttpRequest request,
        PatientRecordSource records,
        PatientFactsMapper mapper,
        AssessmentLines lines,
        FhirServerAllowList allowList,
        TimeProvider time,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var logger = loggers.CreateLogger("Valvuloplasty.Fhir.CdsHooks.Smart");
        var started = Stopwatch.GetTimestamp();
        request.HttpContext.Response.Headers.CacheControl = "no-store";

        if (BearerToken(request) is not { } token)
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Answer(logger, started, null, OperationOutcomes.Result(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
                "The app's SMART access token is required: Authorization: Bearer <access_token>."));
        }

        using var body = await RequestBody.ReadAsync(request, MaxRequestBytes, cancellationToken);
        if (body.Refusal(MaxRequestBytes) is { } refused)
        {
            return Answer(logger, started, null, refused);
        }

        var read = Read(body.Span);
        if (read is not (Uri iss, string patient, null))
        {
            var (member, message) = read.Error!.Value;
            return Answer(logger, started, null, OperationOutcomes.Result(StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, message, member));
        }

        if (allowList.Refusal(iss) is { } refusal)
        {
            return Answer(logger, started, iss, OperationOutcomes.Result(StatusCodes.Status403Forbidden, OperationOutcome.IssueType.Forbidden,
                $"iss is not a FHIR server this service may call: {refusal.Replace("fhirServer", "iss", StringComparison.Ordinal)}.", "iss"));
        }

        var outcome = await records.GetAsync(new RecordRequest(patient, new Dictionary<string, PrefetchValue>(StringComparer.Ordinal), iss, token), cancellationToken);
        if (outcome.Record is null)
        {
            return Answer(logger, started, iss, Failed(request, outcome));
        }

        var now = time.GetUtcNow();
        var facts = mapper.Map(outcome.Record, now);
        var assessments = lines.Of(patient, facts, now).ToList();
        return Answer(logger, started, iss, Results.Json(new AssessmentResponse(patient, now, assessments)));
    }

    /// <summary>Why the record could not be had, as the app's status: the token (401), the server's time (504), the server (502).</summary>
    private static IResult Failed(HttpRequest request, RecordOutcome outcome)
    {
        var failures = outcome.FetchFailures;
        var issues = outcome.Missing.Select(m => new Protocol.RequestIssue(m.Key, $"'{m.Key}' could not be read: {m.Reason}."));
        if (failures.Contains("http-401") || failures.Contains("http-403"))
        {
            request.HttpContext.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\", error_description=\"The FHIR server refused the access token\"";
            return OperationOutcomes.Result(StatusCodes.Status401Unauthorized, OperationOutcome.IssueType.Login,
                "The FHIR server refused the app's access token for this patient's record (401 or 403): launch the app again.");
        }

        if (failures.Contains("http-404") || failures.Contains("no-patient"))
        {
            return OperationOutcomes.Result(StatusCodes.Status404NotFound, OperationOutcome.IssueType.NotFound, issues);
        }

        return failures.Contains("timeout")
            ? OperationOutcomes.Result(StatusCodes.Status504GatewayTimeout, OperationOutcome.IssueType.Timeout, issues)
            : OperationOutcomes.Result(StatusCodes.Status502BadGateway, OperationOutcome.IssueType.Transient, issues);
    }

    /// <summary>One log line per request: status, time, the FHIR server's authority. Never the token, the patient or the data.</summary>
    private static IResult Answer(ILogger logger, long started, Uri? iss, IResult result)
    {
        if (logger.IsEnabled(LogLevel.Information))
        {
            var status = (result as IStatusCodeHttpResult)?.StatusCode ?? StatusCodes.Status200OK;
            Log.SmartAssessmentAnswered(logger, status, iss?.GetLeftPart(UriPartial.Authority) ?? "(none)", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return result;
    }

    /// <summary>The bearer token (RFC 6750 syntax, at most 8 KB), or null.</summary>
    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization;
        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = value["Bearer ".Length..].Trim();
        return token.Length is > 0 and <= 8192 && TokenSyntax().IsMatch(token) ? token : null;
    }

    private static (Uri? Iss, string? Patient, (string Member, string Message)? Error) Read(ReadOnlySpan<byte> json)
    {
        try
        {
            using var document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null, ("iss", "The body must be a JSON object: {\"iss\": \"<FHIR base URL>\", \"patient\": \"<id>\"}."));
            }

            var issText = root.TryGetProperty("iss", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
            if (issText is not { Length: > 0 and <= 2048 } || !Uri.TryCreate(issText, UriKind.Absolute, out var iss) || iss.Scheme is not ("https" or "http"))
            {
                return (null, null, ("iss", "iss must be the FHIR server's base URL (absolute http or https), as the launch gave it."));
            }

            var patient = root.TryGetProperty("patient", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
            if (patient is null || !FhirId().IsMatch(patient))
            {
                return (null, null, ("patient", "patient must be a FHIR id (1–64 letters, digits, '-' or '.'), as the token response gave it."));
            }

            return (iss, patient, null);
        }
        catch (JsonException)
        {
            return (null, null, ("iss", "The body is not valid JSON."));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9\\-._~+/]+=*$")]
    private static partial Regex TokenSyntax();

    [GeneratedRegex("^[A-Za-z0-9\\-.]{1,64}$")]
    private static partial Regex FhirId();

    /// <summary>The app's answer: the patient's assessment per valve, as the patient-view cards state it, as of now.</summary>
    public sealed record AssessmentResponse(string Patient, DateTimeOffset AsOf, IReadOnlyList<WorklistLine> Assessments);
}
