import type { CapabilityStatementRestSecurity } from '@medplum/fhirtypes';
import type { ServerConfig } from '../config.ts';
import { authServerUrls } from './auth-server.ts';

/**
 * CapabilityStatement.rest.security: SMART-on-FHIR service code and the OAuth URIs extension
 * (SMART App Launch "conformance"; clients that do not fetch smart-configuration read it).
 */
export function capabilitySecurity(config: ServerConfig): CapabilityStatementRestSecurity {
  const u = authServerUrls(config.baseUrl);
  return {
    cors: true,
    service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }], text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)' }],
    description: config.authDisabled ? 'Authorization is DISABLED on this server (local development)' : 'SMART App Launch 2.0 and SMART Backend Services; discovery at [base]/.well-known/smart-configuration',
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: u.authorize },
          { url: 'token', valueUri: u.token },
          { url: 'introspect', valueUri: u.introspect },
          { url: 'revoke', valueUri: u.revoke },
          { url: 'manage', valueUri: u.management },
        ],
      },
    ],
  };
}
