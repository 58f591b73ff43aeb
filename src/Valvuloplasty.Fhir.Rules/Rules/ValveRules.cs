using Valvuloplasty.Fhir.Rules.Facts;
using static Valvuloplasty.Fhir.Rules.Rules.Format;

namespace Valvuloplasty.Fhir.Rules.Rules;

/// <summary>The steps every valve's rules share: recent balloon procedure, unconfirmed diagnosis, echo gap wording.</summary>
internal static class ValveRules
{
    /// <summary>A balloon procedure of this kind completed within the post-procedure window (§1), or null.</summary>
    public static ProcedureFact? RecentBalloon(PatientFacts facts, ProcedureKind kind, DateTimeOffset asOf, RuleOptions options) =>
        facts.Procedures
            .Where(p => p.Kind == kind && p.Completed && p.PerformedAt is { } at && ClinicalPicture.Within(at, asOf, options.PostProcedureDays))
            .MaxBy(p => p.PerformedAt);

    public static ValveAssessment PostProcedure(AssessmentBuilder builder, ProcedureFact procedure, string headline, Guideline guideline)
    {
        builder.Reason($"Balloon procedure completed on {Date(procedure.PerformedAt!.Value)} ({procedure.Source}): follow-up care, no new decision.")
            .Reason("The result is not permanent: follow-up echo, and return precautions if symptoms come back.")
            .Next(NextStep.Surveillance)
            .Cite(guideline);
        return builder.Build(Decision.PostProcedure, headline);
    }

    /// <summary>Names the qualifying diagnosis the assessment rests on (the first confirmed one, else the first).</summary>
    public static void CiteDiagnosis(List<StenosisDiagnosis> diagnoses, AssessmentBuilder builder)
    {
        var diagnosis = diagnoses.FirstOrDefault(d => d.Confirmed) ?? diagnoses[0];
        builder.Reason($"Diagnosis: {diagnosis.Display} ({diagnosis.Source}{(diagnosis.Onset is { } onset ? $", since {Date(onset)}" : "")}).");
    }

    /// <summary>True (and recorded) when no diagnosis of the valve is confirmed (§2).</summary>
    public static bool Unconfirmed(List<StenosisDiagnosis> diagnoses, AssessmentBuilder builder, string disease)
    {
        if (diagnoses.Any(d => d.Confirmed))
        {
            return false;
        }

        builder.Code(ItemCodes.WarnUnconfirmedDiagnosis)
            .Reason($"{disease} is recorded but not confirmed (unconfirmed, provisional or differential).")
            .Next(NextStep.ConfirmDiagnosis);
        return true;
    }

    /// <summary>
    /// True (and recorded) when the record has no usable birth date: the adult and pediatric criteria differ, so
    /// the service must not guess (CLINICAL_RULES §2).
    /// </summary>
    public static bool NoBirthDate(PatientFacts facts, AssessmentBuilder builder)
    {
        if (facts.BirthDate is not null)
        {
            return false;
        }

        builder.Code(ItemCodes.GapNoBirthDate)
            .Reason("No usable date of birth is recorded: adult and pediatric criteria differ, so no decision is made without it.")
            .Next(NextStep.RecordBirthDate);
        return true;
    }

    /// <summary>
    /// Records that the grading rests on values recorded only as bounds (<c>&lt; 4.5 m/s</c>) that do not decide the
    /// threshold (CLINICAL_RULES §2): a measured value is needed.
    /// </summary>
    public static void BoundsUndecided(AssessmentBuilder builder, string threshold, params Measurement?[] measurements)
    {
        var bounds = measurements.OfType<Measurement>().Where(m => m.Comparator is not null).ToList();
        builder.Code(ItemCodes.WarnValueBound)
            .Reason($"{string.Join("; ", bounds.Select(Describe))}: recorded as a bound, which does not decide {threshold}.")
            .Evidence(bounds)
            .Next(NextStep.RepeatTransthoracicEcho);
    }

    public static string GapHeadline(string disease, string procedure, EchoStatus status) => status switch
    {
        EchoStatus.None => $"{disease}: no echo on record; order a TTE before a {procedure} decision",
        EchoStatus.Stale => $"{disease}: echo older than a year; repeat TTE before a {procedure} decision",
        _ => $"{disease}: only a preliminary echo is recent; await the final report",
    };
}
