using System.Net.Mime;
using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Task = System.Threading.Tasks.Task;

namespace Valvuloplasty.Fhir.CdsHooks.Hosting;

/// <summary>Error responses of /cds-services/*: a FHIR OperationOutcome saying what is wrong, never a stack trace.</summary>
public static class OperationOutcomes
{
    public const string FhirJson = "application/fhir+json; charset=utf-8";

    public static IResult Result(int status, OperationOutcome.IssueType type, IEnumerable<RequestIssue> issues) =>
        new FhirResourceResult(status, Create(type, issues));

    public static IResult Result(int status, OperationOutcome.IssueType type, string message, string? location = null) =>
        Result(status, type, [new RequestIssue(location ?? string.Empty, message)]);

    public static OperationOutcome Create(OperationOutcome.IssueType type, IEnumerable<RequestIssue> issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var outcome = new OperationOutcome();
        foreach (var issue in issues)
        {
            var component = new OperationOutcome.IssueComponent
            {
                Severity = OperationOutcome.IssueSeverity.Error,
                Code = type,
                Diagnostics = issue.Message,
            };
            if (!string.IsNullOrEmpty(issue.Location))
            {
                component.Expression = [issue.Location];
            }

            outcome.Issue.Add(component);
        }

        return outcome;
    }

    public static Task WriteAsync(HttpContext context, int status, OperationOutcome outcome) =>
        new FhirResourceResult(status, outcome).ExecuteAsync(context);
}

/// <summary>A FHIR resource as the response body (application/fhir+json), written with the Firely serializer.</summary>
public sealed class FhirResourceResult(int status, Resource resource) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    public int? StatusCode => status;

    public string ContentType => OperationOutcomes.FhirJson;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = status;
        httpContext.Response.ContentType = OperationOutcomes.FhirJson;
        await httpContext.Response.Body.WriteAsync(CdsJson.SerializeResource(resource), httpContext.RequestAborted);
    }
}

/// <summary>The JSON body of a successful protocol response.</summary>
public static class JsonResults
{
    public static IResult Ok(byte[] json) => TypedResults.Bytes(json, MediaTypeNames.Application.Json);
}
