using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>CLINICAL_RULES §3, shared by every valve: no decision on missing, stale or preliminary-only echo data.</summary>
internal static class EchoGate
{
    /// <summary>
    /// Records the echo data gap (if any) on <paramref name="builder"/> and returns true when the valve
    /// cannot be decided on its echo data.
    /// </summary>
    public static bool HasGap(EchoStudy study, AssessmentBuilder builder, int freshnessDays)
    {
        switch (study.Status)
        {
            case EchoStatus.PreliminaryOnly:
                builder.Code(ItemCodes.WarnPreliminary)
                    .Reason("Only a preliminary echo report is newer than the last final one; values below are preliminary and not used for grading.")
                    .Evidence(study.Preliminary)
                    .Next(NextStep.FinaliseEchoReport);
                if (study.StudyDate is { } older)
                {
                    builder.Code(ItemCodes.WarnStaleEcho)
                        .Reason($"The last final echo ({older:yyyy-MM-dd}) is older than {freshnessDays} days.")
                        .Evidence(study.StaleValues);
                }

                builder.Cite(Guidelines.EchoFreshness);
                return true;

            case EchoStatus.None:
                builder.Code(ItemCodes.GapNoEcho)
                    .Reason("No usable echocardiographic severity measurement is on record.")
                    .Next(NextStep.OrderTransthoracicEcho)
                    .Cite(Guidelines.EchoFreshness);
                return true;

            case EchoStatus.Stale:
                builder.Code(ItemCodes.WarnStaleEcho)
                    .Reason($"The latest echo ({study.StudyDate:yyyy-MM-dd}) is older than {freshnessDays} days; severity must be re-measured.")
                    .Evidence(study.StaleValues)
                    .Next(NextStep.RepeatTransthoracicEcho)
                    .Cite(Guidelines.EchoFreshness);
                return true;

            default:
                return false;
        }
    }

    /// <summary>
    /// The data notes a valve's card must carry: rejected values of its measurement kinds, and the
    /// patient-level notes (data that could not be read at all).
    /// </summary>
    public static IEnumerable<DataNote> NotesFor(PatientFacts facts, IReadOnlyCollection<MeasurementKind> kinds) =>
        facts.Notes.Where(n => n.Kind is not { } kind || kinds.Contains(kind));
}
