using System.ComponentModel.DataAnnotations;

namespace Valvuloplasty.Fhir.Data.Terminology;

/// <summary>Configuration section <c>Terminology</c>.</summary>
public sealed class TerminologyOptions
{
    public const string SectionName = "Terminology";

    /// <summary>
    /// The folder holding the ValueSet-*.json and CodeSystem-*.json files. Relative paths are resolved
    /// against the application folder, where the build copies <c>profiles/</c>.
    /// </summary>
    [Required]
    public string ProfilesPath { get; set; } = "profiles";

    public string ResolvedPath => Path.GetFullPath(ProfilesPath, AppContext.BaseDirectory);
}
