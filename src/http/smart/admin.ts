import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { LIFETIME, type AuthServer } from '../../auth/auth-server.ts';
import { clientFromRegistration, publicView, RegistrationError, type ClientRegistration } from '../../auth/client-registration.ts';
import { systemAccess } from '../../auth/access-context.ts';
import type { FhirContext } from '../../fhir/request.ts';
import type { LaunchContext } from '../../store/auth-store.ts';
import { invalidRequest, OAuthError } from './oauth-error.ts';

const RELATIVE_REF = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** The admin API (client registration) and POST /auth/launch both need the ADMIN_TOKEN bearer. */
export function requireAdmin(server: AuthServer, request: FastifyRequest): void {
  const expected = server.config.adminToken;
  if (!expected) throw new OAuthError(403, 'access_denied', 'The admin API is off: set ADMIN_TOKEN to enable it');
  const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw new OAuthError(401, 'invalid_token', 'Send Authorization: Bearer <ADMIN_TOKEN>', 'Bearer realm="admin"');
}

/** Client registration (/auth/admin/clients) and EHR launch contexts (POST /auth/launch). */
export function adminRoutes(app: FastifyInstance, server: AuthServer, fhir: FhirContext): void {
  app.get('/auth/admin/clients', async (request, reply) => {
    requireAdmin(server, request);
    return reply.type('application/json').send(JSON.stringify((await server.store.listClients()).map(publicView)));
  });

  app.post('/auth/admin/clients', async (request, reply) => {
    requireAdmin(server, request);
    const { client, secret } = await clientFromRegistration(request.body as ClientRegistration).catch((err: unknown) => {
      throw err instanceof RegistrationError ? invalidRequest(err.message) : err;
    });
    if (!(await server.store.addClient(client))) throw invalidRequest(`client_id ${client.clientId} is already registered`);
    return reply
      .code(201)
      .header('Cache-Control', 'no-store')
      .type('application/json')
      .send(JSON.stringify({ ...publicView(client), ...(secret ? { client_secret: secret } : {}) }));
  });

  app.delete<{ Params: { id: string } }>('/auth/admin/clients/:id', async (request, reply) => {
    requireAdmin(server, request);
    if (!(await server.store.deleteClient(request.params.id))) return reply.code(404).type('application/json').send(JSON.stringify({ error: 'not_found', error_description: 'No such client' }));
    return reply.code(204).send();
  });

  /**
   * EHR launch: the EHR (or a test) creates the context, then opens the app's launch URL with
   * `iss` and `launch`; the app's authorize request binds the context with `launch`.
   */
  app.post('/auth/launch', async (request, reply) => {
    requireAdmin(server, request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const context: LaunchContext = {};
    const idOf = (value: unknown, type: string): string | undefined => {
      if (value === undefined) return undefined;
      const id = typeof value === 'string' ? value.replace(new RegExp(`^${type}/`), '') : '';
      if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw invalidRequest(`${type.toLowerCase()} must be a ${type} id`);
      return id;
    };
    context.patient = idOf(body.patient, 'Patient');
    context.encounter = idOf(body.encounter, 'Encounter');
    for (const [type, id] of [['Patient', context.patient], ['Encounter', context.encounter]] as const) {
      if (id && !(await fhir.repo.read(systemAccess, type, id))) throw invalidRequest(`${type}/${id} does not exist`);
    }
    if (body.fhirUser !== undefined) {
      if (typeof body.fhirUser !== 'string' || !RELATIVE_REF.test(body.fhirUser)) throw invalidRequest('fhirUser must be a relative reference such as Practitioner/123');
      context.fhirUser = body.fhirUser;
    }
    if (body.need_patient_banner !== undefined) {
      if (typeof body.need_patient_banner !== 'boolean') throw invalidRequest('need_patient_banner must be true or false');
      context.need_patient_banner = body.need_patient_banner;
    }
    context.smart_style_url = typeof body.smart_style_url === 'string' ? body.smart_style_url : server.urls.style;
    if (body.fhirContext !== undefined) {
      const list = body.fhirContext;
      // fhirContext entries are relative references (SMART App Launch 2.0 "fhirContext").
      if (!Array.isArray(list) || list.some((e) => typeof e?.reference !== 'string' || !RELATIVE_REF.test(e.reference))) {
        throw invalidRequest('fhirContext must be a list of { "reference": "Type/id" } with relative references');
      }
      context.fhirContext = list.map((e: { reference: string; role?: unknown }) => ({ reference: e.reference, ...(typeof e.role === 'string' ? { role: e.role } : {}) }));
    }
    const launch = randomUUID();
    await server.store.saveLaunch(launch, context, LIFETIME.launchContext);
    const result: Record<string, unknown> = { launch, expires_in: LIFETIME.launchContext };
    if (typeof body.launch_url === 'string') {
      let url: URL;
      try {
        url = new URL(body.launch_url);
      } catch {
        throw invalidRequest('launch_url must be an absolute URL');
      }
      url.searchParams.set('iss', server.config.baseUrl);
      url.searchParams.set('launch', launch);
      result.launch_url = url.toString();
    }
    return reply.code(201).header('Cache-Control', 'no-store').type('application/json').send(JSON.stringify(result));
  });
}
