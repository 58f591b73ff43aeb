// One trend chart per measure, drawn as SVG (no charting library: the few shapes needed, every one of them a DOM
// element a test or a screen reader can find), with a table of the same numbers behind a toggle button.
// Severity thresholds are labelled lines, procedures are marked on the time axis, NYHA class is a band below.

import { el, svg } from './dom.js';

const WIDTH = 800;
const HEIGHT = 300;
const MARGIN = { top: 16, right: 270, bottom: 62, left: 56 };
const BAND = 18; // NYHA band height, under the plot
const DAY = 86_400_000;

const format = (value, decimals) => value.toFixed(decimals);

function statusText(point) {
  return point.preliminary ? 'preliminary (not used for decisions)' : point.status;
}

function describe(measure, series, procedures) {
  const { points } = series;
  if (!points.length) {
    return `${measure.label}: no values on record.`;
  }
  const latest = points.at(-1);
  const lines = measure.thresholds.map((t) => t.label).join('; ');
  return `${measure.label}: ${points.length} value${points.length === 1 ? '' : 's'} from ${points[0].date} to ${latest.date}; `
    + `latest ${format(latest.value, measure.decimals)} ${measure.unit} on ${latest.date}`
    + `${latest.preliminary ? ' (preliminary)' : ''}.`
    + (lines ? ` Threshold lines: ${lines}.` : '')
    + (procedures.length ? ` Procedures: ${procedures.map((p) => `${p.label} on ${p.date}`).join(', ')}.` : '');
}

function excludedText(excluded) {
  const parts = Object.entries(excluded).map(([reason, count]) => `${count} ${reason.replaceAll('-', ' ')}`);
  return parts.length ? `Not charted: ${parts.join(', ')}.` : '';
}

function scales(measure, series, procedures, nyha) {
  const times = [...series.points.map((p) => p.time), ...procedures.map((p) => p.time), ...nyha.map((n) => n.time)];
  let start = Math.min(...times);
  let end = Math.max(...times);
  const pad = Math.max((end - start) * 0.08, 30 * DAY);
  start -= pad;
  end += pad;
  const values = [...series.points.map((p) => p.value), ...measure.thresholds.map((t) => t.value)];
  const top = Math.max(...values) * 1.2 || 1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom - BAND;
  return {
    start, end, top, plotWidth, plotHeight,
    x: (time) => MARGIN.left + ((time - start) / (end - start)) * plotWidth,
    y: (value) => MARGIN.top + plotHeight - (value / top) * plotHeight,
  };
}

function ticks(top) {
  const rough = top / 5;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough);
  const result = [];
  for (let value = 0; value <= top + 1e-9; value += step) {
    result.push(Number(value.toFixed(6)));
  }
  return result;
}

function drawChart(measure, series, procedures, nyha, titleId, descId) {
  const s = scales(measure, series, procedures, nyha);
  const plotBottom = MARGIN.top + s.plotHeight;
  const root = svg('svg', {
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`,
    className: 'chart', 'data-testid': 'chart-svg',
  },
  svg('title', { id: titleId }, `${measure.label} (${measure.unit})`),
  svg('desc', { id: descId }, describe(measure, series, procedures)));

  // Axes and grid.
  for (const value of ticks(s.top)) {
    root.append(
      svg('line', { x1: MARGIN.left, x2: MARGIN.left + s.plotWidth, y1: s.y(value), y2: s.y(value), className: 'grid' }),
      svg('text', { x: MARGIN.left - 6, y: s.y(value) + 4, className: 'axis-label', 'text-anchor': 'end' }, String(Number(value.toFixed(2)))));
  }
  root.append(
    svg('line', { x1: MARGIN.left, x2: MARGIN.left, y1: MARGIN.top, y2: plotBottom, className: 'axis' }),
    svg('line', { x1: MARGIN.left, x2: MARGIN.left + s.plotWidth, y1: plotBottom, y2: plotBottom, className: 'axis' }),
    svg('text', { x: 12, y: MARGIN.top + s.plotHeight / 2, className: 'axis-title', transform: `rotate(-90 12 ${MARGIN.top + s.plotHeight / 2})`, 'text-anchor': 'middle' }, measure.unit));
  const dates = [...new Set(series.points.map((p) => p.date))];
  const shown = dates.length > 6 ? dates.filter((_, i) => i % Math.ceil(dates.length / 6) === 0) : dates;
  let lastX = -Infinity;
  for (const date of shown) {
    const x = s.x(series.points.find((p) => p.date === date).time);
    if (x - lastX < 72) {
      continue; // too close to the previous date to read; the table lists every date
    }
    lastX = x;
    root.append(svg('text', { x, y: plotBottom + BAND + 16, className: 'axis-label', 'text-anchor': 'middle' }, date));
  }

  // Threshold lines, labelled at the right.
  for (const threshold of measure.thresholds) {
    const y = s.y(threshold.value);
    root.append(svg('g', { className: 'threshold', 'data-testid': 'threshold', 'data-value': threshold.value },
      svg('line', { x1: MARGIN.left, x2: MARGIN.left + s.plotWidth, y1: y, y2: y }),
      svg('text', { x: MARGIN.left + s.plotWidth + 6, y: y + 4, className: 'threshold-label' }, threshold.label)));
  }

  // NYHA band: each assessment holds until the next.
  nyha.forEach((n, i) => {
    const x1 = Math.max(s.x(n.time), MARGIN.left);
    const x2 = i + 1 < nyha.length ? s.x(nyha[i + 1].time) : MARGIN.left + s.plotWidth;
    root.append(svg('g', { className: `nyha nyha--${n.nyhaClass.toLowerCase()}`, 'data-testid': 'nyha-band', 'data-class': n.nyhaClass, 'data-date': n.date },
      svg('rect', { x: x1, y: plotBottom + 2, width: Math.max(x2 - x1, 2), height: BAND - 4 },
        svg('title', {}, `NYHA class ${n.nyhaClass} from ${n.date}`)),
      svg('text', { x: x1 + 4, y: plotBottom + BAND - 5, className: 'nyha-label' }, `NYHA ${n.nyhaClass}`)));
  });

  // Procedures on the time axis.
  for (const procedure of procedures) {
    const x = s.x(procedure.time);
    root.append(svg('g', { className: 'procedure', 'data-testid': 'procedure-marker', 'data-label': procedure.label, 'data-date': procedure.date },
      svg('line', { x1: x, x2: x, y1: MARGIN.top, y2: plotBottom }),
      svg('text', { x: x + 3, y: MARGIN.top + 10, className: 'procedure-label' }, `${procedure.label} ${procedure.date}`)));
  }

  // The trend joins usable values only; preliminary values stand apart, hollow.
  const usable = series.points.filter((p) => !p.preliminary);
  if (usable.length > 1) {
    root.append(svg('polyline', { className: 'trend', points: usable.map((p) => `${s.x(p.time)},${s.y(p.value)}`).join(' ') }));
  }
  for (const point of series.points) {
    const text = `${point.date}: ${format(point.value, measure.decimals)} ${measure.unit}`
      + `${point.converted ? ` (converted from ${point.original})` : ''}${point.preliminary ? ' (preliminary)' : ''}`;
    root.append(svg('circle', {
      cx: s.x(point.time), cy: s.y(point.value), r: 5,
      className: point.preliminary ? 'point point--preliminary' : 'point',
      'data-testid': 'chart-point', 'data-date': point.date, 'data-value': format(point.value, measure.decimals), 'data-status': point.status,
    }, svg('title', {}, text)));
    if (point.preliminary) {
      root.append(svg('text', { x: s.x(point.time) + 8, y: s.y(point.value) - 8, className: 'preliminary-label' }, 'preliminary'));
    }
  }
  return root;
}

function drawTable(measure, series, tableId) {
  return el('table', { id: tableId, className: 'chart-table', 'data-testid': 'chart-table', hidden: true },
    el('caption', {}, `${measure.label}: the charted values`),
    el('thead', {}, el('tr', {},
      ['Date', `Value (${measure.unit})`, 'Status', 'Unit conversion', 'Source'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, series.points.map((p) => el('tr', { 'data-testid': 'chart-row' },
      el('td', { 'data-field': 'date' }, p.date),
      el('td', { 'data-field': 'value' }, format(p.value, measure.decimals)),
      el('td', { 'data-field': 'status' }, statusText(p)),
      el('td', { 'data-field': 'conversion' }, p.converted ? `converted from ${p.original}` : ''),
      el('td', { 'data-field': 'reference' }, p.reference)))));
}

/** A figure for one measure: heading, summary, SVG, table toggle and table. */
export function trendFigure(measure, series, procedures, nyha) {
  const base = `chart-${measure.id}`;
  const figure = el('figure', { className: 'trend-figure', 'data-testid': 'chart', 'data-measure': measure.id, 'aria-labelledby': `${base}-caption` },
    el('figcaption', { id: `${base}-caption` }, el('h3', {}, `${measure.label} (${measure.unit})`)));
  const summary = el('p', { className: 'chart-summary', 'data-testid': 'chart-summary' }, describe(measure, series, procedures));
  figure.append(summary);
  if (series.points.some((p) => p.converted)) {
    figure.append(el('p', { className: 'chart-note', 'data-testid': 'chart-converted' },
      `Some values were converted to ${measure.unit}; the table shows the value as recorded.`));
  }
  const excluded = excludedText(series.excluded);
  if (excluded) {
    figure.append(el('p', { className: 'chart-note', 'data-testid': 'chart-excluded' }, excluded));
  }
  if (!series.points.length) {
    return figure;
  }
  figure.append(drawChart(measure, series, procedures, nyha, `${base}-title`, `${base}-desc`));
  const table = drawTable(measure, series, `${base}-table`);
  const toggle = el('button', {
    type: 'button', className: 'table-toggle', 'aria-expanded': 'false', 'aria-controls': `${base}-table`, 'data-testid': 'table-toggle',
    onclick: () => {
      table.hidden = !table.hidden;
      toggle.setAttribute('aria-expanded', String(!table.hidden));
      toggle.textContent = table.hidden ? 'Show as a table' : 'Hide the table';
    },
  }, 'Show as a table');
  figure.append(toggle, table);
  return figure;
}
