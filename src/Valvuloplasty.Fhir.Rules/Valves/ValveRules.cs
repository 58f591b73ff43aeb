using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;

namespace Valvuloplasty.Fhir.Rules.Valves;

/// <summary>The steps every valve's rules share: recent balloon procedure, data gaps, bounds, pregnancy.</summary>
internal static class ValveRules
{
    /// <summary>A balloon procedure of this kind completed within the post-procedure window (§1), or null.</summary>
    public static ProcedureFact? RecentBalloon(PatientFacts facts, ProcedureKind kind, DateTimeOffset asOf, RuleOptions options) =>
        facts.Procedures
            .Where(p => p.Kind == kind && p.Completed && p.PerformedAt is { } at && ClinicalPicture.Within(at, asOf, options.PostProcedureDays))
            .MaxBy(p => p.PerformedAt);

    /// <summary>Follow-up care after a recent balloon procedure: no new decision.</summary>
    public static ValveAssessment PostProcedure(AssessmentBuilder builder, ProcedureFact procedure)
    {
        var recent = new RecentBalloon(procedure, builder.Valve);
        builder.Say(recent).Next(builder.Pediatric ? NextStep.PediatricCardiologyReferral : NextStep.Surveillance);
        return builder.Build(Decision.PostProcedure, recent);
    }

    /// <summary>Names the qualifying diagnosis the assessment rests on (the first confirmed one, else the first).</summary>
    public static void CiteDiagnosis(List<StenosisDiagnosis> diagnoses, AssessmentBuilder builder) =>
        builder.Say(new DiagnosisStated(diagnoses.FirstOrDefault(d => d.Confirmed) ?? diagnoses[0]));

    /// <summary>Under 18: the pediatric pathway is said first on every card of the valve.</summary>
    public static void PediatricPathway(ClinicalPicture picture, AssessmentBuilder builder)
    {
        if (picture.Pediatric)
        {
            builder.Code(ItemCodes.WarnPediatricPathway).Say(new PediatricPathway(picture.AgeYears!.Value, builder.Valve));
        }
    }

    /// <summary>The statement of an unconfirmed diagnosis (§2), or null when a diagnosis of the valve is confirmed.</summary>
    public static Statement? Unconfirmed(List<StenosisDiagnosis> diagnoses, AssessmentBuilder builder)
    {
        if (diagnoses.Any(d => d.Confirmed))
        {
            return null;
        }

        var unconfirmed = new DiagnosisUnconfirmed(builder.Valve);
        builder.Code(ItemCodes.WarnUnconfirmedDiagnosis).Say(unconfirmed).Next(NextStep.ConfirmDiagnosis);
        return unconfirmed;
    }

    /// <summary>
    /// The statement of a missing birth date, or null: adult and pediatric criteria differ, so the service must not
    /// guess (docs/clinical-rules.md §2).
    /// </summary>
    public static Statement? NoBirthDate(PatientFacts facts, AssessmentBuilder builder)
    {
        if (facts.BirthDate is not null)
        {
            return null;
        }

        var missing = new BirthDateMissing();
        builder.Code(ItemCodes.GapNoBirthDate).Say(missing).Next(NextStep.RecordBirthDate);
        return missing;
    }

    /// <summary>
    /// Records that the grading rests on values recorded only as bounds (<c>&lt; 4.5 m/s</c>) that do not decide the
    /// threshold (docs/clinical-rules.md §2): a measured value is needed.
    /// </summary>
    public static Statement BoundsUndecided(AssessmentBuilder builder, Criterion criterion, params Measurement?[] measurements)
    {
        var bounds = measurements.OfType<Measurement>().Where(m => m.Comparator is not null).ToList();
        var undecided = new BoundsUndecided(bounds, criterion);
        builder.Code(ItemCodes.WarnValueBound).Say(undecided).Evidence(bounds).Next(NextStep.RepeatTransthoracicEcho);
        return undecided;
    }

    /// <summary>
    /// Before fluoroscopy, for a woman aged 12–50 with a candidate or caution decision: the pregnancy status, asked for
    /// when the record does not answer it (docs/clinical-rules.md §5, applied to every valve: all three procedures use
    /// fluoroscopy).
    /// </summary>
    public static void Pregnancy(ClinicalPicture picture, AssessmentBuilder builder)
    {
        if (!picture.ChildbearingAge)
        {
            return;
        }

        switch (picture.Pregnancy)
        {
            case PregnancyStatus.Unknown:
                builder.Code(ItemCodes.WarnPregnancyStatus).Say(new PregnancyStatusNeeded()).Next(NextStep.ConfirmPregnancyStatus);
                break;
            case PregnancyStatus.Pregnant:
                builder.Code(ItemCodes.WarnPregnancy).Say(new PregnancyStated(PregnancyStatus.Pregnant, picture.PregnancySource!, builder.Valve));
                if (builder.Valve == Valve.Mitral)
                {
                    builder.Cite(Citations.EscPmcPregnancy);
                }

                break;
            default:
                builder.Say(new PregnancyStated(PregnancyStatus.NotPregnant, picture.PregnancySource!, builder.Valve));
                break;
        }
    }

    /// <summary>The symptoms statement when any are recorded, else "none recorded".</summary>
    public static Statement Symptoms(ClinicalPicture picture) =>
        picture.Symptomatic || picture.NyhaClass is not null
            ? new SymptomsStated(picture.NyhaClass, picture.NyhaSource, picture.RecentSymptoms, picture.VerySymptomatic)
            : new NoSymptomsRecorded();

    /// <summary>The surgical risk statement (its score goes to the evidence table), or null when unknown.</summary>
    public static Statement? Risk(ClinicalPicture picture, AssessmentBuilder builder)
    {
        if (picture.SurgicalRiskBasis is not { } basis)
        {
            return null;
        }

        builder.Evidence(basis.Score);
        var risk = new SurgicalRiskStated(picture.SurgicalRisk, basis);
        builder.Say(risk);
        return risk;
    }

    /// <summary>The referral that fits the patient: pediatric or congenital cardiology for a child, the Heart Team otherwise.</summary>
    public static NextStep Referral(ClinicalPicture picture) =>
        picture.Pediatric ? NextStep.PediatricCardiologyReferral : NextStep.HeartTeamReferral;
}
