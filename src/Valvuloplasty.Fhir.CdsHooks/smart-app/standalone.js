// Standalone launch: the user names the FHIR server (iss); its authorization server asks which patient.

import { $ } from './dom.js';
import { STANDALONE_SCOPE, authorizeOptions } from './smart-config.js';

function launch(iss) {
  $('launch-status').textContent = `Connecting to ${iss}…`;
  FHIR.oauth2.authorize(authorizeOptions(STANDALONE_SCOPE, { iss })).catch((error) => {
    $('launch-status').textContent = `The launch failed: ${error.message}`;
    $('launch-status').dataset.state = 'error';
  });
}

const form = $('standalone-form');
const input = $('standalone-iss');
input.value = new URLSearchParams(location.search).get('iss') ?? new URL('../sandbox/fhir', location.href).href;
form.addEventListener('submit', (event) => {
  event.preventDefault();
  launch(input.value.trim());
});
if (new URLSearchParams(location.search).get('iss')) {
  launch(input.value);
}
