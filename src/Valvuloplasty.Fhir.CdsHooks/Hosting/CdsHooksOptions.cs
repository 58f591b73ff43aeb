using System.ComponentModel.DataAnnotations;

namespace Valvuloplasty.Fhir.CdsHooks.Hosting;

/// <summary>Configuration section <c>CdsHooks</c>: request limits of the protocol endpoints.</summary>
public sealed class CdsHooksOptions
{
    public const string SectionName = "CdsHooks";

    /// <summary>Largest request body accepted on /cds-services/* (bytes); larger gets 413. Default 5 MB.</summary>
    [Range(1024, 256L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 5L * 1024 * 1024;

    /// <summary>Deepest JSON nesting accepted; deeper gets 400. FHIR Bundles need about 15.</summary>
    [Range(16, 256)]
    public int MaxJsonDepth { get; set; } = 64;
}
