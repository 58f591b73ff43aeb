using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.Data.Prefetch;

namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>
/// The search subset the example FHIR endpoint supports: <c>patient</c> (or <c>subject</c>), <c>code</c> token lists
/// (<c>system|code</c>, <c>|code</c> or <c>code</c>), <c>status</c>, <c>_count</c> and the paging offset <c>_offset</c>.
/// </summary>
public static class SandboxSearch
{
    public const int DefaultCount = 50;
    public const int MaxCount = 200;

    public static IEnumerable<Resource> Filter(IEnumerable<Resource> resources, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var patient = parameters.GetValueOrDefault("patient") ?? parameters.GetValueOrDefault("subject");
        var patientId = patient?.Split('/').Last();
        var codes = Tokens(parameters.GetValueOrDefault("code"));
        var statuses = parameters.GetValueOrDefault("status")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return resources.Where(r =>
            (patientId is null || PatientRecordAssembler.PatientOf(r) == patientId)
            && (codes.Count == 0 || Codes(r).Any(c => codes.Any(t => t.Matches(c.System, c.Code))))
            && (statuses is null || statuses.Contains(Status(r), StringComparer.Ordinal)));
    }

    private static List<Coding> Codes(Resource resource) => (resource switch
    {
        Condition c => c.Code,
        Observation o => o.Code,
        Procedure p => p.Code,
        ServiceRequest s => s.Code,
        MedicationRequest m => m.Medication as CodeableConcept,
        RiskAssessment r => r.Code,
        _ => null,
    })?.Coding ?? [];

    private static string? Status(Resource resource) => resource switch
    {
        Observation o => o.StatusElement?.JsonValue as string,
        Procedure p => p.StatusElement?.JsonValue as string,
        ServiceRequest s => s.StatusElement?.JsonValue as string,
        MedicationRequest m => m.StatusElement?.JsonValue as string,
        RiskAssessment r => r.StatusElement?.JsonValue as string,
        _ => null,
    };

    private static List<Token> Tokens(string? value)
    {
        var tokens = new List<Token>();
        if (string.IsNullOrEmpty(value))
        {
            return tokens;
        }

        // Values are separated by unescaped commas; '\' escapes ',', '|' and '$' inside a value.
        var current = new System.Text.StringBuilder();
        string? system = null;
        var hasSystem = false;
        for (var i = 0; i < value.Length; i++)
        {
            var ch = value[i];
            if (ch == '\\' && i + 1 < value.Length)
            {
                current.Append(value[++i]);
            }
            else if (ch == '|' && !hasSystem)
            {
                system = current.ToString();
                hasSystem = true;
                current.Clear();
            }
            else if (ch == ',')
            {
                tokens.Add(new Token(hasSystem ? system : null, hasSystem, current.ToString()));
                current.Clear();
                (system, hasSystem) = (null, false);
            }
            else
            {
                current.Append(ch);
            }
        }

        tokens.Add(new Token(hasSystem ? system : null, hasSystem, current.ToString()));
        return tokens;
    }

    private sealed record Token(string? System, bool HasSystem, string Code)
    {
        public bool Matches(string? system, string? code) =>
            string.Equals(code, Code, StringComparison.Ordinal)
            && (!HasSystem || (string.IsNullOrEmpty(System) ? string.IsNullOrEmpty(system) : string.Equals(system, System, StringComparison.Ordinal)));
    }
}
