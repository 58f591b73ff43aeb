using Valvuloplasty.Fhir.Worklist;

// Valvuloplasty.Fhir worklist: the CDS service's rules over a population, from FHIR Bulk Data.
//   scan   --ndjson DIR --out FILE [--format ndjson|csv|fhir] [--partition K/N] [--store CONNECTION] [--run ID] [--as-of DATE] [--quiet]
// Exit codes: 0 done, 2 usage or configuration error, 3 the server refused or failed, 4 partial (some files failed).
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await WorklistCommand.RunAsync(args, Console.Out, Console.Error, cancel.Token);
