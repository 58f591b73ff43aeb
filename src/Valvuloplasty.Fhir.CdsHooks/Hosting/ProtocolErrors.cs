using Hl7.Fhir.Model;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.CdsHooks.Security;

namespace Valvuloplasty.Fhir.CdsHooks.Hosting;

/// <summary>
/// How the host answers what its endpoints do not: a client's fault gets the 4xx it deserves, a bug in the host gets a
/// 500 logged once with its stack trace, and on every API route (<c>/cds-services</c>, <c>/analytics</c>,
/// <c>/worklist/runs</c>, <c>/smart-api</c>, <c>/sandbox/fhir</c>, <c>/sandbox/token</c>, the SMART simulator's launch and token) each error carries an OperationOutcome body and, for an allowed
/// browser origin, the CORS headers the route's successful answers carry (a browser cannot read an error without them).
/// </summary>
public static class ProtocolErrors
{
    /// <summary>
    /// The JSON routes. Of the worklist, only its JSON API (<c>/worklist/runs/…</c>): the page at <c>/worklist</c> is HTML
    /// and answers its own "no run" as HTML; router errors on it (405) stay empty rather than turning into JSON.
    /// </summary>
    private static readonly string[] ApiPrefixes = ["/cds-services", "/analytics", "/worklist/runs", "/sandbox/fhir", "/sandbox/token", "/sandbox/patients", "/sandbox/smart/launch", "/sandbox/smart/token", "/smart-api"];

    /// <summary>
    /// True for the routes that speak FHIR/CDS Hooks JSON (errors as OperationOutcomes, CORS on errors): by the decoded
    /// path, or by the request target as sent (<c>/cds-services/%2e%2e/x</c> is normalised out of /cds-services, but the
    /// client addressed the protocol and gets its error format).
    /// </summary>
    public static bool IsApiPath(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        return ApiPrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix, StringComparison.OrdinalIgnoreCase)
            || (rawTarget is not null && rawTarget.StartsWith(prefix + "/", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Outermost: exceptions → 4xx/500; then empty error responses on API routes → OperationOutcome + CORS.</summary>
    public static IApplicationBuilder UseCdsHooksErrors(this IApplicationBuilder app)
    {
        app.UseMiddleware<ExceptionMiddleware>();
        app.UseStatusCodePages(context => DescribeEmptyErrorAsync(context.HttpContext));
        return app;
    }

    /// <summary>Writes an OperationOutcome with the CORS headers an allowed origin needs (nothing for HEAD).</summary>
    public static async System.Threading.Tasks.Task WriteAsync(HttpContext context, int status, OperationOutcome.IssueType type, string message, string? location = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        await ApplyCorsAsync(context);
        context.Response.StatusCode = status;
        var outcome = OperationOutcomes.Create(type, [new RequestIssue(location ?? string.Empty, message)]);
        if (HttpMethods.IsHead(context.Request.Method))
        {
            context.Response.ContentType = OperationOutcomes.FhirJson;
            return;
        }

        await OperationOutcomes.WriteAsync(context, status, outcome);
    }

    /// <summary>
    /// Adds the route policy's CORS response headers when the endpoint did not (a 404, a 405, a 500 written outside the
    /// endpoint): the origin is checked against the same allowed origins as <c>/cds-services</c>.
    /// </summary>
    public static async System.Threading.Tasks.Task ApplyCorsAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!IsApiPath(context)
            || !context.Request.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.Origin)
            || context.Response.Headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.AccessControlAllowOrigin))
        {
            return;
        }

        var policies = context.RequestServices.GetRequiredService<ICorsPolicyProvider>();
        var cors = context.RequestServices.GetRequiredService<ICorsService>();
        if (await policies.GetPolicyAsync(context, SecurityServiceCollectionExtensions.CorsPolicy) is { } policy)
        {
            // Evaluated as an actual request: the error answers the request the browser made.
            var result = cors.EvaluatePolicy(context, policy);
            result.IsPreflightRequest = false;
            cors.ApplyResult(result, context.Response);
        }
    }

    private static async System.Threading.Tasks.Task DescribeEmptyErrorAsync(HttpContext context)
    {
        if (!IsApiPath(context))
        {
            return;
        }

        var status = context.Response.StatusCode;
        var (type, message) = status switch
        {
            StatusCodes.Status404NotFound => (OperationOutcome.IssueType.NotFound,
                "No such route. GET /cds-services lists the services; hooks are POST /cds-services/{id}, feedback POST /cds-services/{id}/feedback."),
            StatusCodes.Status405MethodNotAllowed => (OperationOutcome.IssueType.NotSupported,
                $"{Printable(context.Request.Method)} is not allowed on this route; allowed: {AllowedMethods(context)}."),
            StatusCodes.Status401Unauthorized => (OperationOutcome.IssueType.Login, "A valid bearer JWT from a trusted EHR issuer is required."),
            StatusCodes.Status403Forbidden => (OperationOutcome.IssueType.Forbidden, "Forbidden."),
            StatusCodes.Status413PayloadTooLarge => (OperationOutcome.IssueType.TooCostly, "The request is too large."),
            StatusCodes.Status415UnsupportedMediaType => (OperationOutcome.IssueType.NotSupported, "Unsupported media type."),
            StatusCodes.Status429TooManyRequests => (OperationOutcome.IssueType.Throttled, "Too many requests; retry later."),
            >= 500 => (OperationOutcome.IssueType.Exception, "The service could not answer; retry later."),
            _ => (OperationOutcome.IssueType.Invalid, "The request could not be processed."),
        };
        await WriteAsync(context, status, type, message);
    }

    private static string AllowedMethods(HttpContext context)
    {
        var allow = context.Response.Headers.Allow.ToString();
        return string.IsNullOrEmpty(allow) ? "see the README" : allow;
    }

    private static string Printable(string value) =>
        value.Length <= 16 && value.All(c => c is >= '!' and <= '~') ? value : "This method";

    /// <summary>
    /// Maps exceptions to answers. Kestrel's <see cref="BadHttpRequestException"/> (a malformed chunked body, a body over
    /// Kestrel's limit, a client too slow to send it) and unreadable form data are the client's fault: their own 4xx,
    /// logged at Debug. A request the client abandoned gets no answer. Anything else is a bug in this service: one
    /// Error log with the stack trace (and the route, never the URL's values or the body) and a 500.
    /// </summary>
    private sealed class ExceptionMiddleware(RequestDelegate next, ILogger<ExceptionMiddleware> logger)
    {
        public async System.Threading.Tasks.Task InvokeAsync(HttpContext context)
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
            {
                Log.ClientFault(logger, ex.StatusCode, ex.GetType().Name);
                context.Response.Clear();
                await WriteAsync(context, ex.StatusCode, ex.StatusCode == StatusCodes.Status413PayloadTooLarge ? OperationOutcome.IssueType.TooCostly : OperationOutcome.IssueType.Invalid,
                    ex.StatusCode switch
                    {
                        StatusCodes.Status413PayloadTooLarge => "The request body is too large.",
                        StatusCodes.Status408RequestTimeout => "The request body arrived too slowly.",
                        _ => "The request is malformed (its framing or encoding could not be read).",
                    });
            }
            catch (InvalidDataException ex) when (!context.Response.HasStarted)
            {
                // Form data over FormOptions' limits or badly framed multipart: the client's fault.
                Log.ClientFault(logger, StatusCodes.Status400BadRequest, ex.GetType().Name);
                context.Response.Clear();
                await WriteAsync(context, StatusCodes.Status400BadRequest, OperationOutcome.IssueType.Invalid, "The form data could not be read: it is malformed or over the limits.");
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away: there is no one to answer.
            }
            catch (Exception ex) when (!context.Response.HasStarted)
            {
                Log.UnhandledError(logger, ex, context.Request.Method, RouteOf(context));
                context.Response.Clear();
                await WriteAsync(context, StatusCodes.Status500InternalServerError, OperationOutcome.IssueType.Exception,
                    "An unexpected error occurred; it has been logged.");
            }
            catch (Exception ex)
            {
                // Too late for an answer: the response has started. Log once; the connection is aborted.
                Log.UnhandledError(logger, ex, context.Request.Method, RouteOf(context));
                context.Abort();
            }
        }

        /// <summary>The route template (<c>/cds-services/{id}</c>), not the path: paths can hold ids.</summary>
        private static string RouteOf(HttpContext context) =>
            (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? context.GetEndpoint()?.DisplayName ?? "(no endpoint)";
    }
}
