// The SMART app: completes the launch (fhirclient checks the state and exchanges the code with its PKCE
// verifier), shows the patient banner, asks the service for the same assessment the card shows, and charts the
// echo measurements per valve. It never re-implements a rule: the decision is the service's.

import { $, el, safeUrl } from './dom.js';
import { nyhaOf, proceduresOf, seriesOf } from './fhir-data.js';
import { trendFigure } from './chart.js';

const VALVES = ['aortic', 'mitral', 'pulmonary'];
const VALVE_PROCEDURES = { aortic: ['bav', 'tavr', 'savr'], mitral: ['pmbc'], pulmonary: ['bpv'] };
const DECISION_LABEL = {
  candidate: 'Candidate',
  'candidate-with-caution': 'Candidate, with caution',
  'not-candidate': 'Not a candidate',
  'insufficient-data': 'Insufficient data',
  'post-procedure': 'After the procedure',
};

function fail(text) {
  const error = $('app-error');
  error.textContent = text;
  error.hidden = false;
  document.body.dataset.state = 'error';
}

function age(birthDate) {
  if (!birthDate || !/^\d{4}-\d{2}-\d{2}/.test(birthDate)) {
    return null;
  }
  const born = new Date(birthDate);
  const now = new Date();
  let years = now.getUTCFullYear() - born.getUTCFullYear();
  if (now.getUTCMonth() < born.getUTCMonth() || (now.getUTCMonth() === born.getUTCMonth() && now.getUTCDate() < born.getUTCDate())) {
    years -= 1;
  }
  return years;
}

function renderBanner(patient) {
  const name = patient.name?.[0];
  const display = name?.text ?? [...(name?.given ?? []), name?.family].filter(Boolean).join(' ') ?? patient.id;
  const years = age(patient.birthDate);
  $('patient-banner').replaceChildren(
    el('h1', { 'data-testid': 'patient-name' }, display || patient.id),
    el('p', { 'data-testid': 'patient-facts' },
      [patient.gender, patient.birthDate ? `born ${patient.birthDate}${years === null ? '' : ` (${years} y)`}` : 'birth date not recorded', `id ${patient.id}`]
        .filter(Boolean).join(' · ')));
}

async function assessment(client) {
  const response = await fetch(new URL('../smart-api/assessment', location.href), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', Authorization: `Bearer ${client.state.tokenResponse.access_token}` },
    body: JSON.stringify({ iss: client.state.serverUrl, patient: client.patient.id }),
  });
  if (!response.ok) {
    throw new Error(`the service answered HTTP ${response.status}`);
  }
  return response.json();
}

function requestedValve(client) {
  const raw = client.state.tokenResponse?.appContext;
  if (!raw) {
    return null;
  }
  try {
    const context = typeof raw === 'string' ? JSON.parse(raw) : raw;
    return VALVES.includes(context?.valve) ? context.valve : null;
  } catch {
    return null;
  }
}

function renderAssessment(item, asOf) {
  if (!item) {
    return el('p', { className: 'muted', 'data-testid': 'assessment-none' }, 'The service made no assessment of this valve (no qualifying stenosis diagnosis).');
  }
  const steps = Array.isArray(item.nextSteps) ? item.nextSteps : [item.nextSteps].filter(Boolean);
  return el('section', { className: `assessment assessment--${item.decision}`, 'data-testid': 'assessment', 'data-valve': item.valve, 'data-decision': item.decision },
    el('h2', {}, 'The service\'s assessment'),
    el('p', { className: 'decision' }, el('span', { className: 'chip', 'data-testid': 'assessment-decision' }, DECISION_LABEL[item.decision] ?? item.decision),
      item.bridgeToTavr ? el('span', { className: 'chip chip--muted', 'data-testid': 'assessment-bridge' }, `bridge to TAVR: ${item.bridgeToTavr}`) : null),
    el('p', { className: 'summary', 'data-testid': 'assessment-summary' }, item.summary),
    item.evidence?.length
      ? el('table', { className: 'evidence', 'data-testid': 'assessment-evidence' },
        el('caption', {}, `Evidence used (as of ${String(asOf ?? '').slice(0, 10)})`),
        el('thead', {}, el('tr', {}, ['Measurement', 'Value', 'Date', 'Source'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, item.evidence.map((e) => el('tr', {},
          el('td', {}, e.name), el('td', {}, `${e.value}${e.unit ? ` ${e.unit}` : ''}`), el('td', {}, e.date ?? ''), el('td', {}, e.reference ?? '')))))
      : null,
    steps.length ? el('div', {}, el('h3', {}, 'Next steps'), el('ul', { 'data-testid': 'assessment-next-steps' }, steps.map((s) => el('li', {}, s)))) : null,
    el('p', { className: 'notice' }, 'Decision support only: confirm with the Heart Team before acting.'));
}

function renderValve(valve, item, asOf, content, observations, procedures) {
  const kinds = content.procedures.filter((p) => VALVE_PROCEDURES[valve].includes(p.id));
  const done = proceduresOf(kinds, procedures);
  const nyha = nyhaOf(content.nyha, observations);
  const charts = content.measures.filter((m) => m.valve === valve)
    .map((measure) => trendFigure(measure, seriesOf(measure, observations), done, nyha));
  const handout = (lang, label) => el('a', { href: safeUrl(`handout.html?valve=${valve}&lang=${lang}`), target: '_blank', rel: 'noopener', 'data-testid': `handout-${lang}` }, label);
  return [
    renderAssessment(item, asOf),
    el('section', { className: 'charts', 'aria-label': `${valve} echo trends` }, el('h2', {}, 'Echo trends'), charts),
    el('p', { className: 'handouts' }, 'Patient handout: ', handout('en', 'English'), ' · ', handout('es', 'Español')),
  ];
}

function renderTabs(valves, first, render) {
  const tabs = $('valve-tabs');
  const panel = $('valve-panel');
  const select = (valve) => {
    for (const tab of tabs.querySelectorAll('[role="tab"]')) {
      const selected = tab.dataset.valve === valve;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute('aria-labelledby', `tab-${valve}`);
    panel.dataset.valve = valve;
    panel.replaceChildren(...render(valve));
  };
  tabs.replaceChildren(...valves.map((valve) => el('button', {
    type: 'button', role: 'tab', id: `tab-${valve}`, 'aria-controls': 'valve-panel', 'data-testid': 'valve-tab', 'data-valve': valve,
    onclick: () => select(valve),
  }, `${valve[0].toUpperCase()}${valve.slice(1)} valve`)));
  tabs.addEventListener('keydown', (event) => {
    const index = valves.indexOf(panel.dataset.valve);
    const next = event.key === 'ArrowRight' ? valves[(index + 1) % valves.length] : event.key === 'ArrowLeft' ? valves[(index + valves.length - 1) % valves.length] : null;
    if (next) {
      select(next);
      $(`tab-${next}`).focus();
    }
  });
  select(first);
}

async function start() {
  let client;
  try {
    client = await FHIR.oauth2.ready();
  } catch (error) {
    fail(`The launch could not be completed, so no data was read: ${error.message} Launch the app again from the EHR.`);
    return;
  }
  document.body.dataset.token = client.state.tokenResponse?.access_token ? 'present' : 'absent';
  try {
    const patientId = client.patient.id;
    const query = (type) => client.request(`${type}?patient=${encodeURIComponent(patientId)}&_count=100`, { pageLimit: 0, flat: true });
    const [patient, content, observations, procedures, result] = await Promise.all([
      client.patient.read(),
      fetch('content/app-content.json').then((r) => (r.ok ? r.json() : Promise.reject(new Error(`content: HTTP ${r.status}`)))),
      query('Observation'),
      query('Procedure'),
      assessment(client).catch((error) => ({ error })),
    ]);
    renderBanner(patient);
    if (result.error) {
      $('assessment-error').textContent = `The service's assessment could not be read: ${result.error.message}. The charts below come from the record.`;
      $('assessment-error').hidden = false;
    }
    const assessments = result.assessments ?? [];
    const requested = requestedValve(client);
    const assessed = assessments.map((a) => a.valve);
    const withData = VALVES.filter((v) => content.measures.some((m) => m.valve === v && seriesOf(m, observations).points.length));
    const valves = VALVES.filter((v) => v === requested || assessed.includes(v) || withData.includes(v));
    const first = requested ?? assessed[0] ?? valves[0] ?? 'aortic';
    renderTabs(valves.length ? valves : [first], first,
      (valve) => renderValve(valve, assessments.find((a) => a.valve === valve), result.asOf, content, observations, procedures));
    document.body.dataset.state = 'ready';
  } catch (error) {
    fail(`The patient's data could not be read: ${error.message}`);
  }
}

start();
