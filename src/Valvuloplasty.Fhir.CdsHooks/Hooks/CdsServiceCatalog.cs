using Valvuloplasty.Fhir.CdsHooks.Protocol;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Rules.Engine;

namespace Valvuloplasty.Fhir.CdsHooks.Hooks;

/// <summary>One CDS service: an id, the hook it answers, and what discovery says about it.</summary>
public sealed record CdsService(string Id, string Hook, HookKind Kind, string Title, string Description)
{
    public bool IsOrderHook => Kind is HookKind.OrderSelect or HookKind.OrderSign;
}

/// <summary>The three services, one per hook, all sharing the prefetch templates.</summary>
public sealed class CdsServiceCatalog(PrefetchTemplates templates)
{
    public const string PatientView = "patient-view";
    public const string OrderSelect = "order-select";
    public const string OrderSign = "order-sign";

    public static readonly IReadOnlyList<CdsService> Services =
    [
        new("valvuloplasty-patient-view", PatientView, HookKind.PatientView,
            "Balloon valvuloplasty candidacy",
            "At chart open: balloon valvuloplasty candidacy for aortic, mitral and pulmonary stenosis, bridge-to-TAVR suggestions and procedure risk education, from conditions, echo observations, procedures, orders and medications."),
        new("valvuloplasty-order-select", OrderSelect, HookKind.OrderSelect,
            "Balloon valvuloplasty order check",
            "While a balloon valvuloplasty (BAV, PMBC, BPV) or TAVR/SAVR order is drafted: checks the ordered valve's candidacy, suggests the right next step and bridge to TAVR."),
        new("valvuloplasty-order-sign", OrderSign, HookKind.OrderSign,
            "Balloon valvuloplasty order safety check",
            "At order signing: flags a balloon valvuloplasty order the record does not support (critical when contraindicated) and offers to remove it."),
    ];

    private static readonly Dictionary<string, CdsService> ById = Services.ToDictionary(s => s.Id, StringComparer.Ordinal);

    public static CdsService? Find(string id) => ById.GetValueOrDefault(id);

    public DiscoveryResponse Discovery() => new(
    [
        .. Services.Select(s => new CdsServiceDescriptor(s.Hook, s.Title, s.Description, s.Id, templates.ForDiscovery(),
            "Decision support, not a medical device: every card asks the clinician to confirm with the Heart Team."))
    ]);
}
