using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Valvuloplasty.Fhir.IntegrationTests.SmartApp;

/// <summary>
/// The SMART app's static files: the generated content matches its sources, every vendored library is loaded with
/// the sha384 of the committed file, and no page needs an inline script or style (the host's CSP allows neither).
/// </summary>
public sealed partial class SmartAppFilesTests
{
    private static string App => SmartAppContent.AppFolder;

    private static IEnumerable<string> Pages => Directory.EnumerateFiles(App, "*.html", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal);

    [Fact]
    public void AppContent_IsWhatTheProfilesRulesAndCardsSay()
    {
        var expected = SmartAppContent.Build();
        if (Environment.GetEnvironmentVariable(SmartAppContent.WriteVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(SmartAppContent.FilePath)!);
            File.WriteAllText(SmartAppContent.FilePath, expected);
        }

        Assert.True(File.Exists(SmartAppContent.FilePath), $"{SmartAppContent.FilePath} is missing: run the tests with {SmartAppContent.WriteVariable}=1");
        var actual = File.ReadAllText(SmartAppContent.FilePath).ReplaceLineEndings("\n");
        Assert.True(expected == actual,
            $"smart-app/content/app-content.json differs from the ValueSets, rule thresholds or card education it is built from: run the tests with {SmartAppContent.WriteVariable}=1 and commit the file.");
    }

    [Fact]
    public void VendoredScripts_AreLoadedWithTheirSha384_AndCrossorigin()
    {
        var vendored = Directory.EnumerateFiles(Path.Combine(App, "vendor"), "*.js", SearchOption.AllDirectories).ToList();
        Assert.NotEmpty(vendored);
        var readme = File.ReadAllText(Path.Combine(App, "vendor", "README.md"));
        var loaded = new HashSet<string>(StringComparer.Ordinal);

        foreach (var page in Pages)
        {
            foreach (Match script in ScriptTag().Matches(File.ReadAllText(page)))
            {
                var src = Attribute(script.Value, "src");
                if (src is null || !src.StartsWith("vendor/", StringComparison.Ordinal))
                {
                    continue;
                }

                var file = Path.GetFullPath(Path.Combine(App, src));
                Assert.True(File.Exists(file), $"{Path.GetFileName(page)} loads {src}, which is not in smart-app/");
                var integrity = $"sha384-{Convert.ToBase64String(SHA384.HashData(File.ReadAllBytes(file)))}";
                Assert.Equal(integrity, Attribute(script.Value, "integrity"));
                Assert.Equal("anonymous", Attribute(script.Value, "crossorigin"));
                loaded.Add(file);
            }
        }

        foreach (var file in vendored)
        {
            Assert.Contains(file, loaded);
            var hash = Convert.ToBase64String(SHA384.HashData(File.ReadAllBytes(file)));
            Assert.True(readme.Contains(hash, StringComparison.Ordinal), $"vendor/README.md does not list the sha384 of {Path.GetRelativePath(App, file)} ({hash})");
            Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(file)!, "LICENSE")), $"{Path.GetRelativePath(App, file)} has no LICENSE beside it");
        }
    }

    [Fact]
    public void Pages_NeedNoInlineScriptStyleOrHandler()
    {
        Assert.Equal(["handout.html", "index.html", "launch.html", "standalone.html"], Pages.Select(Path.GetFileName));
        foreach (var page in Pages)
        {
            var html = File.ReadAllText(page);
            var name = Path.GetFileName(page);
            foreach (Match script in ScriptTag().Matches(html))
            {
                Assert.True(Attribute(script.Value, "src") is not null, $"{name}: inline script {script.Value}");
            }

            Assert.DoesNotMatch(InlineStyle(), html);
            Assert.DoesNotMatch(Handler(), html);
            Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        }

        foreach (var script in Directory.EnumerateFiles(App, "*.js", SearchOption.TopDirectoryOnly))
        {
            var js = File.ReadAllText(script);
            Assert.DoesNotMatch(Eval(), js);
            Assert.DoesNotContain("innerHTML", js, StringComparison.Ordinal);
            Assert.DoesNotContain("setAttribute('style'", js, StringComparison.Ordinal);
        }
    }

    private static string? Attribute(string tag, string name)
    {
        var match = Regex.Match(tag, $"""\s{name}(?:="([^"]*)")?(?=[\s>])""", RegexOptions.IgnoreCase);
        return match.Success ? match.Groups[1].Success ? match.Groups[1].Value : "" : null;
    }

    [GeneratedRegex("<script\\b[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex("<style\\b|\\sstyle\\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();

    [GeneratedRegex("\\son[a-z]+\\s*=", RegexOptions.IgnoreCase)]
    private static partial Regex Handler();

    [GeneratedRegex("\\beval\\s*\\(|new\\s+Function\\s*\\(|set(?:Timeout|Interval)\\s*\\(\\s*['\"`]")]
    private static partial Regex Eval();
}
