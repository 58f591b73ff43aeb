using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>docs/clinical-rules.md §3, shared by every valve: no decision on missing, stale or preliminary-only echo data.</summary>
internal static class EchoGate
{
    /// <summary>
    /// Records the echo data gap (if any) on <paramref name="builder"/> and returns its statement; null when the
    /// valve can be decided on its echo data.
    /// </summary>
    public static Statement? Gap(EchoStudy study, AssessmentBuilder builder, int freshnessDays)
    {
        switch (study.Status)
        {
            case EchoStatus.PreliminaryOnly:
                var preliminary = new EchoPreliminaryOnly(study.StudyDate, freshnessDays);
                builder.Code(ItemCodes.WarnPreliminary).Say(preliminary).Evidence(study.Preliminary).Next(NextStep.FinaliseEchoReport);
                if (study.StudyDate is not null)
                {
                    builder.Code(ItemCodes.WarnStaleEcho).Evidence(study.StaleValues);
                }

                builder.Cite(Citations.AhaEchoReassessment);
                return preliminary;

            case EchoStatus.None:
                var missing = new EchoMissing();
                builder.Code(ItemCodes.GapNoEcho).Say(missing).Next(NextStep.OrderTransthoracicEcho).Cite(Citations.AhaEchoReassessment);
                return missing;

            case EchoStatus.Stale:
                var stale = new EchoStale(study.StudyDate!.Value, freshnessDays);
                builder.Code(ItemCodes.WarnStaleEcho).Say(stale).Evidence(study.StaleValues)
                    .Next(NextStep.RepeatTransthoracicEcho).Cite(Citations.AhaEchoReassessment);
                return stale;

            case EchoStatus.Current:
                return null;

            default:
                throw new ArgumentOutOfRangeException(nameof(study), study.Status, "Unknown echo status.");
        }
    }

    /// <summary>
    /// The data notes a valve's card must carry: rejected values of its measurement kinds, and the
    /// patient-level notes (data that could not be read at all).
    /// </summary>
    public static IEnumerable<DataNote> NotesFor(PatientFacts facts, IReadOnlyCollection<MeasurementKind> kinds) =>
        facts.Notes.Where(n => n.Measurement is not { } kind || kinds.Contains(kind));
}
