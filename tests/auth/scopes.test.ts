import { describe, expect, it } from 'vitest';
import { grantScopes, narrowScopes, redirectUriMatches } from '../../src/auth/grant.ts';
import { parseResourceScope, ScopeSet, scopeCovers } from '../../src/auth/scopes.ts';
import { bundleRequirements, requirementsFor } from '../../src/auth/required-scopes.ts';

describe('SMART scopes', () => {
  it('parses v1 scopes into v2 permissions', () => {
    expect([...parseResourceScope('patient/*.read')!.permissions].sort()).toEqual(['r', 's']);
    expect([...parseResourceScope('user/Task.write')!.permissions].sort()).toEqual(['c', 'd', 'u']);
    const star = parseResourceScope('*.*')!;
    expect(star.context).toBe('user');
    expect([...star.permissions].sort()).toEqual(['c', 'd', 'r', 's', 'u']);
  });

  it('parses v2 scopes with constraints and rejects malformed ones', () => {
    const s = parseResourceScope('patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory')!;
    expect(s.context).toBe('patient');
    expect(s.resourceType).toBe('Observation');
    expect(s.constraints).toEqual([['category', 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory']]);
    expect(parseResourceScope('system/Group.rs')!.context).toBe('system');
    expect(parseResourceScope('user/*.cruds')!.permissions.size).toBe(5);
    for (const bad of ['patient/Task.sr', 'patient/Task.xyz', 'patient/Task.', 'admin/Task.rs', 'patient/*.read?x=1', 'openid']) {
      expect(parseResourceScope(bad), bad).toBeUndefined();
    }
  });

  it('allows interactions per type and reports constraints', () => {
    const scopes = new ScopeSet('openid patient/Task.rs patient/Observation.rs?category=laboratory user/Patient.r');
    expect(scopes.allows('r', 'Task')).toBe(true);
    expect(scopes.allows('s', 'Task')).toBe(true);
    expect(scopes.allows('c', 'Task')).toBe(false);
    expect(scopes.allows('s', 'Patient')).toBe(false);
    expect(scopes.allows('r', 'Condition')).toBe(false);
    expect(scopes.constraints('s', 'Task')).toBeUndefined();
    expect(scopes.constraints('s', 'Observation')).toEqual([[['category', 'laboratory']]]);
    expect(new ScopeSet('patient/*.cruds').allows('d', 'Anything')).toBe(true);
  });

  it('grants only what the client may have and what the grant type allows', () => {
    const registered = 'openid fhirUser launch/patient patient/*.rs user/Task.cruds';
    expect(grantScopes('openid patient/Observation.rs user/Task.ru offline_access', registered, ['patient', 'user'])).toBe('openid patient/Observation.rs user/Task.ru');
    expect(grantScopes('patient/Observation.cruds', registered, ['patient', 'user'])).toBeUndefined();
    expect(grantScopes('system/*.rs', 'system/*.rs', ['patient', 'user'])).toBeUndefined();
    expect(grantScopes('system/Group.rs openid', 'system/*.rs openid', ['system'])).toBe('system/Group.rs');
    expect(scopeCovers('patient/Observation.rs?category=lab', 'patient/Observation.rs')).toBe(false);
    expect(scopeCovers('patient/Observation.rs', 'patient/Observation.rs?category=lab')).toBe(true);
  });

  it('narrows on refresh but never widens', () => {
    expect(narrowScopes('patient/Task.r', 'patient/*.rs offline_access')).toBe('patient/Task.r');
    expect(narrowScopes('patient/Task.rs user/Task.rs', 'patient/*.rs offline_access')).toBeUndefined();
    expect(narrowScopes('patient/Task.cr', 'patient/*.rs')).toBeUndefined();
  });

  it('matches redirect URIs exactly, loopback ports aside (RFC 8252 §7.3)', () => {
    expect(redirectUriMatches('https://app.example.org/cb', 'https://app.example.org/cb')).toBe(true);
    expect(redirectUriMatches('https://app.example.org/cb', 'https://app.example.org/cb/')).toBe(false);
    expect(redirectUriMatches('https://app.example.org/cb', 'https://app.example.org/cb?x=1')).toBe(false);
    expect(redirectUriMatches('http://localhost:*/index.html', 'http://localhost:9000/index.html')).toBe(true);
    expect(redirectUriMatches('http://localhost:*/index.html', 'http://localhost:9000/other.html')).toBe(false);
    expect(redirectUriMatches('http://localhost:*/index.html', 'http://evil.example/index.html')).toBe(false);
    expect(redirectUriMatches('http://localhost:*/', 'http://localhost.evil.example:80/')).toBe(false);
  });
});

describe('interactions needed by a request', () => {
  it('maps REST interactions to SMART v2 permissions', () => {
    expect(requirementsFor('GET', ['Patient', '1'], [])).toEqual([{ interaction: 'r', resourceType: 'Patient' }]);
    expect(requirementsFor('GET', ['Patient'], [])).toEqual([{ interaction: 's', resourceType: 'Patient' }]);
    expect(requirementsFor('POST', ['Patient', '_search'], [])).toEqual([{ interaction: 's', resourceType: 'Patient' }]);
    expect(requirementsFor('POST', ['Task'], [])).toEqual([{ interaction: 'c', resourceType: 'Task' }]);
    expect(requirementsFor('PUT', ['Task', '1'], [])).toEqual([{ interaction: 'u', resourceType: 'Task' }]);
    expect(requirementsFor('DELETE', ['Task', '1'], [])).toEqual([{ interaction: 'd', resourceType: 'Task' }]);
    expect(requirementsFor('GET', ['Task', '1', '_history', '2'], [])).toEqual([{ interaction: 'r', resourceType: 'Task' }]);
    expect(requirementsFor('GET', ['_history'], [])).toEqual([{ interaction: 's', resourceType: '*' }]);
    expect(requirementsFor('GET', [], [['_type', 'Patient,Task']])).toEqual([
      { interaction: 's', resourceType: 'Patient' },
      { interaction: 's', resourceType: 'Task' },
    ]);
    expect(
      bundleRequirements({ entry: [{ request: { method: 'POST', url: 'Task' } }, { request: { method: 'GET', url: 'Patient?name=x' } }] }),
    ).toEqual([
      { interaction: 'c', resourceType: 'Task' },
      { interaction: 's', resourceType: 'Patient' },
    ]);
  });
});

describe('which paths need a token', () => {
  it('keeps metadata, discovery, health, /auth and /ig public, everything else under the base protected', async () => {
    const { isProtectedPath } = await import('../../src/http/auth-hook.ts');
    for (const p of ['/fhir/metadata', '/fhir/metadata/', '/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration', '/.well-known/jwks.json', '/health', '/auth/token', '/ig', '/ig/index.html']) {
      expect(isProtectedPath(p, '/fhir'), p).toBe(false);
    }
    for (const p of ['/fhir', '/fhir/', '/fhir/Patient', '/fhir/Patient/1', '/fhir/_history', '/fhir/.well-known/../Patient/1', '/fhir/.well-known/%2e%2e/Patient/1', '/fhir/metadata/../Patient']) {
      expect(isProtectedPath(p, '/fhir'), p).toBe(true);
    }
    expect(isProtectedPath('/Patient/1', '')).toBe(true);
    expect(isProtectedPath('/auth/../Patient/1', '')).toBe(true);
    expect(isProtectedPath('/other', '/fhir')).toBe(false);
  });
});

describe('patient compartment', () => {
  it('names the parameters linking each type to the patient (R4 CompartmentDefinition)', async () => {
    const { patientCompartmentParams } = await import('../../src/auth/patient-compartment.ts');
    expect(patientCompartmentParams('Observation')).toEqual(['subject', 'performer']);
    expect(patientCompartmentParams('Patient')).toEqual(['link']);
    expect(patientCompartmentParams('Task')).toEqual(['patient', 'focus']);
    expect(patientCompartmentParams('Organization')).toBeUndefined();
  });
});
