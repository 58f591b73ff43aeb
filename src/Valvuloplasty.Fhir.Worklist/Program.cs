namespace Valvuloplasty.Fhir.Worklist;

/// <summary>
/// Valvuloplasty.Fhir worklist: the CDS service's rules over a population, from FHIR Bulk Data.
/// <code>
///   scan   --ndjson DIR --out FILE [--format ndjson|csv|fhir] [--partition K/N] [--store CONNECTION] [--run ID] [--as-of DATE] [--quiet]
///   export --server URL [--group ID] --client-id ID --key JWK_FILE --out FILE [scan options]: Bulk Data $export, scanned as it downloads
/// </code>
/// Exit codes: 0 done, 2 usage or configuration error, 3 the server refused or failed, 4 partial (some files failed, or cancelled).
/// A class in the project's namespace rather than top-level statements, so that a project referencing both this program
/// and the web host (whose <c>Program</c> is global) sees one <c>Program</c>.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops the work and lets the command clean up (an export is cancelled on the server);
            // a second one ends the process at once.
            e.Cancel = !cancel.IsCancellationRequested;
            cancel.Cancel();
        };

        return await WorklistCommand.RunAsync(args, Console.Out, Console.Error, cancel.Token);
    }
}
