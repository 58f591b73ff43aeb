using Valvuloplasty.Fhir.Data.Mapping;
using Valvuloplasty.Fhir.Data.Prefetch;
using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Terminology;

namespace Valvuloplasty.Fhir.UnitTests.Support;

/// <summary>The real profiles/ of the repository, loaded once, and the fixture files of this project.</summary>
public static class Profiles
{
    private static readonly Lazy<ValueSetIndex> LazyIndex = new(() => ProfileTerminologyLoader.Load(Directory, TerminologyBindings.Required));

    public static string RepoRoot { get; } = FindRoot();

    public static string Directory => Path.Combine(RepoRoot, "profiles");

    public static ValueSetIndex Index => LazyIndex.Value;

    public static PatientFactsMapper Mapper { get; } = new(Index);

    /// <summary>The citation and link tables of profiles/content/.</summary>
    public static Valvuloplasty.Fhir.Cards.ContentTables Content { get; } = Valvuloplasty.Fhir.Cards.ContentTables.Load(Path.Combine(Directory, "content"));

    /// <summary>The card renderer with the real terminology and tables.</summary>
    public static Valvuloplasty.Fhir.Cards.CardRenderer Renderer { get; } = new(Index, Content);

    /// <summary>A fresh copy of profiles/ (top level) in a temporary folder, for tests that edit or break files.</summary>
    public static string Copy()
    {
        var target = Path.Combine(Path.GetTempPath(), "valvuloplasty-unit", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(target);
        foreach (var file in System.IO.Directory.GetFiles(Directory, "*.json"))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }

        return target;
    }

    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    /// <summary>Reads a fixture (a resource or a Bundle) into resources, as the prefetch reader would.</summary>
    public static FhirPayload ReadFixture(string name) => FhirJsonReader.Shared.Read(System.Text.Encoding.UTF8.GetBytes(Fixture(name)));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Valvuloplasty.Fhir.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Valvuloplasty.Fhir.sln not found above the test folder.");
    }
}
