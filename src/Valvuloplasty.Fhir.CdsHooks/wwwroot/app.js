// The sandbox page: plays the EHR against this CDS Hooks service.
//
// Every text that comes from the server (patient names, findings, card summaries, labels, reasons) is put in the
// DOM with textContent; card detail goes through markdown.js, which escapes all HTML first. Every call to
// /cds-services and /analytics carries a fresh development JWT whose aud is the exact URL called.

import { markdownFragment } from './markdown.js';

const CPT = 'http://www.ama-assn.org/go/cpt';
const EXTENSION = 'org.example.valvuloplasty-cds';
const USER_ID = 'Practitioner/sandbox';
const MAX_PAGES = 20;

/** The draft orders offered, by CPT code (displays as in profiles/ValueSet-*-procedure.json). */
const ORDERS = {
  92986: { short: 'BAV', display: 'Percutaneous balloon valvuloplasty; aortic valve' },
  92987: { short: 'PMBC', display: 'Percutaneous balloon valvuloplasty; mitral valve' },
  92990: { short: 'BPV', display: 'Percutaneous balloon valvuloplasty; pulmonary valve' },
  33361: { short: 'TAVR', display: 'TAVR, percutaneous femoral artery approach' },
};

const INDICATOR_LABEL = { info: 'Info', warning: 'Warning', critical: 'Critical' };

const state = {
  patients: [],
  patientId: null,
  services: new Map(), // hook → discovery entry
  draft: null, // { order, patientId, code } after order-select
  busy: false,
  callCount: 0,
  cardsPatientId: null, // the patient whose cards are shown: a card's SMART link launches the app for them
};

const $ = (id) => document.getElementById(id);

/** Creates an element with attributes and children; strings become text nodes (never HTML). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    if (name === 'className') {
      node.className = value;
    } else if (name === 'dataset') {
      Object.assign(node.dataset, value);
    } else if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child !== undefined && child !== null && child !== false) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
  return node;
}

function uuid() {
  if (globalThis.crypto?.randomUUID) {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function randomId() {
  return [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function pretty(value) {
  return JSON.stringify(value, null, 2);
}

function setStatus(text, stateName = 'idle') {
  const status = $('status');
  status.textContent = text;
  status.dataset.state = stateName;
}

function showError(id, text) {
  const node = $(id);
  node.textContent = text ?? '';
  node.hidden = !text;
}

// ---------------------------------------------------------------------------------------------------------
// HTTP: the development token, the CDS client, the EHR's own FHIR reads

const FHIR_BASE = new URL('/sandbox/fhir', location.origin).href;

/** A fresh development JWT for exactly this URL (no query): each call gets its own, as an EHR sends them. */
async function tokenFor(url) {
  const audience = new URL(url, location.origin);
  audience.search = '';
  audience.hash = '';
  const response = await fetch('/sandbox/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ audience: audience.href }),
  });
  if (!response.ok) {
    throw new Error(`The development token was refused (HTTP ${response.status}): ${await outcomeText(response)}`);
  }
  const body = await response.json();
  return body.token;
}

/** Calls /cds-services or /analytics with a bearer token; returns { response, body, text }. */
async function cdsFetch(path, { method = 'GET', body } = {}) {
  const token = await tokenFor(path);
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  return { response, body: parsed, text };
}

async function outcomeText(response) {
  try {
    return describeOutcome(await response.json()) || response.statusText;
  } catch {
    return response.statusText;
  }
}

/** The issues of an OperationOutcome as one line of text. */
function describeOutcome(outcome) {
  if (!outcome || outcome.resourceType !== 'OperationOutcome' || !Array.isArray(outcome.issue)) {
    return '';
  }
  return outcome.issue
    .map((issue) => {
      const where = Array.isArray(issue.expression) && issue.expression.length ? ` (${issue.expression.join(', ')})` : '';
      return `${issue.severity ?? 'error'}: ${issue.details?.text ?? issue.diagnostics ?? issue.code ?? 'unknown'}${where}`;
    })
    .join('; ');
}

/** GET from the sandbox FHIR server, as the EHR reads its own records. */
async function fhirGet(url) {
  const response = await fetch(url, { headers: { Accept: 'application/fhir+json' } });
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  return { response, body };
}

/** Renders a prefetch template's tokens ({{context.x}}) from the hook context; null if one cannot be rendered. */
function renderTemplate(template, context) {
  let unresolved = false;
  const rendered = template.replace(/\{\{\s*context\.(\w+)\s*\}\}/g, (_, name) => {
    const value = context[name];
    if (typeof value !== 'string') {
      unresolved = true;
      return '';
    }
    return encodeURIComponent(value);
  });
  return unresolved || /\{\{/.test(rendered) ? null : rendered;
}

/**
 * Runs one prefetch template against the sandbox FHIR server. A search follows its `next` links (on the same
 * server only, up to MAX_PAGES) into one searchset Bundle. A failure yields the server's OperationOutcome when
 * there is one (the service then treats the key as not obtained), otherwise the key is left out.
 */
async function prefetchKey(key, template, context, log) {
  const query = renderTemplate(template, context);
  if (query === null) {
    log(key, template, 'skipped: a token could not be rendered');
    return undefined;
  }

  let url = `${FHIR_BASE}/${query}`;
  const first = await fhirGet(url);
  if (!first.response.ok || !first.body) {
    log(key, query, `HTTP ${first.response.status}`, true);
    return first.body?.resourceType === 'OperationOutcome' ? first.body : undefined;
  }
  if (first.body.resourceType !== 'Bundle') {
    log(key, query, `HTTP ${first.response.status}: ${first.body.resourceType}`);
    return first.body;
  }

  const bundle = { resourceType: 'Bundle', type: 'searchset', total: first.body.total, entry: [...(first.body.entry ?? [])] };
  const seen = new Set([url]);
  let page = first.body;
  let pages = 1;
  for (;;) {
    const next = (page.link ?? []).find((link) => link.relation === 'next')?.url;
    if (!next || seen.has(next) || !next.startsWith(`${FHIR_BASE}/`) || pages >= MAX_PAGES) {
      break;
    }
    seen.add(next);
    url = next;
    const more = await fhirGet(url);
    if (!more.response.ok || more.body?.resourceType !== 'Bundle') {
      log(key, query, `page ${pages + 1}: HTTP ${more.response.status}`, true);
      return more.body?.resourceType === 'OperationOutcome' ? more.body : undefined;
    }
    bundle.entry.push(...(more.body.entry ?? []));
    page = more.body;
    pages++;
  }
  if (bundle.total === undefined) {
    delete bundle.total;
  }
  log(key, query, `HTTP 200: ${bundle.entry.length} ${bundle.entry.length === 1 ? 'entry' : 'entries'}${pages > 1 ? `, ${pages} pages` : ''}`);
  return bundle;
}

async function buildPrefetch(service, context) {
  const list = $('prefetch-log');
  list.replaceChildren();
  const log = (key, query, outcome, failed = false) =>
    list.append(el('li', { dataset: { key, failed: failed ? 'true' : 'false' } },
      el('strong', {}, key), ' ', el('code', {}, query), ' → ', outcome));

  const entries = Object.entries(service.prefetch ?? {});
  const values = await Promise.all(entries.map(([key, template]) => prefetchKey(key, template, context, log)));
  const prefetch = {};
  entries.forEach(([key], index) => {
    if (values[index] !== undefined) {
      prefetch[key] = values[index];
    }
  });
  $('prefetch-summary').textContent = `${Object.keys(prefetch).length} of ${entries.length} keys sent`;
  return prefetch;
}

// ---------------------------------------------------------------------------------------------------------
// Patients

async function loadPatients() {
  const list = $('patient-list');
  try {
    const response = await fetch('/sandbox/patients', { headers: { Accept: 'application/json' } });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}: ${await outcomeText(response)}`);
    }
    state.patients = await response.json();
    renderPatients();
    list.dataset.state = 'ready';
  } catch (error) {
    list.dataset.state = 'error';
    $('patient-count').textContent = 'The patients could not be loaded.';
    showError('load-error', `Could not load the sandbox patients: ${error.message}`);
  }
}

function renderPatients() {
  const filter = $('patient-filter').value.trim().toLowerCase();
  const matches = state.patients.filter((patient) => !filter
    || [patient.id, patient.name, ...(patient.findings ?? [])].some((text) => String(text ?? '').toLowerCase().includes(filter)));

  const items = matches.map((patient) => {
    const inputId = `patient-${patient.id}`;
    const facts = [patient.age !== null && patient.age !== undefined ? `${patient.age} y` : null, patient.gender].filter(Boolean).join(', ');
    const findings = patient.findings ?? [];
    return el('li', { className: 'patient', dataset: { testid: 'patient', patientId: patient.id } },
      el('input', {
        type: 'radio', name: 'patient', id: inputId, value: patient.id,
        checked: patient.id === state.patientId, 'data-testid': 'patient-radio',
        onchange: () => choosePatient(patient.id),
      }),
      el('label', { for: inputId },
        el('span', { className: 'patient-name', 'data-testid': 'patient-name' }, patient.name),
        facts ? el('span', { className: 'patient-facts', 'data-testid': 'patient-facts' }, ` (${facts})`) : null,
        el('span', { className: 'patient-id' }, patient.id),
        findings.length
          ? el('ul', { className: 'findings', 'data-testid': 'patient-findings' }, findings.map((finding) => el('li', {}, finding)))
          : el('span', { className: 'muted findings-none' }, 'No key findings')));
  });

  $('patient-list').replaceChildren(...items);
  $('patient-count').textContent = filter
    ? `${matches.length} of ${state.patients.length} patients`
    : `${state.patients.length} patients`;
}

function choosePatient(id) {
  state.patientId = id;
  const patient = state.patients.find((p) => p.id === id);
  $('selected-patient').textContent = patient ? `Patient: ${patient.name} (${patient.id})` : 'No patient chosen.';
  resetDraft();
  updateControls();
}

/**
 * Opens the patient named in the address (`/?patient=<id>`, as the worklist page links here): chooses the patient
 * and runs patient-view, so the link shows that patient's cards. An id the sandbox does not hold is said so, never
 * guessed at.
 */
async function openPatientFromAddress() {
  const id = new URLSearchParams(location.search).get('patient');
  if (!id) {
    return;
  }
  if (!state.patients.some((patient) => patient.id === id)) {
    showError('load-error', `Patient ${id} is not among the sandbox patients: choose one from the list.`);
    return;
  }
  choosePatient(id);
  renderPatients(); // checks the chosen patient's radio
  document.querySelector(`[data-testid='patient'][data-patient-id='${CSS.escape(id)}']`)?.scrollIntoView({ block: 'nearest' });
  await callHook('patient-view');
}

// ---------------------------------------------------------------------------------------------------------
// The hook call

function hookMode() {
  return document.querySelector('input[name="hook"]:checked')?.value ?? 'patient-view';
}

function dataMode() {
  return document.querySelector('input[name="data"]:checked')?.value ?? 'prefetch';
}

function resetDraft() {
  state.draft = null;
  $('draft-status').hidden = true;
  $('draft-status').textContent = '';
}

function updateControls() {
  const order = hookMode() === 'order';
  $('draft-order').disabled = !order;
  const call = $('call-service');
  call.textContent = order ? 'Select the order (order-select)' : 'Open the chart (patient-view)';
  call.disabled = state.busy || !state.patientId || state.services.size === 0;
  $('launch-app').disabled = !state.patientId;
  const sign = $('sign-order');
  sign.hidden = !order;
  sign.disabled = state.busy || !order || !state.draft || state.draft.patientId !== state.patientId || state.draft.deleted;
}

function draftServiceRequest(code, patientId) {
  const order = ORDERS[code];
  return {
    resourceType: 'ServiceRequest',
    id: `draft-${randomId()}`,
    status: 'draft',
    intent: 'order',
    code: { coding: [{ system: CPT, code: String(code), display: order.display }], text: order.display },
    subject: { reference: `Patient/${patientId}` },
  };
}

function buildRequest(hook, context) {
  const request = { hook, hookInstance: uuid() };
  if (dataMode() === 'fhir') {
    request.fhirServer = FHIR_BASE;
  }
  request.context = context;
  return request;
}

async function callHook(hook) {
  const service = state.services.get(hook);
  if (!service || !state.patientId || (hook === 'order-sign' && (!state.draft || state.draft.deleted))) {
    return;
  }
  const patientId = state.patientId;
  const context = { userId: USER_ID, patientId };

  if (hook === 'order-select') {
    const code = $('draft-order').value;
    const order = draftServiceRequest(code, patientId);
    state.draft = { order, patientId, code, deleted: false };
    context.draftOrders = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: order }] };
    context.selections = [`ServiceRequest/${order.id}`];
  } else if (hook === 'order-sign') {
    context.draftOrders = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: state.draft.order }] };
  }

  const request = buildRequest(hook, context);
  const path = `/cds-services/${encodeURIComponent(service.id)}`;
  state.cardsPatientId = patientId;
  const callNumber = ++state.callCount;

  state.busy = true;
  updateControls();
  showError('call-error', '');
  const cards = $('cards');
  cards.dataset.state = 'loading';
  cards.dataset.hook = hook;
  $('request-target').textContent = `POST ${path}`;
  $('response-status').textContent = '';
  $('response-json').textContent = '';
  $('prefetch-log').replaceChildren();
  $('prefetch-summary').textContent = 'none';

  try {
    if (dataMode() === 'prefetch') {
      setStatus(`Reading the record for ${hook} prefetch…`, 'busy');
      request.prefetch = await buildPrefetch(service, context);
    } else {
      $('prefetch-summary').textContent = `none sent: the service reads ${FHIR_BASE}`;
    }
    $('request-json').textContent = pretty(request);

    setStatus(`Calling ${service.id}…`, 'busy');
    const { response, body, text } = await cdsFetch(path, { method: 'POST', body: request });
    $('response-status').textContent = `HTTP ${response.status}`;
    $('response-json').textContent = body ? pretty(body) : text;

    if (!response.ok || !body || !Array.isArray(body.cards)) {
      const reason = describeOutcome(body) || text || response.statusText;
      showError('call-error', `${service.id} answered HTTP ${response.status}: ${reason}`);
      renderCards([], service.id, hook, 'error');
      setStatus(`${hook}: HTTP ${response.status}`, 'error');
      if (hook === 'order-select') {
        resetDraft();
      }
      return;
    }

    renderCards(body.cards, service.id, hook, 'ready');
    setStatus(`${hook}: ${body.cards.length} ${body.cards.length === 1 ? 'card' : 'cards'} (call ${callNumber})`, 'done');
    if (hook === 'order-select') {
      const order = ORDERS[state.draft.code];
      $('draft-status').textContent = `Draft order ${order.short} (ServiceRequest/${state.draft.order.id}) selected: sign it to run order-sign.`;
      $('draft-status').hidden = false;
    } else if (hook === 'order-sign') {
      $('draft-status').textContent = `Draft order ServiceRequest/${state.draft.order.id} sent for signing.`;
    }
    // The service writes its card ledger in the background: refresh once it has had a moment.
    setTimeout(() => refreshAnalytics(), 500);
    setTimeout(() => refreshAnalytics(), 2000);
  } catch (error) {
    showError('call-error', `The call failed: ${error.message}`);
    renderCards([], service.id, hook, 'error');
    setStatus(`${hook}: failed`, 'error');
  } finally {
    state.busy = false;
    updateControls();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Cards, as an EHR renders them

function renderCards(cards, serviceId, hook, stateName) {
  const container = $('cards');
  container.dataset.hook = hook;
  container.dataset.serviceId = serviceId;
  if (cards.length === 0) {
    container.replaceChildren(el('p', { className: 'muted', 'data-testid': 'no-cards' },
      stateName === 'error' ? 'No cards: the call failed (see the response).' : 'The service returned no cards.'));
  } else {
    container.replaceChildren(...cards.map((card) => renderCard(card, serviceId)));
  }
  container.dataset.count = String(cards.length);
  container.dataset.state = stateName;
  container.dataset.call = String(state.callCount); // last: tests wait for this call's number
}

function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The SMART app, launched as an EHR launches it

/**
 * Asks the development SMART simulator for a launch context for the patient (and the card's appContext), then
 * opens the app with iss and launch: at the card link's URL when there is one, else at the URL the simulator names.
 */
async function launchApp(patientId, appContext, linkUrl) {
  if (!patientId) {
    return;
  }
  showError('launch-error', '');
  try {
    const response = await fetch('/sandbox/smart/launch', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(appContext ? { patient: patientId, appContext } : { patient: patientId }),
    });
    if (!response.ok) {
      throw new Error(`HTTP ${response.status}: ${await outcomeText(response)}`);
    }
    const launch = await response.json();
    let target;
    if (linkUrl) {
      target = new URL(linkUrl, location.origin);
      target.searchParams.set('iss', launch.iss);
      target.searchParams.set('launch', launch.launch);
    } else {
      target = new URL(launch.url, location.origin);
    }
    const href = safeUrl(target.href);
    if (!href) {
      throw new Error('the launch URL is not http(s)');
    }
    window.open(href, '_blank', 'noopener');
  } catch (error) {
    showError('launch-error', `The app could not be launched: ${error.message}`);
  }
}

function renderCard(card, serviceId) {
  const indicator = ['info', 'warning', 'critical'].includes(card.indicator) ? card.indicator : 'info';
  const contract = card.extension?.[EXTENSION] ?? {};
  const topic = card.source?.topic?.code ?? '';
  const headingId = `card-${card.uuid}-summary`;

  const article = el('article', {
    className: `card card--${indicator}`,
    'aria-labelledby': headingId,
    dataset: {
      testid: 'card',
      indicator,
      cardUuid: card.uuid ?? '',
      topic,
      serviceId,
      valve: contract.valve ?? '',
      decision: contract.decision ?? '',
      bridgeToTavr: contract.bridgeToTavr ?? '',
    },
  });

  const sourceUrl = card.source?.url ? safeUrl(card.source.url) : null;
  const sourceLabel = card.source?.label ?? 'Unknown source';
  article.append(
    el('header', { className: 'card-header' },
      el('span', { className: `indicator indicator--${indicator}`, 'data-testid': 'card-indicator' }, INDICATOR_LABEL[indicator]),
      el('h3', { id: headingId, className: 'card-summary', 'data-testid': 'card-summary' }, card.summary ?? '')),
    el('p', { className: 'card-source', 'data-testid': 'card-source' }, 'Source: ',
      sourceUrl ? el('a', { href: sourceUrl, target: '_blank', rel: 'noopener noreferrer' }, sourceLabel) : sourceLabel,
      topic ? el('span', { className: 'chip', 'data-testid': 'card-topic' }, card.source.topic.display ?? topic) : null));

  const chips = [
    contract.valve ? `valve: ${contract.valve}` : null,
    contract.decision ? `decision: ${contract.decision}` : null,
    contract.bridgeToTavr ? `bridge to TAVR: ${contract.bridgeToTavr}` : null,
    ...(contract.codes ?? []),
  ].filter(Boolean);
  if (chips.length) {
    article.append(el('p', { className: 'card-contract', 'data-testid': 'card-contract' },
      chips.map((chip) => el('span', { className: 'chip chip--muted' }, chip))));
  }

  if (card.detail) {
    const detail = el('div', { className: 'card-detail', 'data-testid': 'card-detail' });
    detail.append(markdownFragment(card.detail));
    article.append(detail);
  }

  const suggestions = card.suggestions ?? [];
  if (suggestions.length) {
    const list = el('ul', { className: 'suggestions', 'data-testid': 'card-suggestions', 'aria-label': 'Suggestions' });
    for (const suggestion of suggestions) {
      list.append(renderSuggestion(card, suggestion, serviceId, article));
    }
    article.append(list);
  }

  const links = (card.links ?? []).map((link) => ({ link, url: safeUrl(link.url) })).filter((l) => l.url);
  if (links.length) {
    article.append(el('ul', { className: 'card-links', 'data-testid': 'card-links', 'aria-label': 'Links' },
      links.map(({ link, url }) => el('li', {},
        el('a', {
          href: url, target: '_blank', rel: 'noopener noreferrer', 'data-testid': 'card-link', dataset: { linkType: link.type ?? '' },
          // A SMART link is launched as an EHR does: a launch context first, then the app at the link's URL.
          onclick: link.type === 'smart' ? (event) => {
            event.preventDefault();
            launchApp(state.cardsPatientId, link.appContext, url);
          } : undefined,
        }, link.label ?? url)))));
  }

  article.append(renderDismiss(card, serviceId, article));
  article.append(el('p', { className: 'card-feedback', role: 'status', 'data-testid': 'card-feedback' }));
  return article;
}

function describeAction(action) {
  const resource = action.resource;
  const what = resource
    ? `${resource.resourceType ?? 'resource'}${resource.code?.text ? `: ${resource.code.text}` : ''}`
    : action.resourceId ?? '';
  return `${action.type ?? 'action'} ${what}${action.description ? ` (${action.description})` : ''}`;
}

function renderSuggestion(card, suggestion, serviceId, article) {
  const actions = suggestion.actions ?? [];
  const button = el('button', {
    type: 'button',
    className: suggestion.isRecommended ? 'suggestion recommended' : 'suggestion',
    'data-testid': 'suggestion',
    dataset: { suggestionUuid: suggestion.uuid ?? '', actionTypes: actions.map((a) => a.type).join(' ') },
  }, suggestion.label ?? 'Accept');
  button.addEventListener('click', () => acceptSuggestion(card, suggestion, serviceId, article, button));

  return el('li', { className: 'suggestion-item' },
    button,
    suggestion.isRecommended ? el('span', { className: 'chip' }, 'recommended') : null,
    actions.length
      ? el('ul', { className: 'suggestion-actions' }, actions.map((action) =>
        el('li', { 'data-testid': 'suggestion-action', dataset: { actionType: action.type ?? '', resourceId: action.resourceId ?? '' } },
          describeAction(action))))
      : null);
}

async function acceptSuggestion(card, suggestion, serviceId, article, button) {
  button.disabled = true;
  const feedback = {
    feedback: [{
      card: card.uuid,
      outcome: 'accepted',
      acceptedSuggestions: [{ id: suggestion.uuid }],
      outcomeTimestamp: new Date().toISOString(),
    }],
  };
  const ok = await sendFeedback(serviceId, feedback, article);
  if (!ok) {
    button.disabled = false;
    return;
  }

  button.dataset.accepted = 'true';
  button.setAttribute('aria-pressed', 'true');
  button.textContent = `✓ Accepted: ${suggestion.label ?? ''}`;
  article.dataset.feedback = 'accepted';
  if (card.selectionBehavior === 'at-most-one') {
    for (const other of article.querySelectorAll('[data-testid="suggestion"]')) {
      other.disabled = true;
    }
  }
  applyActions(suggestion.actions ?? []);
}

/** The EHR's side of an accepted suggestion: a deleted draft order can no longer be signed. */
function applyActions(actions) {
  for (const action of actions) {
    if (action.type === 'delete' && state.draft && action.resourceId === `ServiceRequest/${state.draft.order.id}`) {
      state.draft.deleted = true;
      $('draft-status').textContent = `Draft order ServiceRequest/${state.draft.order.id} removed (accepted suggestion).`;
      $('draft-status').hidden = false;
      updateControls();
    }
  }
}

function renderDismiss(card, serviceId, article) {
  const reasons = card.overrideReasons ?? [];
  const wrapper = el('div', { className: 'dismiss' });
  const open = el('button', { type: 'button', className: 'secondary', 'data-testid': 'dismiss', 'aria-expanded': 'false' }, 'Dismiss');
  const formId = `dismiss-${card.uuid}`;
  open.setAttribute('aria-controls', formId);

  const form = el('form', { id: formId, className: 'dismiss-form', 'data-testid': 'dismiss-form', hidden: true, novalidate: true });
  const fieldset = el('fieldset', {}, el('legend', {}, reasons.length ? 'Why dismiss this card?' : 'Dismiss this card'));
  reasons.forEach((reason, index) => {
    const id = `${formId}-reason-${index}`;
    fieldset.append(el('label', { className: 'choice', for: id },
      el('input', { type: 'radio', id, name: 'reason', value: String(index), 'data-testid': 'override-reason', dataset: { code: reason.code ?? '' } }),
      reason.display ?? reason.code ?? ''));
  });
  if (!reasons.length) {
    fieldset.append(el('p', { className: 'muted' }, 'The service offers no override reasons for this card.'));
  }
  const commentId = `${formId}-comment`;
  fieldset.append(
    el('label', { for: commentId }, 'Comment (optional)'),
    el('textarea', { id: commentId, name: 'comment', rows: '2', maxlength: '500', 'data-testid': 'override-comment' }));
  const confirm = el('button', { type: 'submit', 'data-testid': 'dismiss-confirm', disabled: reasons.length > 0 }, 'Dismiss the card');
  const cancel = el('button', { type: 'button', className: 'secondary', 'data-testid': 'dismiss-cancel' }, 'Cancel');
  form.append(fieldset, el('div', { className: 'actions' }, confirm, cancel));

  form.addEventListener('change', () => {
    confirm.disabled = reasons.length > 0 && !form.querySelector('input[name="reason"]:checked');
  });
  open.addEventListener('click', () => {
    form.hidden = false;
    open.setAttribute('aria-expanded', 'true');
    (form.querySelector('input[name="reason"]') ?? form.querySelector('textarea')).focus();
  });
  cancel.addEventListener('click', () => {
    form.hidden = true;
    open.setAttribute('aria-expanded', 'false');
    open.focus();
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input[name="reason"]:checked');
    if (reasons.length && !chosen) {
      return;
    }
    const reason = chosen ? reasons[Number(chosen.value)] : null;
    const comment = form.querySelector('textarea').value.trim();
    const item = { card: card.uuid, outcome: 'overridden', outcomeTimestamp: new Date().toISOString() };
    if (reason || comment) {
      item.overrideReason = {};
      if (reason) {
        item.overrideReason.reason = reason;
      }
      if (comment) {
        item.overrideReason.userComment = comment;
      }
    }
    confirm.disabled = true;
    const ok = await sendFeedback(serviceId, { feedback: [item] }, article);
    if (!ok) {
      confirm.disabled = false;
      return;
    }
    form.hidden = true;
    open.disabled = true;
    open.setAttribute('aria-expanded', 'false');
    open.textContent = reason ? `Dismissed: ${reason.display ?? reason.code}` : 'Dismissed';
    article.dataset.feedback = 'overridden';
    article.classList.add('card--dismissed');
    for (const button of article.querySelectorAll('[data-testid="suggestion"]')) {
      button.disabled = true;
    }
  });

  wrapper.append(open, form);
  return wrapper;
}

async function sendFeedback(serviceId, feedback, article) {
  const status = article.querySelector('[data-testid="card-feedback"]');
  const path = `/cds-services/${encodeURIComponent(serviceId)}/feedback`;
  status.textContent = 'Sending feedback…';
  status.dataset.state = 'busy';
  $('feedback-exchange').hidden = false;
  $('feedback-target').textContent = `POST ${path}`;
  $('feedback-request-json').textContent = pretty(feedback);
  $('feedback-status').textContent = '';
  $('feedback-response-json').textContent = '';
  try {
    const { response, body, text } = await cdsFetch(path, { method: 'POST', body: feedback });
    $('feedback-status').textContent = `HTTP ${response.status}`;
    $('feedback-response-json').textContent = body ? pretty(body) : text;
    if (!response.ok) {
      status.textContent = `Feedback refused (HTTP ${response.status}): ${describeOutcome(body) || text}`;
      status.dataset.state = 'error';
      return false;
    }
    const outcome = feedback.feedback[0].outcome;
    status.textContent = `Feedback sent: ${outcome} (stored ${body?.stored ?? '?'}, duplicates ${body?.duplicates ?? '?'}).`;
    status.dataset.state = 'sent';
    article.dataset.feedbackSent = String(Number(article.dataset.feedbackSent ?? '0') + 1);
    await refreshAnalytics();
    return true;
  } catch (error) {
    status.textContent = `Feedback failed: ${error.message}`;
    status.dataset.state = 'error';
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Analytics

let analyticsRequest = 0;

async function refreshAnalytics() {
  const request = ++analyticsRequest;
  const table = $('analytics-table');
  table.dataset.state = 'loading';
  try {
    const { response, body, text } = await cdsFetch('/analytics/cards');
    if (request !== analyticsRequest) {
      return; // a newer refresh is under way
    }
    if (!response.ok || !body) {
      throw new Error(`HTTP ${response.status}: ${describeOutcome(body) || text || response.statusText}`);
    }
    showError('analytics-error', '');
    renderAnalytics(body);
    table.dataset.state = 'ready';
    $('analytics-updated').textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (request === analyticsRequest) {
      table.dataset.state = 'error';
      showError('analytics-error', `Analytics could not be read: ${error.message}`);
    }
  }
}

function renderAnalytics(analytics) {
  const topics = analytics.topics ?? [];
  const rows = topics.map((topic) => {
    const rate = typeof topic.acceptanceRate === 'number' ? `${(topic.acceptanceRate * 100).toFixed(0)} %` : '—';
    const reasons = topic.topOverrideReasons ?? [];
    return el('tr', { dataset: { testid: 'analytics-row', serviceId: topic.serviceId, topic: topic.topic } },
      el('td', { dataset: { field: 'serviceId' } }, topic.serviceId),
      el('td', { dataset: { field: 'topic' } }, topic.topic),
      el('td', { className: 'num', dataset: { field: 'issued' } }, String(topic.issued)),
      el('td', { className: 'num', dataset: { field: 'accepted' } }, String(topic.accepted)),
      el('td', { className: 'num', dataset: { field: 'overridden' } }, String(topic.overridden)),
      el('td', { className: 'num', dataset: { field: 'acceptanceRate' } }, rate),
      el('td', { dataset: { field: 'topOverrideReasons' } },
        reasons.length
          ? el('ul', { className: 'reasons' }, reasons.map((reason) =>
            el('li', { dataset: { code: reason.code ?? '' } }, `${reason.display ?? reason.code ?? '(no reason)'} × ${reason.count}`)))
          : '—'));
  });
  if (rows.length === 0) {
    rows.push(el('tr', {}, el('td', { colspan: '7', className: 'muted' }, 'No cards issued in this period yet.')));
  }
  $('analytics-body').replaceChildren(...rows);
  $('analytics-ledger').textContent =
    `Period ${analytics.since ?? '?'} to ${analytics.until ?? '?'}; ledger written ${analytics.ledgerWritten ?? 0}, dropped ${analytics.ledgerDropped ?? 0} (this replica since start).`;
}

// ---------------------------------------------------------------------------------------------------------
// Start

async function loadDiscovery() {
  const { response, body, text } = await cdsFetch('/cds-services');
  if (!response.ok || !Array.isArray(body?.services)) {
    throw new Error(`discovery answered HTTP ${response.status}: ${describeOutcome(body) || text}`);
  }
  for (const service of body.services) {
    if (!state.services.has(service.hook)) {
      state.services.set(service.hook, service);
    }
  }
}

function wire() {
  $('patient-filter').addEventListener('input', renderPatients);
  for (const input of document.querySelectorAll('input[name="hook"]')) {
    input.addEventListener('change', () => {
      resetDraft();
      updateControls();
    });
  }
  $('draft-order').addEventListener('change', () => {
    resetDraft();
    updateControls();
  });
  $('call-form').addEventListener('submit', (event) => {
    event.preventDefault();
    callHook(hookMode() === 'order' ? 'order-select' : 'patient-view');
  });
  $('sign-order').addEventListener('click', () => callHook('order-sign'));
  $('launch-app').addEventListener('click', () => launchApp(state.patientId));
  $('analytics-refresh').addEventListener('click', () => refreshAnalytics());
}

async function start() {
  wire();
  updateControls();
  const discovery = loadDiscovery().catch((error) => showError('load-error', `Could not read the service discovery: ${error.message}`));
  await Promise.all([loadPatients(), discovery, refreshAnalytics()]);
  updateControls();
  document.body.dataset.ready = 'true';
  await openPatientFromAddress();
}

start();
