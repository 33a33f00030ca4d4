import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { jwtVerify, SignJWT } from 'jose';
import type { Patient } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import { LIFETIME, type AuthServer } from '../../auth/auth-server.ts';
import { grantScopes, redirectUriMatches } from '../../auth/grant.ts';
import { verifySecret } from '../../auth/passwords.ts';
import { parseResourceScope, ScopeSet } from '../../auth/scopes.ts';
import { accessFromClaims } from '../../auth/token-access.ts';
import { randomToken, tokenHash, type AccessTokenClaims } from '../../auth/tokens.ts';
import type { FhirContext } from '../../fhir/request.ts';
import type { LaunchContext } from '../../store/auth-store.ts';
import { formOf, type Form } from './client-auth.ts';
import { errorPage, loginPage, patientPickerPage } from './pages.ts';

/** An authorization request between the authorize redirect and the code, carried signed through the forms. */
interface Pending {
  client_id: string;
  client_name: string;
  redirect_uri: string;
  scope: string;
  state: string;
  code_challenge: string;
  nonce?: string;
  context: LaunchContext;
  /** Signed in as (set after the login form). */
  username?: string;
}

const PENDING_TYP = 'smart-authz-request+jwt';
const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/; // BASE64URL(SHA-256) without padding (RFC 7636 §4.2)

async function signPending(server: AuthServer, p: Pending): Promise<string> {
  return new SignJWT({ ...p })
    .setProtectedHeader({ alg: server.keys.alg, kid: server.keys.kid, typ: PENDING_TYP })
    .setIssuer(server.issuer)
    .setAudience(server.urls.login)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME.loginRequest}s`)
    .sign(server.keys.privateKey);
}

async function verifyPending(server: AuthServer, token: string | undefined): Promise<Pending | undefined> {
  if (!token) return undefined;
  try {
    const { payload } = await jwtVerify(token, server.keys.verifyKey, {
      issuer: server.issuer,
      audience: server.urls.login,
      algorithms: [server.keys.alg],
      typ: PENDING_TYP,
    });
    return payload as unknown as Pending;
  } catch {
    return undefined;
  }
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply
    .code(status)
    .header('Cache-Control', 'no-store')
    .header('X-Frame-Options', 'DENY')
    .header('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:")
    .type('text/html; charset=utf-8')
    .send(body);
}

function redirectWith(reply: FastifyReply, redirectUri: string, params: Record<string, string | undefined>): FastifyReply {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return reply.code(302).header('Location', url.toString()).header('Cache-Control', 'no-store').send();
}

/** GET /auth/authorize, POST /auth/login, POST /auth/pick-patient (SMART App Launch 2.0 §"Obtain authorization code"). */
export function authorizeRoutes(app: FastifyInstance, server: AuthServer, fhir: FhirContext): void {
  app.get('/auth/authorize', async (request, reply) => {
    const q = Object.fromEntries(new URLSearchParams(request.url.split('?')[1] ?? ''));
    return authorize(reply, q);
  });
  // Authorization requests may also be POSTed as a form (OpenID Connect Core §3.1.2.1; SMART "authorize-post").
  app.post('/auth/authorize', async (request, reply) => authorize(reply, formOf(request)));

  async function authorize(reply: FastifyReply, q: Form): Promise<FastifyReply> {
    // Errors about the client or redirect_uri are shown, never redirected (RFC 6749 §4.1.2.1).
    const client = q.client_id ? await server.store.getClient(q.client_id) : undefined;
    if (!client) return html(reply, 400, errorPage('Unknown or missing client_id'));
    if (!q.redirect_uri || !client.redirectUris.some((r) => redirectUriMatches(r, q.redirect_uri))) {
      return html(reply, 400, errorPage('The redirect_uri is missing or not registered for this client'));
    }
    const fail = (error: string, description: string) => redirectWith(reply, q.redirect_uri, { error, error_description: description, state: q.state });
    if (q.response_type !== 'code') return fail('unsupported_response_type', 'response_type must be code');
    if (!q.state) return fail('invalid_request', 'state is required');
    if (q.code_challenge_method !== 'S256') return fail('invalid_request', 'PKCE is required with code_challenge_method=S256');
    if (!q.code_challenge || !CODE_CHALLENGE.test(q.code_challenge)) return fail('invalid_request', 'code_challenge must be a base64url SHA-256 (43 characters)');
    if (q.aud !== server.audience) return fail('invalid_request', `aud must be the FHIR base URL ${server.audience}`);
    const scope = grantScopes(q.scope ?? '', client.scope, ['patient', 'user']);
    if (!scope) return fail('invalid_scope', 'None of the requested scopes can be granted to this client');
    const scopes = new ScopeSet(scope);

    const context: LaunchContext = { smart_style_url: server.urls.style };
    if (q.launch) {
      const launch = await server.store.getLaunch(q.launch);
      if (!launch) return fail('invalid_request', 'The launch parameter is unknown or expired');
      Object.assign(context, launch, { need_patient_banner: launch.need_patient_banner ?? true });
    } else if (scopes.has('launch')) {
      return fail('invalid_request', 'The launch scope needs the launch parameter of an EHR launch');
    } else if (scopes.has('launch/patient')) {
      context.need_patient_banner = true;
    }
    const pending: Pending = {
      client_id: client.clientId,
      client_name: client.name,
      redirect_uri: q.redirect_uri,
      scope,
      state: q.state,
      code_challenge: q.code_challenge,
      context,
      ...(q.nonce ? { nonce: q.nonce } : {}),
    };
    return html(reply, 200, loginPage(server.urls.login, await signPending(server, pending), client.name, scope));
  }

  app.post('/auth/login', async (request, reply) => {
    const form = formOf(request);
    const pending = await verifyPending(server, form.request);
    if (!pending) return html(reply, 400, errorPage('The sign-in request has expired or is not valid: start again from the app'));
    const user = form.username ? await server.store.getUser(form.username) : undefined;
    const ok = user ? await verifySecret(form.password ?? '', user.passwordHash) : false;
    if (!user || !ok) {
      return html(reply, 401, loginPage(server.urls.login, form.request, pending.client_name, pending.scope, 'Wrong user name or password'));
    }
    if (user.fhirUser?.startsWith('Patient/')) {
      // A member acts only as themself: `user/` scopes (all the data the user may see) are not theirs to grant.
      const own = pending.scope.split(' ').filter((s) => parseResourceScope(s)?.context !== 'user');
      if (!own.some((s) => parseResourceScope(s))) {
        return redirectWith(reply, pending.redirect_uri, { error: 'access_denied', error_description: 'A member can only grant patient/ scopes', state: pending.state });
      }
      pending.scope = own.join(' ');
    }
    const scopes = new ScopeSet(pending.scope);
    pending.username = user.username;
    if (user.fhirUser) pending.context.fhirUser = user.fhirUser;
    if (user.organization) pending.context.organization = user.organization;
    if (scopes.has('launch/patient') && !pending.context.patient) {
      // A member signs in as themself; staff pick the patient (standalone launch, context-standalone-patient).
      if (user.fhirUser?.startsWith('Patient/')) {
        pending.context.patient = user.fhirUser.slice('Patient/'.length);
      } else {
        const found = await fhir.repo.search(pickerAccess(pending), { resourceType: 'Patient', criteria: [], count: 100, offset: 0 });
        const patients = found.resources.map((r) => ({ id: r.id, label: patientLabel(r.id, r.json) }));
        return html(reply, 200, patientPickerPage(server.urls.pickPatient, await signPending(server, pending), patients));
      }
    }
    return issueCode(reply, pending);
  });

  app.post('/auth/pick-patient', async (request, reply) => {
    const form = formOf(request);
    const pending = await verifyPending(server, form.request);
    if (!pending?.username) return html(reply, 400, errorPage('The sign-in request has expired or is not valid: start again from the app'));
    // Only a patient the user could see themself (organization tenancy) can be put in context.
    const patient = form.patient ? await fhir.repo.read(pickerAccess(pending), 'Patient', form.patient).catch(() => undefined) : undefined;
    if (!patient || patient.deleted) return html(reply, 400, errorPage('Choose one of the listed patients'));
    pending.context.patient = patient.id;
    return issueCode(reply, pending);
  });

  /** What the signed-in user may see of Patients (the picker lists and accepts only those). */
  function pickerAccess(pending: Pending): AccessContext {
    return accessFromClaims({
      scope: 'user/Patient.rs',
      client_id: pending.client_id,
      sub: pending.username ?? '',
      jti: 'patient-picker',
      exp: 0,
      ...(pending.context.fhirUser ? { fhirUser: pending.context.fhirUser } : {}),
      ...(pending.context.organization ? { org: pending.context.organization } : {}),
    } as AccessTokenClaims);
  }

  async function issueCode(reply: FastifyReply, pending: Pending): Promise<FastifyReply> {
    const code = randomToken();
    await server.store.saveCode(
      tokenHash(code),
      {
        grantId: randomUUID(),
        clientId: pending.client_id,
        redirectUri: pending.redirect_uri,
        scope: pending.scope,
        codeChallenge: pending.code_challenge,
        username: pending.username!,
        context: pending.context,
        nonce: pending.nonce,
      },
      LIFETIME.authorizationCode,
    );
    return redirectWith(reply, pending.redirect_uri, { code, state: pending.state });
  }
}

/** "Family, Given (id)" for the picker; the page is shown only to a signed-in user. */
function patientLabel(id: string, json: string | null): string {
  if (!json) return id;
  const name = (JSON.parse(json) as Patient).name?.[0];
  const text = name?.text ?? [name?.family, name?.given?.join(' ')].filter(Boolean).join(', ');
  return text ? `${text} (${id})` : id;
}
