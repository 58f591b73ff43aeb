using Hl7.Fhir.Model;

namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>
/// The search subset the example FHIR endpoint supports. Clinical types: <c>_id</c>, <c>patient</c> (or <c>subject</c>),
/// <c>code</c> token lists (<c>system|code</c>, <c>|code</c> or <c>code</c>), <c>status</c>. Patient: <c>_id</c>,
/// <c>name</c>, <c>family</c>, <c>given</c> (FHIR string search: case- and accent-insensitive, starts with) and
/// <c>gender</c>. Every type: <c>_count</c> and the paging offset <c>_offset</c>. Other parameters are ignored, as a
/// lenient FHIR server does, and left out of the Bundle's self link.
/// </summary>
public static class SandboxSearch
{
    public const int DefaultCount = 50;
    public const int MaxCount = 200;

    /// <summary>The search parameters applied (paging aside); only these appear in the Bundle's links.</summary>
    public static readonly IReadOnlySet<string> Known = new HashSet<string>(StringComparer.Ordinal)
    {
        "_id", "patient", "subject", "code", "status", "name", "family", "given", "gender",
    };

    /// <summary>A parameter whose value cannot be a search (a non-number <c>_count</c>), or null.</summary>
    public static (string Parameter, string Message)? Invalid(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var name in (string[])["_count", "_offset"])
        {
            if (parameters.TryGetValue(name, out var value) && !(int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= 0))
            {
                return (name, $"{name} must be a non-negative whole number.");
            }
        }

        return null;
    }

    public static IEnumerable<Resource> Filter(IEnumerable<Resource> resources, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var patient = parameters.GetValueOrDefault("patient") ?? parameters.GetValueOrDefault("subject");
        var patientId = patient?.Split('/').Last();
        var ids = List(parameters.GetValueOrDefault("_id"));
        var codes = Tokens(parameters.GetValueOrDefault("code"));
        var statuses = List(parameters.GetValueOrDefault("status"));
        return resources.Where(r =>
            (patientId is null || SandboxFhirStore.PatientOf(r) == patientId)
            && (ids is null || ids.Contains(r.Id, StringComparer.Ordinal))
            && (codes.Count == 0 || Codes(r).Any(c => codes.Any(t => t.Matches(c.System, c.Code))))
            && (statuses is null || statuses.Contains(Status(r), StringComparer.Ordinal)));
    }

    public static IEnumerable<Patient> FilterPatients(IEnumerable<Patient> patients, IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var ids = List(parameters.GetValueOrDefault("_id"));
        var names = List(parameters.GetValueOrDefault("name"));
        var families = List(parameters.GetValueOrDefault("family"));
        var givens = List(parameters.GetValueOrDefault("given"));
        var genders = List(parameters.GetValueOrDefault("gender"));
        return patients.Where(p =>
            (ids is null || ids.Contains(p.Id, StringComparer.Ordinal))
            && (names is null || names.Any(n => p.Name.Any(h => StartsWith([h.Text, h.Family, .. h.Given, .. h.Prefix, .. h.Suffix], n))))
            && (families is null || families.Any(n => p.Name.Any(h => StartsWith([h.Family], n))))
            && (givens is null || givens.Any(n => p.Name.Any(h => StartsWith([.. h.Given], n))))
            && (genders is null || genders.Contains(p.Gender?.ToString().ToLowerInvariant(), StringComparer.Ordinal)));
    }

    /// <summary>FHIR string search: any part starts with the value, ignoring case and accents.</summary>
    private static bool StartsWith(IEnumerable<string?> parts, string value)
    {
        var wanted = Fold(value);
        return parts.Any(part => part is not null && Fold(part).StartsWith(wanted, StringComparison.Ordinal));
    }

    private static string Fold(string value)
    {
        var decomposed = value.Normalize(System.Text.NormalizationForm.FormD);
        var kept = decomposed.Where(c => System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark);
        return new string([.. kept]).ToLowerInvariant();
    }

    private static string[]? List(string? value) =>
        string.IsNullOrEmpty(value) ? null : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

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
