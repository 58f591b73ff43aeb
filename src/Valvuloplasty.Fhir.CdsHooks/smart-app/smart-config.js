// The app's registration: one client id, the scopes it asks for (read-only, this patient), PKCE always.

export const CLIENT_ID = 'valvuloplasty-smart-app';

const RESOURCE_SCOPES = [
  'patient/Patient.r', 'patient/Observation.rs', 'patient/Condition.rs', 'patient/Procedure.rs',
  'patient/MedicationRequest.rs', 'patient/Medication.rs', 'patient/ServiceRequest.rs', 'patient/RiskAssessment.rs',
];

/** EHR launch: the EHR says which patient (the launch parameter). */
export const EHR_LAUNCH_SCOPE = ['launch', 'openid', 'fhirUser', ...RESOURCE_SCOPES].join(' ');

/** Standalone launch: the authorization server lets the user pick the patient. */
export const STANDALONE_SCOPE = ['launch/patient', 'openid', 'fhirUser', ...RESOURCE_SCOPES].join(' ');

export function authorizeOptions(scope, extra = {}) {
  return { clientId: CLIENT_ID, scope, redirectUri: 'index.html', pkceMode: 'required', ...extra };
}
