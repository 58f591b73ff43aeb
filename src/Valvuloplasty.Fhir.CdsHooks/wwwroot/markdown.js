// A small, safe Markdown renderer for CDS Hooks card detail (the GitHub-flavoured subset the service writes).
//
// Safety first: the text is HTML-escaped before any Markdown is interpreted, so the only tags in the output
// are the fixed ones this file writes (p, strong, em, code, ul, ol, li, table, thead, tbody, tr, th, td, h3-h6,
// br). No attribute ever carries input text, and links are not rendered (card links have their own list).
// The entities &lt; &gt; &amp; (and &quot; &apos; &nbsp; and numeric ones) are kept as entities, so a detail
// the service already escaped displays its characters, once.
//
// Supported: paragraphs (blank-line separated), **bold** / __bold__, *italic* / _italic_, `code`, bullet
// lists (-, *, +), ordered lists (1.), pipe tables with a |---| separator row, # headings, backslash escapes,
// hard line breaks (two trailing spaces).

const ENTITY = /^&(?:lt|gt|amp|quot|apos|nbsp|#\d{1,7}|#x[0-9a-f]{1,6});/i;

// Private-use characters mark escaped characters and code spans while the Markdown is interpreted.
const OPEN = '\uE000';
const CLOSE = '\uE001';
const PRIVATE_USE = /[\uE000\uE001]/g;

// ASCII punctuation can be backslash-escaped (CommonMark).
const BACKSLASH_ESCAPE = /\\([!-/:-@[-`{-~])/g;

/** Escapes text for an HTML text node or a quoted attribute, keeping existing entities as they are. */
export function escapeHtml(text) {
  const value = String(text ?? '');
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    switch (ch) {
      case '&': {
        const entity = ENTITY.exec(value.slice(i, i + 12));
        out += entity ? entity[0] : '&amp;';
        if (entity) {
          i += entity[0].length - 1;
        }
        break;
      }
      case '<': out += '&lt;'; break;
      case '>': out += '&gt;'; break;
      case '"': out += '&quot;'; break;
      case "'": out += '&#39;'; break;
      default: out += ch;
    }
  }
  return out;
}

/** Renders Markdown to an HTML string that is safe to assign to innerHTML. */
export function renderMarkdown(markdown) {
  const tokens = [];
  const keep = (html) => `${OPEN}${tokens.push(html) - 1}${CLOSE}`;

  // 1. Input may not forge our markers; then backslash escapes become inert tokens (before anything else,
  //    so an escaped '|' or '*' can never start a table cell or emphasis).
  let text = String(markdown ?? '').replace(PRIVATE_USE, '').replace(/\r\n?/g, '\n');
  text = text.replace(BACKSLASH_ESCAPE, (_, ch) => keep(escapeHtml(ch)));

  // 2. Escape all HTML.
  text = escapeHtml(text);

  // 3. Blocks, then inline formatting inside each block.
  const inline = (value) => renderInline(value, keep);
  const html = renderBlocks(text.split('\n'), inline);

  // 4. Put the escaped characters and code spans back.
  return html.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'), (_, index) => tokens[Number(index)] ?? '');
}

/**
 * Renders Markdown into a DocumentFragment (through a template element, whose content is inert: nothing in it
 * runs or loads).
 */
export function markdownFragment(markdown, doc = document) {
  const template = doc.createElement('template');
  template.innerHTML = renderMarkdown(markdown); // escaped above: only this file's tags reach the parser
  return template.content;
}

const BULLET = /^\s{0,3}[-*+]\s+(.*)$/;
const ORDERED = /^\s{0,3}\d{1,9}[.)]\s+(.*)$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/;
const CONTINUATION = /^\s{2,}\S/;

function renderBlocks(lines, inline) {
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      continue;
    }

    const heading = HEADING.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length + 2, 6);
      out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
      i++;
      continue;
    }

    if (isTableStart(lines, i)) {
      i = renderTable(lines, i, inline, out);
      continue;
    }

    if (BULLET.test(line) || ORDERED.test(line)) {
      i = renderList(lines, i, inline, out);
      continue;
    }

    // A paragraph runs until a blank line or the start of another block.
    const paragraph = [];
    while (i < lines.length && lines[i].trim() !== '' && (paragraph.length === 0 || !startsBlock(lines, i))) {
      paragraph.push(lines[i]);
      i++;
    }
    out.push(`<p>${joinLines(paragraph, inline)}</p>`);
  }
  return out.join('\n');
}

function startsBlock(lines, i) {
  return HEADING.test(lines[i]) || BULLET.test(lines[i]) || ORDERED.test(lines[i]) || isTableStart(lines, i);
}

function joinLines(lines, inline) {
  return lines
    .map((line, index) => {
      const last = index === lines.length - 1;
      const hardBreak = !last && / {2,}$/.test(line);
      return inline(line.trim()) + (last ? '' : hardBreak ? '<br>' : ' ');
    })
    .join('');
}

function renderList(lines, start, inline, out) {
  const ordered = !BULLET.test(lines[start]);
  const pattern = ordered ? ORDERED : BULLET;
  const items = [];
  let i = start;
  while (i < lines.length) {
    const match = pattern.exec(lines[i]);
    if (match) {
      items.push([match[1]]);
      i++;
    } else if (items.length > 0 && CONTINUATION.test(lines[i]) && !BULLET.test(lines[i]) && !ORDERED.test(lines[i])) {
      items[items.length - 1].push(lines[i]);
      i++;
    } else {
      break;
    }
  }
  const tag = ordered ? 'ol' : 'ul';
  out.push(`<${tag}>${items.map((item) => `<li>${joinLines(item, inline)}</li>`).join('')}</${tag}>`);
  return i;
}

function isTableStart(lines, i) {
  return i + 1 < lines.length && lines[i].includes('|') && TABLE_SEPARATOR.test(lines[i + 1]) && lines[i + 1].includes('-');
}

function splitRow(line) {
  let row = line.trim();
  if (row.startsWith('|')) {
    row = row.slice(1);
  }
  if (row.endsWith('|')) {
    row = row.slice(0, -1);
  }
  return row.split('|').map((cell) => cell.trim());
}

function renderTable(lines, start, inline, out) {
  const header = splitRow(lines[start]);
  const align = splitRow(lines[start + 1]).map((cell) =>
    cell.startsWith(':') && cell.endsWith(':') ? 'center' : cell.endsWith(':') ? 'right' : cell.startsWith(':') ? 'left' : '');
  const cell = (tag, value, column) => {
    const cls = align[column] ? ` class="align-${align[column]}"` : '';
    return `<${tag}${cls}>${inline(value)}</${tag}>`;
  };

  let i = start + 2;
  const rows = [];
  while (i < lines.length && lines[i].trim() !== '' && lines[i].includes('|')) {
    const cells = splitRow(lines[i]);
    rows.push(`<tr>${header.map((_, column) => cell('td', cells[column] ?? '', column)).join('')}</tr>`);
    i++;
  }

  out.push(
    '<table>' +
      `<thead><tr>${header.map((value, column) => cell('th', value, column)).join('')}</tr></thead>` +
      `<tbody>${rows.join('')}</tbody>` +
      '</table>');
  return i;
}

function renderInline(text, keep) {
  return text
    // Code spans first: their content is literal.
    .replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (_, __, code) => keep(`<code>${code.trim()}</code>`))
    // Strong, then emphasis; never across a tag this renderer wrote.
    .replace(/\*\*(?=\S)([^<]*?\S)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w])__(?=\S)([^<]*?\S)__(?!\w)/g, '$1<strong>$2</strong>')
    .replace(/(^|[^*\w])\*(?=[^\s*])([^*<]*?[^\s*])\*(?![*\w])/g, '$1<em>$2</em>')
    .replace(/(^|[^\w])_(?=[^\s_])([^_<]*?[^\s_])_(?!\w)/g, '$1<em>$2</em>');
}
