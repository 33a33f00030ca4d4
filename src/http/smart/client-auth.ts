import type { FastifyRequest } from 'fastify';
import type { AuthServer } from '../../auth/auth-server.ts';
import { AssertionError, JWT_BEARER_ASSERTION, verifyClientAssertion } from '../../auth/client-assertion.ts';
import { verifySecret } from '../../auth/passwords.ts';
import type { AuthClient } from '../../store/auth-store.ts';
import { invalidClient, invalidRequest } from './oauth-error.ts';

export type Form = Record<string, string>;

/** Parses an application/x-www-form-urlencoded body; a repeated parameter is an error (RFC 6749 §3.1). */
export function parseForm(text: string): Form | Error {
  const form: Form = {};
  for (const [k, v] of new URLSearchParams(text)) {
    if (k in form) return new Error(`Parameter ${k} is repeated`);
    form[k] = v;
  }
  return form;
}

export function formOf(request: FastifyRequest): Form {
  const body = request.body;
  if (!(request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    throw invalidRequest('Send the parameters as application/x-www-form-urlencoded');
  }
  if (body instanceof Error) throw invalidRequest(body.message);
  if (!body || typeof body !== 'object') throw invalidRequest('Send the parameters as application/x-www-form-urlencoded');
  return body as Form;
}

/**
 * Client authentication at the token, introspection and revocation endpoints: HTTP Basic or
 * client_secret_post (confidential-symmetric), private_key_jwt (confidential-asymmetric), or
 * just client_id (public clients). Failures are 401 invalid_client.
 */
export async function authenticateClient(server: AuthServer, request: FastifyRequest, form: Form): Promise<{ client: AuthClient; method: 'none' | 'secret' | 'assertion' }> {
  const basic = /^Basic\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw invalidClient('Malformed HTTP Basic credentials', 'Basic realm="token"');
    const id = safeDecode(decoded.slice(0, colon));
    const secret = safeDecode(decoded.slice(colon + 1));
    return { client: await checkSecret(server, id, secret, 'Basic realm="token"'), method: 'secret' };
  }
  if (form.client_assertion_type !== undefined || form.client_assertion !== undefined) {
    if (form.client_assertion_type !== JWT_BEARER_ASSERTION) throw invalidClient(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    if (!form.client_assertion) throw invalidClient('client_assertion is missing');
    try {
      const client = await verifyClientAssertion(server.store, form.client_assertion, server.urls.token, form.client_id);
      return { client, method: 'assertion' };
    } catch (err) {
      if (err instanceof AssertionError) throw invalidClient(err.message);
      throw err;
    }
  }
  if (!form.client_id) throw invalidClient('Client authentication is required (client_id, HTTP Basic or a client assertion)');
  if (form.client_secret !== undefined) return { client: await checkSecret(server, form.client_id, form.client_secret), method: 'secret' };
  const client = await server.store.getClient(form.client_id);
  if (!client) throw invalidClient('Unknown client');
  if (client.clientType !== 'public') throw invalidClient('This client is confidential: it must authenticate');
  return { client, method: 'none' };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

async function checkSecret(server: AuthServer, clientId: string, secret: string, challenge?: string): Promise<AuthClient> {
  const client = await server.store.getClient(clientId);
  if (!client || client.clientType !== 'confidential-symmetric' || !client.secretHash || !(await verifySecret(secret, client.secretHash))) {
    throw invalidClient('Client authentication failed', challenge);
  }
  return client;
}
