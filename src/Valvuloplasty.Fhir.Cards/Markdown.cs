using System.Text;

namespace Valvuloplasty.Fhir.Cards;

/// <summary>Builds card detail markdown; every piece of text that did not come from this code is escaped.</summary>
internal sealed class Markdown
{
    private readonly StringBuilder _text = new();

    /// <summary>
    /// Escapes record text (a condition's name, a unit) so it renders as text: markdown and HTML punctuation gets a
    /// CommonMark backslash escape (<c>\&lt;</c> renders as a literal &lt;, never as a tag), so the markdown carries
    /// plain characters and no HTML entities.
    /// </summary>
    public static string Escape(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(value.Length + 8);
        foreach (var ch in value)
        {
            switch (ch)
            {
                case '\\' or '`' or '*' or '_' or '[' or ']' or '|' or '#' or '!' or '<' or '>' or '&':
                    builder.Append('\\').Append(ch);
                    break;
                case '\r' or '\n':
                    builder.Append(' ');
                    break;
                default:
                    builder.Append(ch);
                    break;
            }
        }

        return builder.ToString();
    }

    public Markdown Paragraph(string trustedMarkdown)
    {
        Separate();
        _text.Append(trustedMarkdown).Append('\n');
        return this;
    }

    public Markdown Heading(string title)
    {
        Separate();
        _text.Append("**").Append(title).Append("**\n");
        return this;
    }

    public Markdown Bullets(IEnumerable<string> plainItems)
    {
        var any = false;
        foreach (var item in plainItems)
        {
            if (!any)
            {
                _text.Append('\n');
                any = true;
            }

            _text.Append("- ").Append(Escape(item)).Append('\n');
        }

        return this;
    }

    public Markdown Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        Separate();
        _text.Append("| ").AppendJoin(" | ", headers).Append(" |\n");
        _text.Append('|').Append(string.Concat(Enumerable.Repeat("---|", headers.Count))).Append('\n');
        foreach (var row in rows)
        {
            _text.Append("| ").AppendJoin(" | ", row.Select(Escape)).Append(" |\n");
        }

        return this;
    }

    public override string ToString() => _text.ToString().TrimEnd('\n');

    private void Separate()
    {
        if (_text.Length > 0)
        {
            _text.Append('\n');
        }
    }
}
