using System.ComponentModel.DataAnnotations;

namespace Valvuloplasty.Fhir.CdsHooks.Smart;

/// <summary>Configuration section <c>Smart</c>: the SMART app the cards link to, and its assessment endpoint.</summary>
public sealed class SmartOptions
{
    public const string SectionName = "Smart";

    /// <summary>
    /// The app's launch URL, put in every assessment card's <c>smart</c> link (absolute http(s); https outside
    /// Development). Unset: no smart link, except in Development where it is this host's <c>/smart/launch.html</c>.
    /// </summary>
    public string? LaunchUrl { get; set; }

    /// <summary>Folder of the app's static files, relative to the content root (else to the application folder).</summary>
    public string AppPath { get; set; } = "smart-app";

    /// <summary>Assessment requests per client IP address and minute (429 above); 0 turns the limit off.</summary>
    [Range(0, 1_000_000)]
    public int AssessmentRateLimitPerMinute { get; set; } = 60;
}
