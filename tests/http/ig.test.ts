import { readdirSync, readFileSync } from 'node:fs';
import type { CodeSystem, ConceptMap, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conformance } from '../../src/conformance/conformance.ts';
import { IG_DIR, igRoutes } from '../../src/http/ig-routes.ts';
import { useFhirServer } from '../support/fhir-client.ts';

const B = 'https://ecm-fhir.example.org/fhir';

const memberProfile: StructureDefinition = {
  resourceType: 'StructureDefinition',
  id: 'ecm-member',
  url: `${B}/StructureDefinition/ecm-member`,
  name: 'EcmMember',
  title: 'ECM Member',
  status: 'active',
  kind: 'resource',
  abstract: false,
  type: 'Patient',
  baseDefinition: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient',
  derivation: 'constraint',
  description: 'A Medi-Cal member in ECM. Carries the **CIN**. <script>alert(1)</script>',
  differential: {
    element: [
      { id: 'Patient', path: 'Patient', constraint: [{ key: 'ecm-mem-1', severity: 'error', human: 'A CIN is required', expression: "identifier.where(system = 'x').exists()" }] },
      {
        id: 'Patient.identifier',
        path: 'Patient.identifier',
        slicing: { discriminator: [{ type: 'value', path: 'system' }], rules: 'open' },
        min: 1,
      },
      { id: 'Patient.identifier:cin', path: 'Patient.identifier', sliceName: 'cin', min: 1, max: '1', mustSupport: true, short: 'Medi-Cal CIN' },
      { id: 'Patient.identifier:cin.system', path: 'Patient.identifier.system', min: 1, fixedUri: 'https://ecm-fhir.example.org/sid/medi-cal-cin' },
      { id: 'Patient.generalPractitioner', path: 'Patient.generalPractitioner', type: [{ code: 'Reference', targetProfile: [`${B}/StructureDefinition/ecm-provider`] }] },
      { id: 'Patient.extension:pof', path: 'Patient.extension', sliceName: 'pof', type: [{ code: 'Extension', profile: [`${B}/StructureDefinition/ext-contracted-pof`] }] },
      {
        id: 'Patient.communication.language',
        path: 'Patient.communication.language',
        binding: { strength: 'extensible', valueSet: `${B}/ValueSet/ecm-population-of-focus` },
      },
    ],
  },
};
const providerProfile: StructureDefinition = {
  resourceType: 'StructureDefinition',
  id: 'ecm-provider',
  url: `${B}/StructureDefinition/ecm-provider`,
  name: 'EcmProvider',
  status: 'active',
  kind: 'resource',
  abstract: false,
  type: 'Organization',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Organization',
  derivation: 'constraint',
  differential: { element: [{ id: 'Organization', path: 'Organization' }] },
};
const pofExtension: StructureDefinition = {
  resourceType: 'StructureDefinition',
  id: 'ext-contracted-pof',
  url: `${B}/StructureDefinition/ext-contracted-pof`,
  name: 'ContractedPof',
  status: 'active',
  kind: 'complex-type',
  abstract: false,
  type: 'Extension',
  context: [{ type: 'element', expression: 'HealthcareService' }],
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Extension',
  derivation: 'constraint',
};
const pofCodes: CodeSystem = {
  resourceType: 'CodeSystem',
  id: 'ecm-population-of-focus',
  url: `${B}/CodeSystem/ecm-population-of-focus`,
  name: 'EcmPopulationOfFocus',
  title: 'ECM Populations of Focus',
  status: 'active',
  content: 'complete',
  concept: [
    { code: 'homelessness', display: 'Experiencing homelessness', definition: 'ELIG-A-HOMELESS, ELIG-FAM-HOMELESS' },
    { code: 'avoidable-utilization', display: 'At risk for avoidable hospital or ED use', concept: [{ code: 'avoidable-ed', display: 'Avoidable ED <visits>' }] },
  ],
};
const pofValueSet: ValueSet = {
  resourceType: 'ValueSet',
  id: 'ecm-population-of-focus',
  url: `${B}/ValueSet/ecm-population-of-focus`,
  name: 'EcmPopulationOfFocus',
  status: 'active',
  compose: { include: [{ system: `${B}/CodeSystem/ecm-population-of-focus` }], exclude: [{ system: `${B}/CodeSystem/ecm-population-of-focus`, concept: [{ code: 'avoidable-ed' }] }] },
};
const kpMap: ConceptMap = {
  resourceType: 'ConceptMap',
  id: 'pof-kp',
  url: `${B}/ConceptMap/pof-kp`,
  name: 'PofKp',
  status: 'active',
  targetUri: `${B}/ValueSet/ecm-population-of-focus`,
  group: [{ source: 'urn:kp:pof', target: `${B}/CodeSystem/ecm-population-of-focus`, element: [{ code: '1', display: 'KP POF 1', target: [{ code: 'homelessness', equivalence: 'equivalent' }] }] }],
};

function testConformance(): Conformance {
  return new Conformance([memberProfile, providerProfile, pofExtension, pofCodes, pofValueSet, kpMap]);
}

/** The /ig plugin alone, on a Conformance built here (the shipped profiles/ may still be growing). */
function useIgApp() {
  let app: FastifyInstance | undefined;
  beforeAll(async () => {
    app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    await app.register(igRoutes, { conformance: testConformance() });
    await app.ready();
  });
  afterAll(() => app?.close());
  return async (url: string) => {
    if (!app) throw new Error('not started');
    return app.inject({ method: 'GET', url });
  };
}

const get = useIgApp();

describe('/ig Markdown pages', () => {
  it('renders index.md at /ig and /ig/ as UTF-8 HTML with links to the served pages', async () => {
    for (const url of ['/ig', '/ig/']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toMatch(/^<!DOCTYPE html>/);
      expect(res.body).toContain('<h1 id="ecm-fhir-implementation-guide">');
      expect(res.body).toContain('href="/ig/rest-api"');
      expect(res.body).toContain('href="/ig/referral-loop"');
      expect(res.body).not.toContain('.md"');
    }
  });

  it('renders a workflow page with its Mermaid sequence diagram as a mermaid element and loads Mermaid', async () => {
    const res = await get('/ig/referral-loop');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<title>6. The closed referral loop · ECM FHIR Implementation Guide</title>');
    expect(res.body).toMatch(/<pre class="mermaid">sequenceDiagram/);
    expect(res.body).toContain('mermaid.esm.min.mjs');
    expect(res.body).not.toContain('language-mermaid');
    const plain = await get('/ig/rest-api');
    expect(plain.statusCode).toBe(200);
    expect(plain.body).not.toContain('mermaid.esm.min.mjs');
  });

  it('gives headings GitHub anchors so page.md#section links land', async () => {
    const res = await get('/ig/rest-api');
    expect(res.body).toMatch(/<h2 id="batch-and-transaction">/);
  });

  it('redirects a GitHub-style /ig/<page>.md to the served page', async () => {
    const res = await get('/ig/rest-api.md');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/ig/rest-api');
  });

  it('answers an unknown page with a 404 HTML page', async () => {
    for (const url of ['/ig/no-such-page', '/ig/profiles/no-such-profile', '/ig/terminology/no-such-code-system', '/ig/rest-api/extra', '/ig/profiles/ecm-member/x']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('Page not found');
    }
  });
});

describe('/ig/profiles generated from the Conformance store', () => {
  it('lists every profile and extension with links to their pages', async () => {
    const res = await get('/ig/profiles');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('href="/ig/profiles/ecm-member"');
    expect(res.body).toContain('href="/ig/profiles/ecm-provider"');
    expect(res.body).toMatch(/<h2 id="extensions">Extensions<\/h2>\n<table>.*ext-contracted-pof/s);
    expect(res.body).toContain('ECM Member');
  });

  it('renders a profile’s description and its differential as an element table', async () => {
    const res = await get('/ig/profiles/ecm-member');
    expect(res.statusCode).toBe(200);
    const body = res.body;
    expect(body).toContain('<strong>CIN</strong>');
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('&lt;script&gt;');
    expect(body).toMatch(/<td class="path">Patient.identifier:cin<\/td><td>1..1 <strong title="must support">S<\/strong><\/td>/);
    expect(body).toMatch(/<td class="path">Patient.identifier<\/td><td>1..<\/td>/);
    expect(body).toContain('fixed: <code>&quot;https://ecm-fhir.example.org/sid/medi-cal-cin&quot;</code>');
    expect(body).toContain('sliced by <code>value:system</code> (open)');
    expect(body).toContain('Reference(<a href="/ig/profiles/ecm-provider">ecm-provider</a>)');
    expect(body).toContain('Extension(<a href="/ig/profiles/ext-contracted-pof">ext-contracted-pof</a>)');
    expect(body).toContain('<em>extensible</em> <a href="/ig/terminology/ecm-population-of-focus">ecm-population-of-focus</a>');
    expect(body).toContain('<strong>ecm-mem-1</strong> (error): A CIN is required');
    expect(body).toContain('<strong>Medi-Cal CIN</strong>');
    expect(body).toContain('us-core-patient');
  });

  it('shows an extension’s context', async () => {
    const res = await get('/ig/profiles/ext-contracted-pof');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<code>HealthcareService</code>');
  });
});

describe('/ig/terminology generated from the Conformance store', () => {
  it('lists code systems, value sets and concept maps', async () => {
    const res = await get('/ig/terminology');
    expect(res.statusCode).toBe(200);
    expect(res.body.match(/href="\/ig\/terminology\/ecm-population-of-focus"/g)).toHaveLength(2);
    expect(res.body).toContain('href="/ig/terminology/pof-kp"');
  });

  it('renders every concept of a CodeSystem (nested too) and the ValueSet compose sharing its id', async () => {
    const res = await get('/ig/terminology/ecm-population-of-focus');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<td class="path">homelessness</td><td>Experiencing homelessness</td><td>ELIG-A-HOMELESS, ELIG-FAM-HOMELESS</td>');
    expect(res.body).toMatch(/↳ <\/span>avoidable-ed<\/td><td>Avoidable ED &lt;visits&gt;<\/td>/);
    expect(res.body).toMatch(/Includes every code of <a href="\/ig\/terminology\/ecm-population-of-focus">/);
    expect(res.body).toMatch(/Excludes these codes from .*<td class="path">avoidable-ed<\/td>/s);
  });

  it('renders a ConceptMap’s mappings', async () => {
    const res = await get('/ig/terminology/pof-kp');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('<td class="path">1</td><td>KP POF 1</td><td>equivalent</td><td class="path">homelessness</td>');
  });
});

describe('/ig in the server (authorization on)', () => {
  const { app, fhir } = useFhirServer({ authDisabled: false });
  const packageJson = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');

  it('is served by buildApp, without a token, from the shipped pages and profiles', async () => {
    const pages = readdirSync(IG_DIR).filter((f) => f.endsWith('.md') && f !== 'index.md').map((f) => `/ig/${f.slice(0, -3)}`);
    for (const url of ['/ig', ...pages, '/ig/profiles', '/ig/terminology']) {
      const res = await app().inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    }
    expect((await fhir.get('/Patient')).status).toBe(401);
  });

  it('never serves a file outside the guide, however the path is encoded', async () => {
    const attempts = [
      '/ig/../package.json',
      '/ig/..%2fpackage.json',
      '/ig/%2e%2e/package.json',
      '/ig/%2e%2e%2fpackage.json',
      '/ig/%2E%2E%2Fpackage.json',
      '/ig/..%5cpackage.json',
      '/ig/%252e%252e%252fpackage.json',
      '/ig/....//package.json',
      '/ig/profiles/..%2f..%2fpackage.json',
      '/ig/terminology/%2e%2e%2f%2e%2e%2fpackage',
      '/ig/..%2fpackage',
      '/ig/..%2f..%2fpackage',
      '/ig/%2e%2e%2fREADME',
      '/ig/..%2fsrc%2fhttp%2fapp.ts',
      '/ig/rest-api%00.md',
      '/ig//etc/passwd',
    ];
    for (const url of attempts) {
      const res = await app().inject({ method: 'GET', url });
      expect([400, 404], url).toContain(res.statusCode);
      expect(res.body, url).not.toContain('"name": "ecm-fhir-server"');
      expect(res.body, url).not.toContain(packageJson.slice(0, 40));
      expect(res.body, url).not.toContain('root:');
    }
  });
});
