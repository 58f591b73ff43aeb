namespace Valvuloplasty.Fhir.Rules.Engine;

/// <summary>
/// The choices docs/clinical-rules.md leaves to the program, with the documented defaults.
/// Bound from configuration section <c>Rules</c> by the host.
/// </summary>
public sealed record RuleOptions
{
    public const string SectionName = "Rules";

    /// <summary>
    /// ESC21 §12.2.1: severe AS before urgent high-risk non-cardiac surgery makes BAV an option.
    /// Default true (the ESC choice); false follows AHA20, which makes no such recommendation.
    /// </summary>
    public bool UrgentNonCardiacSurgeryIsIndication { get; init; } = true;

    /// <summary>Echo older than this many days is stale (§3).</summary>
    public int EchoFreshnessDays { get; init; } = 365;

    /// <summary>A balloon procedure completed within this many days makes the decision post-procedure (§1).</summary>
    public int PostProcedureDays { get; init; } = 30;
}
