using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Valvuloplasty.Fhir.IntegrationTests.Infrastructure;

namespace Valvuloplasty.Fhir.IntegrationTests.Protocol;

/// <summary>
/// Hostile and broken requests: each gets a 4xx with an OperationOutcome, never a 500, and the host
/// keeps answering afterwards.
/// </summary>
public sealed class MalformedRequestTests : IClassFixture<SharedCdsHost>
{
    private readonly SharedCdsHost _host;

    public MalformedRequestTests(SharedCdsHost host) => _host = host;


    public static TheoryData<string, string, int> Cases()
    {
        var data = new TheoryData<string, string, int>();
        void Add(string name, int status, string path = Requests.PatientView) => data.Add(name, path, status);

        Add("empty body", 400);
        Add("truncated object", 400);
        Add("truncated example", 400);
        Add("null body", 400);
        Add("array body", 400);
        Add("string body", 400);
        Add("number body", 400);
        Add("empty object", 400);
        Add("hook is a number", 400);
        Add("hook is null", 400);
        Add("unknown hook", 400);
        Add("hook of another service", 400);
        Add("hookInstance not a uuid", 400);
        Add("hookInstance is a number", 400);
        Add("hookInstance missing", 400);
        Add("context is a string", 400);
        Add("context is null", 400);
        Add("context is an array", 400);
        Add("patientId is a number", 400);
        Add("patientId missing", 400);
        Add("patientId path traversal", 400);
        Add("patientId huge", 400);
        Add("userId is an object", 400);
        Add("fhirServer not a url", 400);
        Add("fhirServer ftp", 400);
        Add("fhirAuthorization without fhirServer", 400);
        Add("fhirAuthorization token_type MAC", 400);
        Add("fhirAuthorization expires_in text", 400);
        Add("prefetch is a string", 400);
        Add("prefetch is an array", 400);
        Add("patient key holds Conditions", 412);
        Add("conditions key holds a Patient", 412);
        Add("1000-deep nesting in an unknown member", 400);
        Add("1000-deep nesting inside prefetch", 400);
        Add("invalid UTF-8", 400);
        Add("trailing garbage", 400);
        Add("comments", 400);
        Add("NaN literal", 400);
        Add("huge string in hook", 400);
        Add("draftOrders is an array", 400, Requests.OrderSign);
        Add("selections missing on order-select", 400, Requests.OrderSelect);
        Add("selections of numbers", 400, Requests.OrderSelect);
        Add("draftOrders without resourceType", 400, Requests.OrderSign);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_GetsAClearClientError_NeverA500(string name, string path, int expectedStatus)
    {
        using var content = Build(name);

        var (response, body) = await Requests.PostAsync(_host.Server.Client, path, content);

        Assert.Equal((HttpStatusCode)expectedStatus, response.StatusCode);
        HookCallTests.AssertOutcome(body);

        // The host still answers a good request.
        var (after, _) = await Requests.PostAsync(_host.Server.Client, Requests.PatientView, Requests.Example("patient-view-aortic-bav-candidate.json"));
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static ByteArrayContent Build(string name)
    {
        var example = Requests.Example("patient-view-aortic-bav-candidate.json");
        var text = example.ToJsonString();
        JsonObject Edit(Action<JsonObject> change)
        {
            var copy = example.DeepClone().AsObject();
            change(copy);
            return copy;
        }

        JsonObject Order(string hook, Action<JsonObject>? change = null) => Edit(r =>
        {
            r["hook"] = hook;
            r["context"]!["draftOrders"] = new JsonObject { ["resourceType"] = "Bundle", ["entry"] = new JsonArray() };
            r["context"]!["selections"] = new JsonArray("ServiceRequest/1");
            change?.Invoke(r);
        });

        return name switch
        {
            "empty body" => Requests.Json(""),
            "truncated object" => Requests.Json("{"),
            "truncated example" => Requests.Json(text[..(text.Length / 2)]),
            "null body" => Requests.Json("null"),
            "array body" => Requests.Json("[]"),
            "string body" => Requests.Json("\"patient-view\""),
            "number body" => Requests.Json("42"),
            "empty object" => Requests.Json("{}"),
            "hook is a number" => Requests.Json(Edit(r => r["hook"] = 5)),
            "hook is null" => Requests.Json(Edit(r => r["hook"] = null)),
            "unknown hook" => Requests.Json(Edit(r => r["hook"] = "encounter-discharge")),
            "hook of another service" => Requests.Json(Edit(r => r["hook"] = "order-select")),
            "hookInstance not a uuid" => Requests.Json(Edit(r => r["hookInstance"] = "abc")),
            "hookInstance is a number" => Requests.Json(Edit(r => r["hookInstance"] = 123)),
            "hookInstance missing" => Requests.Json(Edit(r => r.Remove("hookInstance"))),
            "context is a string" => Requests.Json(Edit(r => r["context"] = "patient")),
            "context is null" => Requests.Json(Edit(r => r["context"] = null)),
            "context is an array" => Requests.Json(Edit(r => r["context"] = new JsonArray())),
            "patientId is a number" => Requests.Json(Edit(r => r["context"]!["patientId"] = 7)),
            "patientId missing" => Requests.Json(Edit(r => r["context"]!.AsObject().Remove("patientId"))),
            "patientId path traversal" => Requests.Json(Edit(r => r["context"]!["patientId"] = "../../Observation?code=x")),
            "patientId huge" => Requests.Json(Edit(r => r["context"]!["patientId"] = new string('7', 100_000))),
            "userId is an object" => Requests.Json(Edit(r => r["context"]!["userId"] = new JsonObject())),
            "fhirServer not a url" => Requests.Json(Edit(r => r["fhirServer"] = "not a url")),
            "fhirServer ftp" => Requests.Json(Edit(r => r["fhirServer"] = "ftp://ehr.example.org/fhir")),
            "fhirAuthorization without fhirServer" => Requests.Json(Edit(r => r["fhirAuthorization"] = Authorization())),
            "fhirAuthorization token_type MAC" => Requests.Json(Edit(r =>
            {
                r["fhirServer"] = "https://ehr.example.org/fhir";
                r["fhirAuthorization"] = Authorization();
                r["fhirAuthorization"]!["token_type"] = "MAC";
            })),
            "fhirAuthorization expires_in text" => Requests.Json(Edit(r =>
            {
                r["fhirServer"] = "https://ehr.example.org/fhir";
                r["fhirAuthorization"] = Authorization();
                r["fhirAuthorization"]!["expires_in"] = "soon";
            })),
            "prefetch is a string" => Requests.Json(Edit(r => r["prefetch"] = "all")),
            "prefetch is an array" => Requests.Json(Edit(r => r["prefetch"] = new JsonArray())),
            "patient key holds Conditions" => Requests.Json(Edit(r => r["prefetch"]!["patient"] = r["prefetch"]!["conditions"]!.DeepClone())),
            "conditions key holds a Patient" => Requests.Json(Edit(r => r["prefetch"]!["conditions"] = r["prefetch"]!["patient"]!.DeepClone())),
            "1000-deep nesting in an unknown member" => Requests.Json(text[..^1] + ",\"deep\":" + Nested(1000) + "}"),
            "1000-deep nesting inside prefetch" => Requests.Json(text.Replace("\"procedures\":", "\"procedures\":" + Nested(1000) + ",\"x\":", StringComparison.Ordinal)),
            "invalid UTF-8" => Bytes([.. Encoding.UTF8.GetBytes(text[..20]), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes(text[20..])]),
            "trailing garbage" => Requests.Json(text + "}"),
            "comments" => Requests.Json("/* EHR */ " + text),
            "NaN literal" => Requests.Json(text.Replace("\"value\": 4.6", "\"value\": NaN", StringComparison.Ordinal).Replace("\"value\":4.6", "\"value\":NaN", StringComparison.Ordinal)),
            "huge string in hook" => Requests.Json(Edit(r => r["hook"] = new string('h', 1_000_000))),
            "draftOrders is an array" => Requests.Json(Order("order-sign", r => r["context"]!["draftOrders"] = new JsonArray())),
            "selections missing on order-select" => Requests.Json(Order("order-select", r => r["context"]!.AsObject().Remove("selections"))),
            "selections of numbers" => Requests.Json(Order("order-select", r => r["context"]!["selections"] = new JsonArray(1, 2))),
            "draftOrders without resourceType" => Requests.Json(Order("order-sign", r => r["context"]!["draftOrders"] = new JsonObject { ["entry"] = new JsonArray() })),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such case"),
        };
    }

    private static JsonObject Authorization() => new()
    {
        ["access_token"] = "opaque-token",
        ["token_type"] = "Bearer",
        ["expires_in"] = 300,
        ["scope"] = "patient/*.read",
        ["subject"] = "cds-service",
    };

    private static string Nested(int depth) => string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private static ByteArrayContent Bytes(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }
}
