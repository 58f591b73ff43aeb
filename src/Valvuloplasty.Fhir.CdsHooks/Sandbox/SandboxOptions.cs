namespace Valvuloplasty.Fhir.CdsHooks.Sandbox;

/// <summary>Configuration section <c>Sandbox</c>: the built-in testing page and its example FHIR endpoint.</summary>
public sealed class SandboxOptions
{
    public const string SectionName = "Sandbox";

    /// <summary>The page at <c>/</c> and the FHIR facade at <c>/sandbox/fhir</c>. Default: on in Development only.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Folder of synthetic patient Bundles, relative to the application folder.</summary>
    public string PatientsPath { get; set; } = Path.Combine("profiles", "examples", "patients");

    public string ResolvedPatientsPath => Path.GetFullPath(PatientsPath, AppContext.BaseDirectory);
}
