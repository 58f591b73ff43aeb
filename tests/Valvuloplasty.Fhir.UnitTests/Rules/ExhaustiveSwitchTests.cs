using Valvuloplasty.Fhir.Cards;
using Valvuloplasty.Fhir.Rules.Content;
using Valvuloplasty.Fhir.Rules.Engine;
using Valvuloplasty.Fhir.Rules.Facts;
using Valvuloplasty.Fhir.UnitTests.Support;

namespace Valvuloplasty.Fhir.UnitTests.Rules;

/// <summary>
/// A value outside an enum (a new valve, hook or decision added without its rules) throws where it is dispatched,
/// instead of falling through to another branch: an unknown valve must never be judged by the pulmonary rules.
/// </summary>
public sealed class ExhaustiveSwitchTests
{
    private const Valve UnknownValve = (Valve)99;
    private const HookKind UnknownHook = (HookKind)99;
    private const Decision UnknownDecision = (Decision)99;

    [Fact]
    public void UnknownHook_Throws_ForALivingAndForADeceasedPatient()
    {
        var living = new FactsBuilder().Stenosis(Valve.Aortic).Build();

        Assert.Throws<ArgumentOutOfRangeException>(() => RuleCatalog.Evaluate(living, [], UnknownHook, FactsBuilder.AsOf, new RuleOptions()));
        Assert.Throws<ArgumentOutOfRangeException>(() => RuleCatalog.Evaluate(new FactsBuilder().Deceased().Build(), [], UnknownHook, FactsBuilder.AsOf, new RuleOptions()));
    }

    [Fact]
    public void UnknownValve_Throws_InTheWordingAndTheEducation()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CardText.ValveName(UnknownValve));
        Assert.Throws<ArgumentOutOfRangeException>(() => EducationText.Item(ItemCodes.RiskRegurgitation, UnknownValve, pediatric: false));
    }

    [Fact]
    public void UnknownDecision_Throws_OnTheWire() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CardText.Wire(UnknownDecision));
}
