// The worklist page's table: sort by a column header, filter by text and by valve/decision. Inlined by
// WorklistPage.cs (allowed by its CSP hash). Reads only the table the server rendered; fetches nothing and writes no
// markup (only the count text, via textContent).
(() => {
  'use strict';

  const table = document.getElementById('worklist-table');
  if (!table) {
    return;
  }

  const body = table.tBodies[0];
  const rows = Array.from(body.rows);
  const filter = document.getElementById('worklist-filter');
  const group = document.getElementById('worklist-group');
  const shown = document.getElementById('worklist-shown');
  const none = document.getElementById('worklist-none');
  const headers = Array.from(table.tHead.rows[0].cells);
  const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

  /** A cell's sort key: its data-sort (e.g. the decision's rank) or its text. */
  const key = (row, column) => {
    const cell = row.cells[column];
    return cell.dataset.sort ?? cell.textContent.trim();
  };

  function sortBy(column) {
    const header = headers[column];
    const direction = header.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    for (const other of headers) {
      other.removeAttribute('aria-sort');
    }
    header.setAttribute('aria-sort', direction);
    const sign = direction === 'ascending' ? 1 : -1;
    // Array.prototype.sort is stable: equal keys keep the server's order (patient, then valve).
    const sorted = rows.slice().sort((a, b) => sign * collator.compare(key(a, column), key(b, column)));
    body.append(...sorted);
  }

  function applyFilter() {
    const text = filter.value.trim().toLowerCase();
    // The option carries its valve and decision (a valve alone for "all" of that valve) as data attributes.
    const { valve, decision } = group.selectedOptions[0]?.dataset ?? {};
    let count = 0;
    for (const row of rows) {
      const matches = (!text || row.textContent.toLowerCase().includes(text))
        && (!valve || row.dataset.valve === valve)
        && (!decision || row.dataset.decision === decision);
      row.hidden = !matches;
      count += matches ? 1 : 0;
    }
    shown.textContent = `${count} of ${rows.length} ${rows.length === 1 ? 'line' : 'lines'} shown`;
    none.hidden = count > 0;
  }

  headers.forEach((header, column) => {
    header.querySelector('button')?.addEventListener('click', () => sortBy(column));
  });
  filter.addEventListener('input', applyFilter);
  group.addEventListener('change', applyFilter);
  applyFilter();
  document.body.dataset.ready = 'true';
})();
