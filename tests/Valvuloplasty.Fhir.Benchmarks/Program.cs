using System.Globalization;
using BenchmarkDotNet.Running;
using Valvuloplasty.Fhir.Benchmarks;

// Valvuloplasty.Fhir benchmarks.
//   dotnet run -c Release --project tests/Valvuloplasty.Fhir.Benchmarks -- bench [BenchmarkDotNet options, e.g. --job short --filter *]
//   dotnet run -c Release --project tests/Valvuloplasty.Fhir.Benchmarks -- load [--duration 30] [--concurrency 1,16,64] [--size typical|large] [--hook patient-view|order-sign] [--fallback] [--latency 50]
//   dotnet run -c Release --project tests/Valvuloplasty.Fhir.Benchmarks -- cluster [--url http://127.0.0.1:8080] [--key /tmp/valvuloplasty-cluster/issuer-key.pem] [--issuer http://ehr.local-cluster.test] [--duration 20] [--concurrency 16] [--runs 3]
//   dotnet run -c Release --project tests/Valvuloplasty.Fhir.Benchmarks -- sizes
//   dotnet run -c Release --project tests/Valvuloplasty.Fhir.Benchmarks -- soak [--rounds 5] [--concurrency 16] [--idle 5]
//   dotnet run -c Release --project tests/Valvuloplasty.Fhir.Benchmarks -- generate --patients N --out DIR [--per-patient 100] [--gzip]
//   dotnet run -c Release --project tests/Valvuloplasty.Fhir.Benchmarks -- worklist [--patients 100000] [--per-patient 100] [--partitions 4] [--gzip]
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine("usage: bench [BenchmarkDotNet options] | load [--duration s] [--concurrency 1,16,64] [--size typical|large] [--hook patient-view|order-sign] [--fallback] [--latency ms] | sizes | soak [--rounds 5] [--concurrency 16] [--idle 5]");
    return 0;
}

switch (args[0])
{
    case "bench":
        BenchmarkSwitcher.FromAssembly(typeof(PipelineBenchmarks).Assembly).Run(args[1..]);
        return 0;
    case "sizes":
        foreach (var size in RequestFixtures.Sizes)
        {
            var request = RequestFixtures.Create(size, "patient-view");
            Console.WriteLine($"{size}: {request.Length} bytes, {RequestFixtures.ResourceCount(request)} resources");
        }

        return 0;
    case "load":
        string Option(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        var settings = new LoadRunner.Settings(
            TimeSpan.FromSeconds(double.Parse(Option("--duration", "30"), CultureInfo.InvariantCulture)),
            [.. Option("--concurrency", "1,16,64").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))],
            Option("--size", "typical"),
            Option("--hook", "patient-view"),
            args.Contains("--fallback"),
            int.Parse(Option("--latency", "50"), CultureInfo.InvariantCulture));
        return await LoadRunner.RunAsync(settings);
    case "cluster":
        string ClusterOption(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        return await ClusterLoad.RunAsync(new ClusterLoad.Settings(
            new Uri(ClusterOption("--url", "http://127.0.0.1:8080")),
            ClusterOption("--key", "/tmp/valvuloplasty-cluster/issuer-key.pem"),
            ClusterOption("--issuer", "http://ehr.local-cluster.test"),
            ClusterOption("--kid", "local-cluster"),
            TimeSpan.FromSeconds(double.Parse(ClusterOption("--duration", "20"), CultureInfo.InvariantCulture)),
            int.Parse(ClusterOption("--concurrency", "16"), CultureInfo.InvariantCulture),
            int.Parse(ClusterOption("--runs", "3"), CultureInfo.InvariantCulture),
            ClusterOption("--size", "typical"),
            ClusterOption("--hook", "patient-view")));
    case "generate":
        string GenerateOption(string name, string? fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback ?? throw new ArgumentException($"{name} is required");
        }

        var generated = PopulationGenerator.Write(
            new PopulationGenerator.Settings(int.Parse(GenerateOption("--patients", null), CultureInfo.InvariantCulture), GenerateOption("--out", null),
                int.Parse(GenerateOption("--per-patient", "100"), CultureInfo.InvariantCulture), args.Contains("--gzip")),
            RequestFixtures.RepoRoot);
        Console.WriteLine($"{generated:N0} resources written");
        return 0;
    case "worklist":
        string WorklistOption(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        return WorklistBenchmark.Run(
            int.Parse(WorklistOption("--patients", "100000"), CultureInfo.InvariantCulture),
            int.Parse(WorklistOption("--per-patient", "100"), CultureInfo.InvariantCulture),
            int.Parse(WorklistOption("--partitions", "4"), CultureInfo.InvariantCulture),
            args.Contains("--gzip"));
    case "soak":
        string SoakOption(string name, string fallback)
        {
            var index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        return await HostileSoak.RunAsync(new HostileSoak.Settings(
            int.Parse(SoakOption("--rounds", "5"), CultureInfo.InvariantCulture),
            int.Parse(SoakOption("--concurrency", "16"), CultureInfo.InvariantCulture),
            int.Parse(SoakOption("--idle", "5"), CultureInfo.InvariantCulture)));
    default:
        Console.Error.WriteLine($"unknown command '{args[0]}'");
        return 2;
}
