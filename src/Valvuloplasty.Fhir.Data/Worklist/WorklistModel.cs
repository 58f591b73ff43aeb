using System.Text.Json.Serialization;

namespace Valvuloplasty.Fhir.Data.Worklist;

/// <summary>One piece of evidence on a worklist line: a measurement as the card shows it.</summary>
public sealed record WorklistEvidence(string Name, decimal? Value, string? Unit, string Date, string Reference);

/// <summary>
/// One patient and valve assessed by the hook's rules over a population: the contract the card carries (valve,
/// decision, bridge to TAVR, the union of every code the hook's cards for that valve convey), the assessment card's
/// summary, its evidence and next steps.
/// </summary>
public sealed record WorklistLine(
    string PatientId,
    string Valve,
    string Decision,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? BridgeToTavr,
    IReadOnlyList<string> Codes,
    string Summary,
    IReadOnlyList<WorklistEvidence> Evidence,
    IReadOnlyList<string> NextSteps);

/// <summary>
/// A scan: when, over what, with which result. Partitioned workers given the same id add to one run; the stored counts
/// are those of the run's stored lines.
/// </summary>
public sealed record WorklistRun(string Id, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, DateTimeOffset AsOf, string Source, int Patients, int Lines);

/// <summary>A stored run with its lines.</summary>
public sealed record StoredWorklist(WorklistRun Run, IReadOnlyList<WorklistLine> Lines);

/// <summary>Where worklist runs are kept: the feedback store's database (SQLite or PostgreSQL).</summary>
public interface IWorklistStore
{
    /// <summary>
    /// Adds the lines to run <see cref="WorklistRun.Id"/> (created if new) in one transaction: a line of the same
    /// patient and valve replaces the stored one, so a worker may run its partition again; the run's patient and line
    /// counts become those of its stored lines.
    /// </summary>
    Task SaveWorklistAsync(WorklistRun run, IReadOnlyList<WorklistLine> lines, CancellationToken cancellationToken);

    /// <summary>The run finished last, with its lines; null when none was stored.</summary>
    Task<StoredWorklist?> LatestWorklistAsync(CancellationToken cancellationToken);
}
