using Valvuloplasty.Fhir.Data.Terminology;
using Valvuloplasty.Fhir.Rules.Terminology;
using Valvuloplasty.Fhir.UnitTests.Support;

namespace Valvuloplasty.Fhir.UnitTests.Terminology;

public sealed class TerminologyTests
{
    private const string Snomed = "http://snomed.info/sct";

    [Fact]
    public void Loader_LoadsEveryValueSetTheServiceNeeds()
    {
        var index = Profiles.Index;

        Assert.All(TerminologyBindings.Required, id => Assert.True(index.HasValueSet(id), id));
        Assert.True(index.Contains("aortic-stenosis", Snomed, "60573004"));
        Assert.False(index.Contains("mitral-stenosis", Snomed, "60573004"));
    }

    [Theory]
    [InlineData("I48.91", true)]
    [InlineData("i4891", true)]
    [InlineData("I48.92", false)]
    public void Index_IcdCodes_MatchWithOrWithoutTheDot(string code, bool expected)
    {
        Assert.Equal(expected, Profiles.Index.Contains("atrial-fibrillation", ValueSetIndex.Icd10Cm, code));
    }

    [Theory]
    [InlineData("C34.90", "comorbidity-active-cancer")]
    [InlineData("C7A.00", "comorbidity-active-cancer")]
    [InlineData("J44.1", "comorbidity-copd")]
    [InlineData("I50.33", "symptom-heart-failure")]
    [InlineData("R06.02", "symptom-dyspnea")]
    public void Index_IcdIsAFamilies_IncludeEveryDescendant(string code, string valueSet)
    {
        Assert.Contains(valueSet, Profiles.Index.ValueSetsOf(ValueSetIndex.Icd10Cm, code));
    }

    [Theory]
    [InlineData("C44.91", "comorbidity-active-cancer", false)]
    [InlineData("I48.1", "atrial-fibrillation", true)]
    [InlineData("I48.2", "atrial-fibrillation", true)]
    [InlineData("Q23.2", "mitral-stenosis-nonrheumatic", true)]
    public void Index_ReviewedEdgesOfTheCodeLists(string code, string valueSet, bool included)
    {
        Assert.Equal(included, Profiles.Index.Contains(valueSet, ValueSetIndex.Icd10Cm, code));
    }

    [Fact]
    public void Index_AcuteHeartFailureCode_IsInBothItsValueSets()
    {
        var valueSets = Profiles.Index.ValueSetsOf(ValueSetIndex.Icd10Cm, "I50.21");

        Assert.Contains("acute-heart-failure", valueSets);
        Assert.Contains("symptom-heart-failure", valueSets);
    }

    [Fact]
    public void Index_UnknownCodeOrSystem_IsInNoValueSet()
    {
        Assert.Empty(Profiles.Index.ValueSetsOf(Snomed, "0000000"));
        Assert.Empty(Profiles.Index.ValueSetsOf(null, "60573004"));
        Assert.Empty(Profiles.Index.ValueSetsOf("http://other", "60573004"));
    }

    [Fact]
    public void Loader_WholeLocalCodeSystemInclude_IsExpanded()
    {
        var directory = Profiles.Copy();
        File.WriteAllText(Path.Combine(directory, "ValueSet-all-topics.json"), """
            {"resourceType":"ValueSet","id":"all-topics","url":"http://example.org/vs/all-topics","status":"active",
             "compose":{"include":[{"system":"http://example.org/fhir/valvuloplasty-cds/CodeSystem/card-topic"}]}}
            """);

        var index = ProfileTerminologyLoader.Load(directory);

        Assert.Equal(4, index.Codes("all-topics").Count);
    }

    [Fact]
    public void Loader_AddingACodeToAValueSetFile_ChangesWhatIsRecognised_WithoutTouchingCode()
    {
        var directory = Profiles.Copy();
        var file = Path.Combine(directory, "ValueSet-aortic-stenosis.json");
        File.WriteAllText(file, File.ReadAllText(file).Replace("\"code\": \"60573004\"", "\"code\": \"999000111\"", StringComparison.Ordinal));

        var index = ProfileTerminologyLoader.Load(directory, TerminologyBindings.Required);

        Assert.True(index.Contains("aortic-stenosis", Snomed, "999000111"));
        Assert.False(index.Contains("aortic-stenosis", Snomed, "60573004"));
    }

    [Theory]
    [InlineData("ValueSet-aortic-vmax.json", "{ not json", "ValueSet-aortic-vmax.json")]
    [InlineData("ValueSet-aortic-vmax.json", "{\"resourceType\":\"CodeSystem\",\"id\":\"aortic-vmax\",\"status\":\"active\",\"content\":\"complete\"}", "expected a ValueSet")]
    [InlineData("ValueSet-aortic-vmax.json", "{\"resourceType\":\"ValueSet\",\"id\":\"other-id\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"http://loinc.org\",\"concept\":[{\"code\":\"1\"}]}]}}", "does not match the file name")]
    [InlineData("ValueSet-aortic-vmax.json", "{\"resourceType\":\"ValueSet\",\"id\":\"aortic-vmax\",\"status\":\"active\"}", "has no compose.include")]
    [InlineData("ValueSet-x.json", "{\"resourceType\":\"ValueSet\",\"id\":\"x\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"http://snomed.info/sct\",\"filter\":[{\"property\":\"concept\",\"op\":\"is-a\",\"value\":\"1\"}]}]}}", "needs a terminology server")]
    [InlineData("ValueSet-x.json", "{\"resourceType\":\"ValueSet\",\"id\":\"x\",\"status\":\"active\",\"compose\":{\"include\":[{\"system\":\"http://loinc.org\"}]}}", "list the concepts explicitly")]
    public void Loader_BadFile_FailsNamingTheFileAndTheProblem(string file, string content, string expected)
    {
        var directory = Profiles.Copy();
        File.WriteAllText(Path.Combine(directory, file), content);

        var error = Assert.Throws<TerminologyLoadException>(() => ProfileTerminologyLoader.Load(directory, TerminologyBindings.Required));

        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_MissingRequiredValueSet_FailsNamingIt()
    {
        var directory = Profiles.Copy();
        File.Delete(Path.Combine(directory, "ValueSet-noacs.json"));

        var error = Assert.Throws<TerminologyLoadException>(() => ProfileTerminologyLoader.Load(directory, TerminologyBindings.Required));

        Assert.Contains("ValueSet-noacs.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_MissingDirectory_FailsNamingIt()
    {
        var error = Assert.Throws<TerminologyLoadException>(() => ProfileTerminologyLoader.Load("/no/such/profiles"));

        Assert.Contains("/no/such/profiles", error.Message, StringComparison.Ordinal);
    }
}
