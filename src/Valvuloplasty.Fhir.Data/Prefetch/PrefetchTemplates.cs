using System.Text;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.Data.Prefetch;

/// <summary>The prefetch keys the services advertise; the same names index the FHIR fallback.</summary>
public static class PrefetchKeys
{
    public const string Patient = "patient";
    public const string Conditions = "conditions";
    public const string Observations = "observations";
    public const string Procedures = "procedures";
    public const string ServiceRequests = "serviceRequests";
    public const string Medications = "medications";
    public const string RiskAssessments = "riskAssessments";

    /// <summary>The resource type each key holds, in discovery order.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, string>> ResourceTypes =
    [
        new(Patient, "Patient"),
        new(Conditions, "Condition"),
        new(Observations, "Observation"),
        new(Procedures, "Procedure"),
        new(ServiceRequests, "ServiceRequest"),
        new(Medications, "MedicationRequest"),
        new(RiskAssessments, "RiskAssessment"),
    ];

    public static string ResourceType(string key) => ResourceTypes.Single(t => t.Key == key).Value;
}

/// <summary>
/// One prefetch template. <paramref name="Required"/> keys must be obtained (from prefetch or the FHIR
/// server) or the call answers 412; the others degrade: the cards say what could not be read.
/// </summary>
public sealed record PrefetchTemplate(string Key, string ResourceType, string Query, bool Required);

/// <summary>
/// The prefetch templates, defined once: discovery advertises them and the FHIR fallback runs them.
/// They use only CDS Hooks 2.0 tokens (<c>{{context.patientId}}</c>); no FHIRPath. The Observation
/// query is filtered to the codes the rules read, taken from the ValueSets in profiles/.
/// </summary>
public sealed class PrefetchTemplates
{
    public const string PatientToken = "{{context.patientId}}";

    public PrefetchTemplates(ValueSetIndex terminology)
    {
        ArgumentNullException.ThrowIfNull(terminology);
        All =
        [
            Template(PrefetchKeys.Patient, $"/{PatientToken}", required: true),
            Template(PrefetchKeys.Conditions, $"?patient={PatientToken}", required: true),
            Template(PrefetchKeys.Observations, $"?patient={PatientToken}&code={ObservationCodes(terminology)}", required: true),
            Template(PrefetchKeys.Procedures, $"?patient={PatientToken}", required: false),
            Template(PrefetchKeys.ServiceRequests, $"?patient={PatientToken}", required: false),
            Template(PrefetchKeys.Medications, $"?patient={PatientToken}&status=active,on-hold", required: false),
            Template(PrefetchKeys.RiskAssessments, $"?patient={PatientToken}", required: false),
        ];
        ByKey = All.ToDictionary(t => t.Key, StringComparer.Ordinal);
    }

    public IReadOnlyList<PrefetchTemplate> All { get; }

    /// <summary>A template whose query starts with the key's resource type, e.g. <c>Condition?patient=…</c>.</summary>
    private static PrefetchTemplate Template(string key, string query, bool required)
    {
        var type = PrefetchKeys.ResourceType(key);
        return new PrefetchTemplate(key, type, type + query, required);
    }

    public IReadOnlyDictionary<string, PrefetchTemplate> ByKey { get; }

    /// <summary>Key → query, as discovery publishes it.</summary>
    public IReadOnlyDictionary<string, string> ForDiscovery() => All.ToDictionary(t => t.Key, t => t.Query, StringComparer.Ordinal);

    /// <summary>
    /// The template with its tokens replaced; each token value is URL-encoded so a hostile patient id
    /// cannot change the query's shape.
    /// </summary>
    public static string Render(string query, string patientId)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(patientId);
        return query.Replace(PatientToken, Uri.EscapeDataString(patientId), StringComparison.Ordinal);
    }

    private static string ObservationCodes(ValueSetIndex terminology)
    {
        var valueSets = TerminologyBindings.Measurements.Values
            .Concat(TerminologyBindings.CodedObservations.Values)
            .Concat(TerminologyBindings.NyhaClasses.Keys)
            .Append(TerminologyBindings.EchoPanels);
        var codes = valueSets
            .Where(terminology.HasValueSet)
            .SelectMany(terminology.Codes)
            .Distinct()
            .Select(c => $"{Escape(c.System)}|{Escape(c.Code)}");
        return string.Join(',', codes);
    }

    // Token search: ',' '|' and '$' separate values and must be escaped with a backslash inside one.
    private static string Escape(string value)
    {
        if (value.AsSpan().IndexOfAny(",|$\\") < 0)
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 4);
        foreach (var ch in value)
        {
            if (ch is ',' or '|' or '$' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(ch);
        }

        return builder.ToString();
    }
}
