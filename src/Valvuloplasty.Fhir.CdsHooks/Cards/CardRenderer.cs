using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Rules;
using Valvuloplasty.Fhir.Rules.Terminology;
using static Valvuloplasty.Fhir.CdsHooks.Cards.EducationCatalog;

namespace Valvuloplasty.Fhir.CdsHooks.Cards;

/// <summary>
/// Renders an <see cref="Evaluation"/> (protocol-free) into CDS Hooks cards: assessment, bridge-to-TAVR,
/// education and safety, each with <c>source.topic</c> and the machine-readable contract
/// (CLINICAL_RULES §8). Suggested orders are full R4 ServiceRequests coded from profiles/.
/// </summary>
public sealed class CardRenderer(ValueSetIndex terminology)
{
    public const string TopicSystem = "http://example.org/fhir/valvuloplasty-cds/CodeSystem/card-topic";
    public const string SourceLabel = "Valvuloplasty.Fhir decision support";
    public const int MaxSummaryLength = 139;
    private const string DecisionSupportNotice = "_Decision support only: confirm with the Heart Team before acting._";

    private readonly ValueSetIndex _terminology = terminology ?? throw new ArgumentNullException(nameof(terminology));

    // The same list on every warning and critical card: built once, not per card.
    private readonly IReadOnlyList<WireCoding> _overrideReasons =
        [.. terminology.Codes(TerminologyBindings.OverrideReasons).Select(c => new WireCoding(c.System, c.Code, c.Display))];

    public IReadOnlyList<Card> Render(Evaluation evaluation, string patientReference)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var cards = new List<Card>();
        foreach (var assessment in evaluation.Assessments)
        {
            var review = evaluation.OrderReviews.FirstOrDefault(r => r.Valve == assessment.Valve);
            var bridgeCardFollows = assessment.Valve == Valve.Aortic && evaluation.Bridge is not null;
            cards.Add(AssessmentCard(assessment, review, evaluation.Hook, patientReference, bridgeCardFollows));
        }

        if (evaluation.Bridge is { } bridge)
        {
            var aortic = evaluation.Assessments.FirstOrDefault(a => a.Valve == Valve.Aortic);
            cards.Add(BridgeCard(bridge, aortic, patientReference));
        }

        cards.AddRange(evaluation.Education.Select(EducationCard));
        cards.AddRange(evaluation.Safety.Select(SafetyCard));
        if (evaluation.ReplacementOrderAdvice is { } advice)
        {
            cards.Add(ReplacementOrderCard(advice));
        }

        if (evaluation.Deceased is { } deceased)
        {
            cards.Add(DeceasedCard(deceased));
        }

        return cards;
    }

    private Card AssessmentCard(ValveAssessment assessment, OrderReview? review, HookKind hook, string patientReference, bool bridgeCardFollows)
    {
        var indicator = Indicator(assessment, review, hook);
        var detail = new Markdown()
            .Paragraph($"**{DecisionText(assessment)}**{(assessment.Bridge is { } b ? $" · bridge to TAVR: {Wire(b)}" : "")}");
        if (review is not null)
        {
            detail.Paragraph(review.Supported
                ? $"The drafted order ({Markdown.Escape(review.Order.Display)}) is supported by the record."
                : $"The drafted order ({Markdown.Escape(review.Order.Display)}, {Markdown.Escape(review.Order.Source)}) is **not supported**: consider removing it.");
        }

        detail.Heading("Why").Bullets(assessment.Reasons);
        if (assessment.Evidence.Count > 0)
        {
            detail.Table(
                ["Measurement", "Value", "Unit", "Date", "Source"],
                assessment.Evidence.Select(m => (IReadOnlyList<string>)
                [
                    Format.Name(m.Kind) + (m.Preliminary ? " (preliminary)" : ""),
                    (m.Comparator is { } bound ? Threshold.Symbol(bound) + " " : "") + Format.Number(m.Value),
                    DisplayUnit(m.Unit),
                    Format.Date(m),
                    m.Source,
                ]));
        }

        var converted = assessment.Evidence.Where(m => m.ConvertedFrom is not null)
            .Select(m => $"{Format.Name(m.Kind)}: {m.ConvertedFrom} converted to {Format.Value(m)} ({m.Source})");
        var dataNotes = converted.Concat(assessment.DataNotes.Select(n => n.Text)).ToList();
        if (dataNotes.Count > 0)
        {
            detail.Heading("Data notes").Bullets(dataNotes);
        }

        var nextSteps = assessment.NextSteps.Select(NextStepText).OfType<string>().ToList();
        if (nextSteps.Count > 0)
        {
            detail.Heading("Next steps").Bullets(nextSteps);
        }

        AppendGuidelines(detail, assessment.Guidelines);
        detail.Paragraph(DecisionSupportNotice);

        var suggestions = new List<Suggestion>();
        if (review is { Supported: false })
        {
            suggestions.Add(new Suggestion
            {
                Label = $"Remove the drafted {ProcedureName(review.Valve)} order",
                Uuid = Guid.NewGuid(),
                IsRecommended = indicator != CardIndicator.Info,
                Actions = [new SuggestionAction { Type = ActionType.Delete, Description = $"Delete the draft order {review.Order.Source}", ResourceId = review.Order.Source }],
            });
        }

        // The bridge card, when there is one, owns the TAVR evaluation suggestion.
        foreach (var step in assessment.NextSteps.Where(s => !(bridgeCardFollows && s == NextStep.TavrEvaluation)))
        {
            if (OrderSuggestion(step, assessment.Valve, patientReference) is { } suggestion)
            {
                suggestions.Add(suggestion);
            }
        }

        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(assessment.Headline),
            Detail = detail.ToString(),
            Indicator = indicator,
            Source = Source("assessment", "Valvuloplasty assessment"),
            Suggestions = suggestions,
            Links = [new CardLink($"About {ValveName(assessment.Valve)} stenosis (MedlinePlus)", Disease(assessment.Valve).AbsoluteUri, LinkType.Absolute)],
            Extension = Contract(assessment.Valve, assessment.Decision, assessment.Bridge, assessment.Codes),
        });
    }

    private Card BridgeCard(BridgeRecommendation bridge, ValveAssessment? aortic, string patientReference)
    {
        var summary = bridge.Kind switch
        {
            BridgeKind.TavrPlanned => "TAVR is planned: balloon aortic valvuloplasty can bridge the patient to it",
            BridgeKind.RepeatSymptomsAfterBav => "Symptoms are back after BAV: time for TAVR or SAVR (Heart Team referral)",
            BridgeKind.AfterRecentBav => "After balloon aortic valvuloplasty: plan TAVR or SAVR, the relief is temporary",
            BridgeKind.ConsiderBavBeforeDraftedTavr => "TAVR ordered for a BAV candidate: consider BAV as a bridge to TAVR",
            _ => "Bridge to TAVR: refer to the Heart Team for TAVR evaluation",
        };
        var detail = new Markdown().Heading("Bridge to TAVR").Bullets(bridge.Reasons);
        AppendGuidelines(detail, bridge.Guidelines);
        detail.Paragraph(DecisionSupportNotice);

        var suggestions = new List<Suggestion>();
        if (bridge.Kind is not BridgeKind.TavrPlanned and not BridgeKind.ConsiderBavBeforeDraftedTavr)
        {
            suggestions.Add(OrderSuggestion(NextStep.TavrEvaluation, Valve.Aortic, patientReference)!);
        }

        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(summary),
            Detail = detail.ToString(),
            Indicator = bridge.Kind == BridgeKind.RepeatSymptomsAfterBav ? CardIndicator.Warning : CardIndicator.Info,
            Source = Source("bridge-to-tavr", "Bridge to TAVR"),
            Suggestions = suggestions,
            Links = [new CardLink("Heart valve disease treatment, including TAVR (NHLBI)", ValveTreatment.AbsoluteUri, LinkType.Absolute)],
            Extension = Contract(Valve.Aortic, aortic?.Decision ?? Decision.Candidate, BridgeToTavr.Yes, []),
        });
    }

    private static Card EducationCard(EducationItems education)
    {
        var items = education.Codes.Select(c => Item(c, education.Valve)).OfType<EducationItem>().ToList();
        var isAftercare = education.Decision == Decision.PostProcedure;
        var detail = new Markdown()
            .Heading(isAftercare
                ? $"Aftercare following {ProcedureName(education.Valve)}"
                : $"Risks of {ProcedureName(education.Valve)} to discuss with the patient")
            .Bullets(items.Select(i => i.Text))
            .Paragraph(DecisionSupportNotice);

        return new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(isAftercare
                ? $"Aftercare after {ProcedureName(education.Valve)}: groin care, lifting, when to call"
                : $"Patient education: risks and aftercare of {ProcedureName(education.Valve)}"),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Info,
            Source = Source("education", "Risk education"),
            Links = [.. items.DistinctBy(i => i.Link).Select(i => new CardLink(i.LinkLabel, i.Link.AbsoluteUri, LinkType.Absolute))],
            Extension = Contract(education.Valve, education.Decision, BridgeFor(education.Valve, education.Decision), education.Codes),
        };
    }

    private Card SafetyCard(SafetyWarning warning)
    {
        var detail = new Markdown().Heading("Safety").Bullets(warning.Reasons);
        if (warning.Sources.Count > 0)
        {
            detail.Paragraph("Source: " + string.Join(", ", warning.Sources.Select(Markdown.Escape)));
        }

        AppendGuidelines(detail, warning.Guidelines);
        detail.Paragraph(DecisionSupportNotice);
        var decision = warning.Decision ?? Decision.InsufficientData;
        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(warning.Headline),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Warning,
            Source = Source("safety", "Safety warning"),
            Links = [new CardLink("Blood thinners (MedlinePlus)", BloodThinners.AbsoluteUri, LinkType.Absolute)],
            Extension = Contract(warning.Valve, decision, BridgeFor(warning.Valve, decision), [warning.Code]),
        });
    }

    private static Card ReplacementOrderCard(ValveReplacementOrderAdvice advice)
    {
        var name = advice.Kind == ProcedureKind.Tavr ? "TAVR" : "SAVR";
        var detail = new Markdown()
            .Paragraph($"A {name} order is drafted ({Markdown.Escape(advice.Order.Display)}). The patient is not a balloon valvuloplasty candidate: no bridge is needed; the education link explains the procedure to the patient.")
            .Paragraph(DecisionSupportNotice);
        var decision = advice.AorticDecision ?? Decision.NotCandidate;
        return new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary($"{name} ordered: patient education on aortic valve replacement"),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Info,
            Source = Source("education", "Risk education"),
            Links = [new CardLink("Heart valve disease treatment, including TAVR (NHLBI)", ValveTreatment.AbsoluteUri, LinkType.Absolute)],
            Extension = Contract(Valve.Aortic, decision, BridgeFor(Valve.Aortic, decision), []),
        };
    }

    /// <summary>A valve procedure drafted for a patient recorded as deceased: one warning, with the draft's removal offered.</summary>
    private Card DeceasedCard(DeceasedPatientNotice notice)
    {
        var detail = new Markdown()
            .Paragraph($"The patient's record says the patient has died, yet a valve procedure is drafted ({Markdown.Escape(notice.Order.Display)}, {Markdown.Escape(notice.Order.Source)}). No candidacy is assessed. Check that this is the right patient's chart, or correct the record.")
            .Paragraph(DecisionSupportNotice);
        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary("Patient is recorded as deceased: check this order and the patient's identity"),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Warning,
            Source = Source("safety", "Safety warning"),
            Suggestions =
            [
                new Suggestion
                {
                    Label = "Remove the drafted order",
                    Uuid = Guid.NewGuid(),
                    Actions = [new SuggestionAction { Type = ActionType.Delete, Description = $"Delete the draft order {notice.Order.Source}", ResourceId = notice.Order.Source }],
                },
            ],
            Extension = Contract(notice.Valve, Decision.NotCandidate, BridgeFor(notice.Valve, Decision.NotCandidate), [ItemCodes.WarnPatientDeceased]),
        });
    }

    /// <summary>Cards with suggestions need selectionBehavior; warning/critical cards offer override reasons.</summary>
    private Card Finish(Card card) => card with
    {
        SelectionBehavior = card.Suggestions is { Count: > 0 } ? SelectionBehavior.Any : null,
        OverrideReasons = card.Indicator == CardIndicator.Info
            ? null
            : _overrideReasons,
    };

    private static CardIndicator Indicator(ValveAssessment assessment, OrderReview? review, HookKind hook)
    {
        if (review is { Supported: false })
        {
            return hook == HookKind.OrderSign && assessment.Contraindicated ? CardIndicator.Critical : CardIndicator.Warning;
        }

        return assessment.Contraindicated || assessment.Decision == Decision.InsufficientData
            ? CardIndicator.Warning
            : CardIndicator.Info;
    }

    private Suggestion? OrderSuggestion(NextStep step, Valve valve, string patientReference)
    {
        var (valueSet, label) = step switch
        {
            NextStep.OrderTransthoracicEcho => (TerminologyBindings.Procedures[ProcedureKind.TransthoracicEcho], "Order a transthoracic echocardiogram"),
            NextStep.RepeatTransthoracicEcho => (TerminologyBindings.Procedures[ProcedureKind.TransthoracicEcho], "Repeat the transthoracic echocardiogram"),
            NextStep.OrderTransesophagealEcho => (TerminologyBindings.Procedures[ProcedureKind.TransesophagealEcho], "Order a transesophageal echocardiogram (LA thrombus)"),
            NextStep.HeartTeamReferral => (TerminologyBindings.HeartTeamReferral, "Refer to the Heart Team"),
            NextStep.TavrEvaluation => (TerminologyBindings.TavrEvaluation, "Refer for TAVR evaluation"),
            _ => (null, null),
        };
        if (valueSet is null || label is null)
        {
            return null;
        }

        var code = _terminology.Codes(valueSet)[0];
        var request = new ServiceRequest
        {
            Status = RequestStatus.Draft,
            Intent = RequestIntent.Proposal,
            Code = new CodeableConcept(code.System, code.Code, code.Display, code.Display),
            Subject = new ResourceReference(patientReference),
            ReasonCode = [new CodeableConcept { Text = $"{char.ToUpperInvariant(ValveName(valve)[0])}{ValveName(valve)[1..]} stenosis: balloon valvuloplasty decision support" }],
        };
        return new Suggestion
        {
            Label = label,
            Uuid = Guid.NewGuid(),
            Actions = [new SuggestionAction { Type = ActionType.Create, Description = label, Resource = new FhirResourceJson(request) }],
        };
    }

    private static string? NextStepText(NextStep step) => step switch
    {
        NextStep.OrderTransthoracicEcho => "Order a transthoracic echocardiogram (TTE) to grade the stenosis.",
        NextStep.RepeatTransthoracicEcho => "Repeat the TTE: decisions need current measurements.",
        NextStep.FinaliseEchoReport => "Ask for the final echo report; preliminary values are not used for decisions.",
        NextStep.OrderTransesophagealEcho => "Order a TEE to exclude left atrial thrombus.",
        NextStep.DobutamineStressEcho => "Low-dose dobutamine stress echo to separate true-severe from pseudo-severe stenosis.",
        NextStep.CtCalciumScore => "Re-measure when normotensive and obtain a CT aortic valve calcium score.",
        NextStep.ObtainSurgicalRisk => "Document surgical risk: STS-PROM or EuroSCORE II, frailty, or a Heart Team risk category.",
        NextStep.HeartTeamReferral => "Discuss with the Heart Team.",
        NextStep.TavrEvaluation => "Start the TAVR evaluation (CT angiography, access planning).",
        NextStep.SurgicalReferral => "Refer to cardiac surgery.",
        NextStep.Surveillance => "Continue echo surveillance at guideline intervals.",
        NextStep.SeekOtherCauseOfSymptoms => "Look for other causes of the symptoms.",
        NextStep.ConfirmDiagnosis => "Confirm the stenosis diagnosis (echo and problem list).",
        NextStep.PeriproceduralAnticoagulationPlan => "Agree a periprocedural anticoagulation plan.",
        NextStep.SwitchNoacToVitaminKAntagonist => "Switch the NOAC to a vitamin K antagonist.",
        NextStep.RecordBirthDate => "Record the patient's date of birth: adult and pediatric criteria differ.",
        _ => null,
    };

    private static void AppendGuidelines(Markdown detail, IReadOnlyList<Guideline> guidelines)
    {
        if (guidelines.Count > 0)
        {
            detail.Heading("Guidelines").Bullets(guidelines.Select(g => g.ToString()));
        }
    }

    private static CardSource Source(string topic, string display) =>
        new(SourceLabel, Topic: new WireCoding(TopicSystem, topic, display));

    private static CardExtension Contract(Valve valve, Decision decision, BridgeToTavr? bridge, IReadOnlyList<string> codes) =>
        new(new ValvuloplastyContract(ValveName(valve), Wire(decision), valve == Valve.Aortic && bridge is { } b ? Wire(b) : null, codes));

    /// <summary>Bridge flag for cards other than the assessment: derived from the decision as §4 defines it.</summary>
    private static BridgeToTavr? BridgeFor(Valve valve, Decision decision) => valve != Valve.Aortic ? null : decision switch
    {
        Decision.Candidate or Decision.CandidateWithCaution or Decision.PostProcedure => BridgeToTavr.Yes,
        Decision.InsufficientData => BridgeToTavr.Deferred,
        _ => BridgeToTavr.No,
    };

    public static string Wire(Decision decision) => decision switch
    {
        Decision.Candidate => "candidate",
        Decision.CandidateWithCaution => "candidate-with-caution",
        Decision.NotCandidate => "not-candidate",
        Decision.InsufficientData => "insufficient-data",
        _ => "post-procedure",
    };

    public static string Wire(BridgeToTavr bridge) => bridge switch
    {
        BridgeToTavr.Yes => "yes",
        BridgeToTavr.No => "no",
        _ => "deferred",
    };

    private static string DecisionText(ValveAssessment a) => a.Decision switch
    {
        Decision.Candidate => $"Candidate for {ProcedureName(a.Valve)}",
        Decision.CandidateWithCaution => $"Candidate for {ProcedureName(a.Valve)}, with caution: Heart Team review",
        Decision.NotCandidate => $"Not a candidate for {ProcedureName(a.Valve)}",
        Decision.InsufficientData => $"Insufficient data to decide on {ProcedureName(a.Valve)}",
        _ => $"After {ProcedureName(a.Valve)}: follow-up care",
    } + (a.Pediatric ? " (pediatric pathway)" : "");

    private static string DisplayUnit(string unit) => unit switch
    {
        "mm[Hg]" => "mmHg",
        "cm2" => "cm²",
        "cm2/m2" => "cm²/m²",
        "mL/m2" => "mL/m²",
        "1" => "",
        _ => unit,
    };

    /// <summary>Summaries stay under 140 characters, whatever the rules wrote.</summary>
    public static string Summary(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= MaxSummaryLength ? text : text[..(MaxSummaryLength - 1)].TrimEnd() + "…";
    }
}
