namespace Valvuloplasty.Fhir.Data.Terminology;

/// <summary>The terminology in profiles/ could not be loaded; the message names the file and the problem.</summary>
public sealed class TerminologyLoadException : Exception
{
    public TerminologyLoadException(string message) : base(message)
    {
    }

    public TerminologyLoadException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public TerminologyLoadException()
    {
    }
}
