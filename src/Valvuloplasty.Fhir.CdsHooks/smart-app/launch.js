// EHR launch: fhirclient reads iss and launch from the address, discovers the server's SMART configuration and
// redirects to its authorization endpoint with a PKCE S256 challenge.

import { $ } from './dom.js';
import { EHR_LAUNCH_SCOPE, authorizeOptions } from './smart-config.js';

const parameters = new URLSearchParams(location.search);
if (!parameters.get('iss') || !parameters.get('launch')) {
  $('launch-status').textContent = 'This page is opened by the EHR with iss and launch parameters. To start without an EHR, use the standalone launch.';
  $('launch-status').dataset.state = 'error';
} else {
  FHIR.oauth2.authorize(authorizeOptions(EHR_LAUNCH_SCOPE)).catch((error) => {
    $('launch-status').textContent = `The launch failed: ${error.message}`;
    $('launch-status').dataset.state = 'error';
  });
}
