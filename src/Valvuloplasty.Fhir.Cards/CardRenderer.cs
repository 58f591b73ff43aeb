using Hl7.Fhir.Model;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.Cards;

/// <summary>
/// Renders an <see cref="Evaluation"/> (protocol-free, wording-free) into CDS Hooks cards: assessment, bridge-to-TAVR,
/// education and safety, each with <c>source.topic</c> and the machine-readable contract (docs/clinical-rules.md §8). The words
/// come from <see cref="CardText"/> and <see cref="EducationText"/>, citations and links from the one table each
/// (<see cref="ContentTables"/>); suggested orders are full R4 ServiceRequests coded from profiles/.
/// </summary>
public sealed class CardRenderer(ValueSetIndex terminology, ContentTables content)
{
    public const string TopicSystem = "http://example.org/fhir/valvuloplasty-cds/CodeSystem/card-topic";
    public const string SourceLabel = "Valvuloplasty.Fhir decision support";
    public const int MaxSummaryLength = 139;

    private readonly ValueSetIndex _terminology = terminology ?? throw new ArgumentNullException(nameof(terminology));
    private readonly ContentTables _content = content ?? throw new ArgumentNullException(nameof(content));

    // The same list on every warning and critical card: built once, not per card.
    private readonly IReadOnlyList<WireCoding> _overrideReasons =
        [.. terminology.Codes(TerminologyBindings.OverrideReasons).Select(c => new WireCoding(c.System, c.Code, c.Display))];

    /// <summary>The label of the assessment card's link to the SMART app.</summary>
    public const string SmartLinkLabel = "Echo trend and patient handout";

    /// <summary>The cards, as the EHR receives them.</summary>
    public IReadOnlyList<Card> Render(Evaluation evaluation, string patientReference, Uri? smartLaunch = null) =>
        [.. RenderWithFacts(evaluation, patientReference, smartLaunch).Select(r => r.Card)];

    /// <summary>
    /// Each card with the facts it was rendered from (topic, valve, decision, item codes): what the card ledger
    /// records, decided once here and written into the card's contract from the same values. With
    /// <paramref name="smartLaunch"/> (the SMART app's launch URL), every assessment card links to the app, its
    /// <c>appContext</c> naming the card's valve; without it, no card has a smart link.
    /// </summary>
    public IReadOnlyList<RenderedCard> RenderWithFacts(Evaluation evaluation, string patientReference, Uri? smartLaunch = null)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var said = new Said();
        var cards = new List<RenderedCard>();
        foreach (var assessment in evaluation.Assessments)
        {
            var review = evaluation.OrderReviews.FirstOrDefault(r => r.Valve == assessment.Valve);
            var bridgeCardFollows = assessment.Valve == Valve.Aortic && evaluation.Bridge is not null;
            var facts = new CardFacts(CardTopics.Assessment, assessment.Valve, assessment.Decision, assessment.Codes);
            cards.Add(new(AssessmentCard(assessment, review, evaluation.Hook, patientReference, bridgeCardFollows, facts, smartLaunch), facts));
            said.Add(assessment.Valve, assessment.Citations, assessment.NextSteps);
        }

        if (evaluation.Bridge is { } bridge)
        {
            var aortic = evaluation.Assessments.FirstOrDefault(a => a.Valve == Valve.Aortic);
            var facts = new CardFacts(CardTopics.BridgeToTavr, Valve.Aortic, aortic?.Decision ?? Decision.Candidate, []);
            cards.Add(new(BridgeCard(bridge, aortic, patientReference, facts), facts));
        }

        foreach (var education in evaluation.Education)
        {
            var facts = new CardFacts(CardTopics.Education, education.Valve, education.Decision, education.Codes);
            cards.Add(new(EducationCard(education, facts), facts));
        }

        foreach (var warning in evaluation.Safety)
        {
            var facts = new CardFacts(CardTopics.Safety, warning.Valve, warning.Decision ?? Decision.InsufficientData, [warning.Code]);
            cards.Add(new(SafetyCard(warning, said, facts), facts));
        }

        if (evaluation.ReplacementOrderAdvice is { } advice)
        {
            var facts = new CardFacts(CardTopics.Education, Valve.Aortic, advice.AorticDecision ?? Decision.NotCandidate, []);
            cards.Add(new(ReplacementOrderCard(advice, facts), facts));
        }

        if (evaluation.Deceased is { } deceased)
        {
            var facts = new CardFacts(CardTopics.Safety, deceased.Valve, Decision.NotCandidate, [ItemCodes.WarnPatientDeceased]);
            cards.Add(new(DeceasedCard(deceased, facts), facts));
        }

        return cards;
    }

    private Card AssessmentCard(ValveAssessment assessment, OrderReview? review, HookKind hook, string patientReference, bool bridgeCardFollows, CardFacts facts, Uri? smartLaunch)
    {
        var indicator = Indicator(assessment, review, hook);
        var detail = new Markdown()
            .Paragraph($"**{CardText.DecisionLine(assessment)}**{(assessment.Bridge is { } b ? $" · bridge to TAVR: {CardText.Wire(b)}" : "")}");
        var hold = review is { Supported: false } && assessment.Decision == Decision.InsufficientData;
        if (review is not null)
        {
            var order = Markdown.Escape(review.Order.Display);
            detail.Paragraph(review.Supported ? $"The drafted order ({order}) is supported by the record."
                : hold ? $"**Hold** the drafted order ({order}, {Markdown.Escape(review.Order.Source)}) until {CardText.HoldUntil(assessment)}."
                : $"The drafted order ({order}, {Markdown.Escape(review.Order.Source)}) is **not supported** by the record: consider removing it.");
        }

        detail.Heading("Why").Bullets(assessment.Statements.Select(s => CardText.Say(s, assessment)));
        if (assessment.Evidence.Count > 0)
        {
            detail.Table(
                ["Measurement", "Value", "Date", "Source"],
                assessment.Evidence.Select(m => (IReadOnlyList<string>)
                [
                    CardText.Name(m.Kind) + (m.Preliminary ? " (preliminary)" : ""),
                    CardText.Value(m),
                    CardText.Date(m),
                    m.Source,
                ]));
        }

        var dataNotes = assessment.Evidence.Where(m => m.ConvertedFrom is not null).Select(CardText.Converted)
            .Concat(assessment.DataNotes.Select(CardText.Note))
            .ToList();
        if (dataNotes.Count > 0)
        {
            detail.Heading("Data notes").Bullets(dataNotes);
        }

        if (assessment.NextSteps.Count > 0)
        {
            detail.Heading("Next steps").Bullets(assessment.NextSteps.Select(s => CardText.Step(s, assessment.Valve)));
        }

        AppendCitations(detail, assessment.Citations);
        detail.Paragraph(CardText.DecisionSupportNotice(assessment.Pediatric));

        // For a held order the next step comes first and removing the draft second; for a refused one, the reverse.
        var suggestions = new List<Suggestion>();
        var delete = review is { Supported: false } ? DeleteSuggestion(review, indicator != CardIndicator.Info && !hold) : null;
        if (delete is not null && !hold)
        {
            suggestions.Add(delete);
        }

        // The bridge card, when there is one, owns the TAVR evaluation suggestion.
        foreach (var step in assessment.NextSteps.Where(s => !(bridgeCardFollows && s == NextStep.TavrEvaluation)))
        {
            if (OrderSuggestion(step, assessment.Valve, patientReference) is { } suggestion)
            {
                suggestions.Add(suggestion);
            }
        }

        if (delete is not null && hold)
        {
            suggestions.Add(delete);
        }

        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(hold ? $"Hold this {CardText.Abbreviation(assessment.Valve)} order until {CardText.HoldUntil(assessment)}" : CardText.Summary(assessment)),
            Detail = detail.ToString(),
            Indicator = indicator,
            Source = Source(facts.Topic, "Valvuloplasty assessment"),
            Suggestions = suggestions,
            Links = smartLaunch is null
                ? [Link(EducationText.DiseaseLink(assessment.Valve))]
                : [Link(EducationText.DiseaseLink(assessment.Valve)), SmartLink(smartLaunch, assessment.Valve)],
            Extension = Contract(facts, assessment.Bridge),
        });
    }

    /// <summary>The SMART app link: CDS Hooks passes <c>appContext</c> (a string) to the app, here the card's valve as JSON.</summary>
    private static CardLink SmartLink(Uri launch, Valve valve) =>
        new(SmartLinkLabel, launch.AbsoluteUri, LinkType.Smart, System.Text.Json.JsonSerializer.Serialize(new SmartAppContext(CardText.ValveName(valve)), SmartAppContextJson.Default.SmartAppContext));

    private static Suggestion DeleteSuggestion(OrderReview review, bool recommended) => new()
    {
        Label = $"Remove the drafted {CardText.Abbreviation(review.Valve)} order",
        Uuid = Guid.NewGuid(),
        IsRecommended = recommended ? true : null,
        Actions = [new SuggestionAction { Type = ActionType.Delete, Description = $"Delete the draft order {review.Order.Source}", ResourceId = review.Order.Source }],
    };

    private Card BridgeCard(BridgeRecommendation bridge, ValveAssessment? aortic, string patientReference, CardFacts facts)
    {
        var bav = aortic?.Statements.OfType<RecentBalloon>().FirstOrDefault();
        var planned = aortic?.Statements.OfType<TavrAlreadyPlanned>().FirstOrDefault();
        var summary = bridge.Kind switch
        {
            BridgeKind.TavrPlanned => "TAVR is planned: balloon aortic valvuloplasty can bridge the patient to it",
            BridgeKind.RepeatSymptomsAfterBav => "Symptoms are back after BAV: time for TAVR or SAVR (Heart Team referral)",
            BridgeKind.AfterRecentBav => "After balloon aortic valvuloplasty: plan TAVR or SAVR, the relief is temporary",
            BridgeKind.AfterRecentBavTavrPlanned => "After balloon aortic valvuloplasty: the planned TAVR is the next step",
            BridgeKind.ConsiderBavBeforeDraftedTavr => "TAVR ordered for a BAV candidate: consider BAV as a bridge to TAVR",
            BridgeKind.HeartTeamReferral => "Bridge to TAVR: refer to the Heart Team for TAVR evaluation",
            _ => throw new ArgumentOutOfRangeException(nameof(bridge), bridge.Kind, "Unknown bridge kind."),
        };
        var line = bridge.Kind switch
        {
            BridgeKind.TavrPlanned => $"TAVR is already planned{(planned is null ? "" : $" ({Markdown.Escape(planned.Order.Display)}, {planned.Order.Source})")}: BAV bridges the patient to it.",
            BridgeKind.RepeatSymptomsAfterBav => "Symptoms are back after the earlier BAV: the balloon's effect is wearing off, and it is time for TAVR or SAVR.",
            BridgeKind.AfterRecentBav => $"The BAV{(bav is null ? "" : $" of {CardText.Date(bav.Procedure.PerformedAt!.Value)}")} relieves for months: start the TAVR evaluation now.",
            BridgeKind.AfterRecentBavTavrPlanned => $"The BAV{(bav is null ? "" : $" of {CardText.Date(bav.Procedure.PerformedAt!.Value)}")} is done and TAVR is planned{(planned is null ? "" : $" ({Markdown.Escape(planned.Order.Display)}, {planned.Order.Source})")}: keep the patient on the way to it.",
            BridgeKind.ConsiderBavBeforeDraftedTavr => "A TAVR order is drafted and the patient meets the criteria for BAV: consider BAV as a bridge while TAVR is arranged.",
            BridgeKind.HeartTeamReferral => "Refer to the Heart Team for TAVR evaluation now: BAV relieves for months, and TAVR or SAVR is the lasting treatment.",
            _ => throw new ArgumentOutOfRangeException(nameof(bridge), bridge.Kind, "Unknown bridge kind."),
        };
        var detail = new Markdown().Heading("Bridge to TAVR").Bullets(
            bridge.ProhibitiveRisk
                ? [line, "At prohibitive surgical risk: bridge to TAVR if survival beyond 12 months is expected; otherwise BAV is palliative."]
                : [line]);

        // The assessment card carries the evidence and the guidelines; the bridge card refers to it instead of repeating them.
        if (aortic is not null)
        {
            detail.Paragraph("The evidence and the guidelines are on the aortic assessment card.");
        }
        else
        {
            AppendCitations(detail, bridge.Citations);
        }

        detail.Paragraph(CardText.DecisionSupportNotice(pediatric: false));

        var suggestions = new List<Suggestion>();
        if (bridge.Kind is BridgeKind.HeartTeamReferral or BridgeKind.RepeatSymptomsAfterBav or BridgeKind.AfterRecentBav)
        {
            suggestions.Add(OrderSuggestion(NextStep.TavrEvaluation, Valve.Aortic, patientReference)!);
        }

        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(summary),
            Detail = detail.ToString(),
            Indicator = bridge.Kind == BridgeKind.RepeatSymptomsAfterBav ? CardIndicator.Warning : CardIndicator.Info,
            Source = Source(facts.Topic, "Bridge to TAVR"),
            Suggestions = suggestions,
            Links = [Link(LinkIds.Tavr), Link(LinkIds.ValveTreatment)],
            Extension = Contract(facts, BridgeToTavr.Yes),
        });
    }

    private Card EducationCard(EducationItems education, CardFacts facts)
    {
        var items = education.Codes.Select(c => EducationText.Item(c, education.Valve, education.Pediatric)).OfType<EducationItem>().ToList();
        var detail = new Markdown().Heading(EducationText.Heading(education));
        if (education.Decision != Decision.PostProcedure)
        {
            detail.Paragraph("**What to expect.** " + EducationText.WhatToExpect(education.Valve, education.Pediatric));
        }

        var risks = items.Where(i => !EducationText.IsAftercare(i.Code)).ToList();
        var aftercare = items.Where(i => EducationText.IsAftercare(i.Code)).ToList();
        if (risks.Count > 0)
        {
            detail.Heading("Risks").Bullets(risks.Select(i => i.Text));
        }

        detail.Heading("Aftercare").Bullets(aftercare.Select(i => i.Text));
        detail.Paragraph(CardText.DecisionSupportNotice(education.Pediatric));

        List<string> linkIds = [.. education.Decision == Decision.PostProcedure ? [] : new[] { LinkIds.BalloonValvuloplasty }, .. items.Select(i => i.LinkId)];
        return new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(education.Decision == Decision.PostProcedure
                ? $"Aftercare after {CardText.Procedure(education.Valve)}: groin care, activity, when to call"
                : $"Patient education: risks and aftercare of {CardText.Procedure(education.Valve)}"),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Info,
            Source = Source(facts.Topic, "Risk education"),
            Links = [.. linkIds.Distinct(StringComparer.Ordinal).Select(Link)],
            Extension = Contract(facts, education.Pediatric ? BridgeToTavr.No : BridgeFor(education.Valve, education.Decision)),
        };
    }

    private Card SafetyCard(SafetyWarning warning, Said said, CardFacts facts)
    {
        var (summary, lines) = CardText.Safety(warning);
        var detail = new Markdown().Heading("Safety").Bullets(lines);
        if (warning.Sources.Count > 0)
        {
            detail.Paragraph("Source: " + string.Join(", ", warning.Sources.Select(Markdown.Escape)));
        }

        // A next step or a guideline appears once per response: the assessment card of the valve has said it already.
        var steps = warning.NextSteps.Where(s => !said.Has(warning.Valve, s)).ToList();
        var citations = warning.Citations.Where(c => !said.Has(c)).ToList();
        if (steps.Count > 0)
        {
            detail.Heading("Next steps").Bullets(steps.Select(s => CardText.Step(s, warning.Valve)));
        }

        AppendCitations(detail, citations);
        if (steps.Count < warning.NextSteps.Count || citations.Count < warning.Citations.Count)
        {
            detail.Paragraph($"The plan and the guidelines already given are on the {CardText.ValveName(warning.Valve)} assessment card.");
        }

        said.Add(warning.Valve, citations, steps);
        detail.Paragraph(CardText.DecisionSupportNotice(pediatric: false));
        var decision = facts.Decision;
        var warfarinAdvised = warning.NextSteps.Contains(NextStep.SwitchNoacToVitaminKAntagonist) || warning.Statement is AnticoagulationWithThrombus
            || (warning.Statement is AnticoagulationPlan plan && plan.Drugs.Any(d => d.Class == AnticoagulantClass.VitaminKAntagonist));
        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary(summary),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Warning,
            Source = Source(facts.Topic, "Safety warning"),
            Links = warfarinAdvised ? [Link(LinkIds.BloodThinners), Link(LinkIds.Warfarin)] : [Link(LinkIds.BloodThinners)],
            Extension = Contract(facts, BridgeFor(warning.Valve, decision)),
        });
    }

    private Card ReplacementOrderCard(ValveReplacementOrderAdvice advice, CardFacts facts)
    {
        var name = advice.Kind == ProcedureKind.Tavr ? "TAVR" : "SAVR";
        var why = advice.AorticDecision == Decision.InsufficientData
            ? "The data do not support a balloon valvuloplasty decision now (see the gaps at chart review); no bridge is proposed."
            : "The patient is not a balloon valvuloplasty candidate: no bridge is needed.";
        var detail = new Markdown()
            .Paragraph($"A {name} order is drafted ({Markdown.Escape(advice.Order.Display)}). {why} The linked page explains the procedure to the patient.")
            .Paragraph(CardText.DecisionSupportNotice(pediatric: false));
        var decision = facts.Decision;
        return new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary($"{name} ordered: patient education on aortic valve replacement"),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Info,
            Source = Source(facts.Topic, "Risk education"),
            Links = [Link(advice.Kind == ProcedureKind.Tavr ? LinkIds.Tavr : LinkIds.ValveTreatment)],
            Extension = Contract(facts, BridgeFor(Valve.Aortic, decision)),
        };
    }

    /// <summary>A valve procedure drafted for a patient recorded as deceased: one warning, with the draft's removal offered.</summary>
    private Card DeceasedCard(DeceasedPatientNotice notice, CardFacts facts)
    {
        var detail = new Markdown()
            .Paragraph($"The patient's record says the patient has died, yet a valve procedure is drafted ({Markdown.Escape(notice.Order.Display)}, {Markdown.Escape(notice.Order.Source)}). No candidacy is assessed. Check that this is the right patient's chart, or correct the record.")
            .Paragraph(CardText.DecisionSupportNotice(pediatric: false));
        return Finish(new Card
        {
            Uuid = Guid.NewGuid(),
            Summary = Summary("Patient is recorded as deceased: check this order and the patient's identity"),
            Detail = detail.ToString(),
            Indicator = CardIndicator.Warning,
            Source = Source(facts.Topic, "Safety warning"),
            Suggestions =
            [
                new Suggestion
                {
                    Label = "Remove the drafted order",
                    Uuid = Guid.NewGuid(),
                    Actions = [new SuggestionAction { Type = ActionType.Delete, Description = $"Delete the draft order {notice.Order.Source}", ResourceId = notice.Order.Source }],
                },
            ],
            Extension = Contract(facts, BridgeFor(notice.Valve, Decision.NotCandidate)),
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
            ReasonCode = [new CodeableConcept { Text = $"{CardText.Disease(valve)}: balloon valvuloplasty decision support" }],
        };
        return new Suggestion
        {
            Label = label,
            Uuid = Guid.NewGuid(),
            Actions = [new SuggestionAction { Type = ActionType.Create, Description = label, Resource = new FhirResourceJson(request) }],
        };
    }

    /// <summary>The guidelines, from the one citation table: a section, class or level only where the table has verified it.</summary>
    private void AppendCitations(Markdown detail, IReadOnlyList<string> citationIds)
    {
        if (citationIds.Count > 0)
        {
            detail.Heading("Guidelines").Bullets(citationIds.Select(id => ContentTables.CitationLine(_content.Citation(id))));
        }
    }

    private CardLink Link(string id)
    {
        var row = _content.Link(id);
        return new CardLink(row.Label, row.Url, LinkType.Absolute);
    }

    private static CardSource Source(string topic, string display) =>
        new(SourceLabel, Topic: new WireCoding(TopicSystem, topic, display));

    private static CardExtension Contract(CardFacts facts, BridgeToTavr? bridge) =>
        new(new ValvuloplastyContract(CardText.ValveName(facts.Valve), CardText.Wire(facts.Decision), facts.Valve == Valve.Aortic && bridge is { } b ? CardText.Wire(b) : null, facts.Codes));

    /// <summary>Bridge flag for cards other than the assessment: derived from the decision as §4 defines it.</summary>
    private static BridgeToTavr? BridgeFor(Valve valve, Decision decision) => valve != Valve.Aortic ? null : decision switch
    {
        Decision.Candidate or Decision.CandidateWithCaution or Decision.PostProcedure => BridgeToTavr.Yes,
        Decision.InsufficientData => BridgeToTavr.Deferred,
        Decision.NotCandidate => BridgeToTavr.No,
        _ => throw new ArgumentOutOfRangeException(nameof(decision), decision, "Unknown decision."),
    };

    /// <summary>What the response has said so far: a guideline or a next step appears once per response (docs/clinical-rules.md §8).</summary>
    private sealed class Said
    {
        private readonly HashSet<string> _citations = new(StringComparer.Ordinal);
        private readonly HashSet<(Valve, NextStep)> _steps = [];

        public void Add(Valve valve, IEnumerable<string> citations, IEnumerable<NextStep> steps)
        {
            _citations.UnionWith(citations);
            _steps.UnionWith(steps.Select(s => (valve, s)));
        }

        public bool Has(string citation) => _citations.Contains(citation);

        public bool Has(Valve valve, NextStep step) => _steps.Contains((valve, step));
    }

    /// <summary>Summaries stay under 140 characters, whatever the rules wrote.</summary>
    public static string Summary(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length <= MaxSummaryLength ? text : text[..(MaxSummaryLength - 1)].TrimEnd() + "…";
    }
}

/// <summary>The topics of <c>source.topic</c> (CodeSystem card-topic).</summary>
public static class CardTopics
{
    public const string Assessment = "assessment";
    public const string BridgeToTavr = "bridge-to-tavr";
    public const string Education = "education";
    public const string Safety = "safety";
}

/// <summary>What a card was rendered from: its topic, valve, decision and item codes (the ledger records these).</summary>
public sealed record CardFacts(string Topic, Valve Valve, Decision Decision, IReadOnlyList<string> Codes);

/// <summary>A card and the facts it was rendered from.</summary>
public sealed record RenderedCard(Card Card, CardFacts Facts);

/// <summary>The appContext of the SMART app link: which valve the card is about.</summary>
public sealed record SmartAppContext([property: System.Text.Json.Serialization.JsonPropertyName("valve")] string Valve);

[System.Text.Json.Serialization.JsonSerializable(typeof(SmartAppContext))]
internal sealed partial class SmartAppContextJson : System.Text.Json.Serialization.JsonSerializerContext;
