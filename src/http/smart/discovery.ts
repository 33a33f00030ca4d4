import type { FastifyInstance } from 'fastify';
import type { AuthServer } from '../../auth/auth-server.ts';
import { ASSERTION_ALGS } from '../../auth/client-assertion.ts';

export const SMART_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-banner',
  'context-style',
  'permission-patient',
  'permission-user',
  'permission-offline',
  'permission-online',
  'permission-v1',
  'permission-v2',
  'authorize-post',
];

/** SMART App Launch 2.0 "Conformance" (.well-known/smart-configuration); all URLs absolute. */
export function smartConfiguration(server: AuthServer): Record<string, unknown> {
  const u = server.urls;
  return {
    issuer: server.issuer,
    jwks_uri: u.jwks,
    authorization_endpoint: u.authorize,
    token_endpoint: u.token,
    introspection_endpoint: u.introspect,
    revocation_endpoint: u.revoke,
    management_endpoint: u.management,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    id_token_signing_alg_values_supported: [server.keys.alg],
    scopes_supported: [
      'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
      'patient/*.cruds', 'patient/*.rs', 'user/*.cruds', 'user/*.rs', 'system/*.cruds', 'system/*.rs',
      'patient/*.read', 'patient/*.write', 'user/*.read', 'user/*.write', 'system/*.read', 'system/*.write',
    ],
    code_challenge_methods_supported: ['S256'],
    capabilities: SMART_CAPABILITIES,
  };
}

/** Discovery documents: application/json whatever the Accept header. */
export function discoveryRoutes(app: FastifyInstance, server: AuthServer, basePath: string): void {
  const config = JSON.stringify(smartConfiguration(server));
  const paths = new Set(['/.well-known/smart-configuration', `${basePath}/.well-known/smart-configuration`]);
  for (const path of paths) app.get(path, async (_request, reply) => reply.type('application/json').header('Cache-Control', 'max-age=3600').send(config));
  app.get('/.well-known/jwks.json', async (_request, reply) => reply.type('application/json').send(JSON.stringify(server.keys.jwks)));
  app.get('/auth/smart-style.json', async (_request, reply) =>
    reply.type('application/json').send(JSON.stringify({ color_background: '#f5f7fa', color_highlight: '#0b5cad', color_text: '#1f2933', dim_border_radius: '4px', font_family_body: 'system-ui, sans-serif' })),
  );
}
