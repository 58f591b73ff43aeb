// The patient's FHIR resources turned into chart series: measurements by the ValueSet codes of
// content/app-content.json, converted to the display unit, with the statuses the rules use
// (CLINICAL_RULES §2): final, amended and corrected are charted; preliminary is charted hollow and labelled,
// never joined to the trend; entered-in-error and cancelled are left out and counted.

/** Statuses charted as values. */
const USABLE = new Set(['final', 'amended', 'corrected']);
/** Statuses never charted (counted in the chart's note). */
const EXCLUDED = new Set(['entered-in-error', 'cancelled']);

/** UCUM codes and common unit spellings → [display unit, factor]. A spelling alias is not a conversion. */
const UNITS = {
  'm/s': { 'm/s': 1, 'cm/s': 0.01, 'mm/s': 0.001 },
  mmHg: { 'mm[Hg]': 1, mmHg: 1, 'mm hg': 1, kPa: 7.50062, Pa: 0.00750062 },
  'cm²': { cm2: 1, 'cm^2': 1, 'cm²': 1, 'cm[2]': 1, mm2: 0.01, 'mm^2': 0.01, 'mm²': 0.01 },
};
const ALIASES = { 'm/s': ['m/s'], mmHg: ['mm[Hg]', 'mmHg', 'mm hg'], 'cm²': ['cm2', 'cm^2', 'cm²', 'cm[2]'] };

const key = (system, code) => `${system}|${code}`;

function codings(concept) {
  return (concept?.coding ?? []).filter((c) => c.system && c.code).map((c) => key(c.system, c.code));
}

/** The date a measurement counts at: effectiveDateTime, else the period's end or start, else issued. */
export function effectiveDate(resource) {
  return resource.effectiveDateTime ?? resource.effectivePeriod?.end ?? resource.effectivePeriod?.start ?? resource.issued ?? null;
}

/** An ISO date or date-time as a time value (partial dates at their first instant, for placing on an axis). */
export function timeOf(date) {
  const parsed = Date.parse(/^\d{4}$/.test(date) ? `${date}-01-01` : /^\d{4}-\d{2}$/.test(date) ? `${date}-01` : date);
  return Number.isNaN(parsed) ? null : parsed;
}

/** A quantity in the measure's display unit: { value, converted, original } or { unknownUnit }. */
export function convert(quantity, unit) {
  const table = UNITS[unit];
  const code = quantity.system === 'http://unitsofmeasure.org' && quantity.code ? quantity.code : null;
  const spelled = quantity.unit ?? quantity.code ?? '';
  const factor = code !== null && code in table ? table[code] : table[spelled] ?? table[spelled.trim()];
  if (factor === undefined) {
    return { unknownUnit: spelled || code || '(none)' };
  }
  const from = code ?? spelled;
  const converted = factor !== 1 && !ALIASES[unit].includes(from);
  return { value: quantity.value * factor, converted, original: converted ? `${quantity.value} ${from}` : null };
}

/** Observations and their components, each with the status and date of the resource that holds it. */
function* measurementsOf(observations) {
  for (const observation of observations) {
    const holder = { id: observation.id, status: observation.status, date: effectiveDate(observation) };
    yield { ...holder, code: observation.code, quantity: observation.valueQuantity, absent: observation.dataAbsentReason, reference: `Observation/${observation.id}` };
    for (const [index, component] of (observation.component ?? []).entries()) {
      yield { ...holder, code: component.code, quantity: component.valueQuantity, absent: component.dataAbsentReason, reference: `Observation/${observation.id} component ${index + 1}` };
    }
  }
}

/**
 * The series of one measure: { points, excluded } where points are
 * { date, time, value, status, preliminary, converted, original, reference } sorted by date, and excluded
 * counts the values left out by reason.
 */
export function seriesOf(measure, observations) {
  const wanted = new Set(measure.codes.map((c) => key(c.system, c.code)));
  const points = [];
  const excluded = {};
  const exclude = (reason) => {
    excluded[reason] = (excluded[reason] ?? 0) + 1;
  };
  for (const m of measurementsOf(observations)) {
    if (!codings(m.code).some((c) => wanted.has(c))) {
      continue;
    }
    if (EXCLUDED.has(m.status)) {
      exclude(m.status);
      continue;
    }
    if (!USABLE.has(m.status) && m.status !== 'preliminary') {
      exclude(m.status ?? 'no status');
      continue;
    }
    if (m.absent || typeof m.quantity?.value !== 'number') {
      exclude('no value');
      continue;
    }
    const time = m.date ? timeOf(m.date) : null;
    if (time === null) {
      exclude('no date');
      continue;
    }
    const value = convert(m.quantity, measure.unit);
    if (value.unknownUnit) {
      exclude(`unknown unit ${value.unknownUnit}`);
      continue;
    }
    points.push({
      date: m.date.slice(0, 10),
      time,
      value: Number(value.value.toFixed(measure.decimals)),
      status: m.status,
      preliminary: m.status === 'preliminary',
      converted: value.converted,
      original: value.original,
      reference: m.reference,
    });
  }
  points.sort((a, b) => a.time - b.time || a.reference.localeCompare(b.reference));
  return { points, excluded };
}

/** NYHA class assessments: [{ date, time, nyhaClass }] sorted, from usable observations only. */
export function nyhaOf(nyha, observations) {
  const assessment = new Set(nyha.codes.map((c) => key(c.system, c.code)));
  const classes = new Map(nyha.classes.flatMap((c) => c.codes.map((code) => [key(code.system, code.code), c.class])));
  const result = [];
  for (const observation of observations) {
    if (!USABLE.has(observation.status) || !codings(observation.code).some((c) => assessment.has(c))) {
      continue;
    }
    const nyhaClass = codings(observation.valueCodeableConcept).map((c) => classes.get(c)).find(Boolean);
    const date = effectiveDate(observation);
    const time = date ? timeOf(date) : null;
    if (nyhaClass && time !== null) {
      result.push({ date: date.slice(0, 10), time, nyhaClass });
    }
  }
  return result.sort((a, b) => a.time - b.time);
}

/** Completed procedures of the given kinds: [{ label, date, time, reference }]. */
export function proceduresOf(kinds, procedures) {
  const byCode = new Map(kinds.flatMap((kind) => kind.codes.map((c) => [key(c.system, c.code), kind.label])));
  const result = [];
  for (const procedure of procedures) {
    if (procedure.status !== 'completed') {
      continue;
    }
    const label = codings(procedure.code).map((c) => byCode.get(c)).find(Boolean);
    const date = procedure.performedDateTime ?? procedure.performedPeriod?.start ?? procedure.performedPeriod?.end ?? null;
    const time = date ? timeOf(date) : null;
    if (label && time !== null) {
      result.push({ label, date: date.slice(0, 10), time, reference: `Procedure/${procedure.id}` });
    }
  }
  return result.sort((a, b) => a.time - b.time);
}
