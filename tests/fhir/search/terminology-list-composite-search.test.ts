import { randomUUID } from 'node:crypto';
import type { ValueSet } from '@medplum/fhirtypes';
import type { FastifyInstance } from 'fastify';
import { importJWK, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Conformance } from '../../../src/conformance/conformance.ts';
import { FhirError } from '../../../src/fhir/outcome.ts';
import { parseSearch } from '../../../src/fhir/search/parse-search.ts';
import { coreSearchParameters } from '../../../src/fhir/search/search-parameters.ts';
import { MAX_VALUE_SET_CODES } from '../../../src/fhir/search/value-set-criterion.ts';
import { Terminology } from '../../../src/fhir/terminology/terminology.ts';
import { useFhirServer, type TestResponse } from '../../support/fhir-client.ts';
import { BASE_URL } from '../../support/test-app.ts';
import { fhirRequest, startAuthApp, store } from '../../auth/support.ts';

const { fhir } = useFhirServer();

const ids = (res: TestResponse) => {
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(200);
  return ((res.body.entry ?? []) as { resource?: { id: string }; search?: { mode: string } }[])
    .filter((e) => e.search?.mode === 'match')
    .map((e) => e.resource?.id)
    .sort();
};
/** A 400 OperationOutcome whose issue names the parameter and whose diagnostics match `text`. */
const expect400 = (res: TestResponse, param: string, text: RegExp, code = 'invalid') => {
  expect(res.status, res.text).toBe(400);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].code).toBe(code);
  expect(res.body.issue[0].expression).toEqual([param]);
  expect(res.body.issue[0].diagnostics).toMatch(text);
};

const POF = 'https://ecm-fhir.example.org/fhir/CodeSystem/ecm-population-of-focus';
const POF_VS = 'https://ecm-fhir.example.org/fhir/ValueSet/ecm-population-of-focus';
const TASK_STATUS_VS = 'https://ecm-fhir.example.org/fhir/ValueSet/ecm-referral-task-status';
const CATEGORY_VS = 'http://hl7.org/fhir/ValueSet/observation-category';
const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const SNOMED = 'http://snomed.info/sct';
const q = encodeURIComponent;

const condition = (id: string, coding?: { system: string; code: string }[]) => ({
  resourceType: 'Condition', id, subject: { reference: 'Patient/m-1' }, ...(coding ? { code: { coding } } : {}),
});
const task = (id: string, status: string) => ({ resourceType: 'Task', id, status, intent: 'order', for: { reference: 'Patient/m-1' } });
const observation = (id: string, code: string, value: object, extra: object = {}) => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code }] }, subject: { reference: 'Patient/m-1' }, ...value, ...extra,
});
const mmHg = (value: number) => ({ valueQuantity: { value, system: UCUM, code: 'mm[Hg]', unit: 'mmHg' } });
const vitalSigns = { category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }] };

beforeAll(async () => {
  for (const r of [
    { resourceType: 'Patient', id: 'm-1', gender: 'female' },
    { resourceType: 'Patient', id: 'm-2', gender: 'male' },
    { resourceType: 'Patient', id: 'm-3', gender: 'female' },
    condition('c-homeless', [{ system: POF, code: 'homelessness' }]),
    condition('c-birth', [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'Z33.1' }, { system: POF, code: 'birth-equity' }]),
    condition('c-other-system', [{ system: 'http://example.org/not-pof', code: 'homelessness' }]),
    condition('c-icd', [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'F10.20' }]),
    condition('c-no-code'),
    task('t-requested', 'requested'),
    task('t-ready', 'ready'),
    task('t-completed', 'completed'),
    observation('bp-high', '8480-6', mmHg(150), vitalSigns),
    observation('bp-normal', '8480-6', mmHg(115)),
    observation('hr-fast', '8867-4', { valueQuantity: { value: 130, system: UCUM, code: '/min', unit: 'beats/min' } }, vitalSigns),
    // a panel: the systolic value sits in a component, not in Observation.value
    observation('bp-panel', '85354-9', {}, {
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 160, system: UCUM, code: 'mm[Hg]' } },
        { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 95, system: UCUM, code: 'mm[Hg]' } },
      ],
    }),
    observation('smoker', '72166-2', { valueCodeableConcept: { coding: [{ system: SNOMED, code: '449868002' }] } }),
    observation('never-smoker', '72166-2', { valueCodeableConcept: { coding: [{ system: SNOMED, code: '266919005' }] } }),
    observation('lmp', '8665-2', { valueDateTime: '2026-03-10' }),
    observation('culture', '600-7', { valueString: 'Positive for E. coli' }),
    observation('culture-neg', '600-7', { valueString: 'No growth' }),
    { resourceType: 'List', id: 'outreach', status: 'current', mode: 'working',
      entry: [{ item: { reference: 'Patient/m-1' } }, { item: { reference: `${BASE_URL}/Patient/m-2` } }, { item: { reference: 'Observation/bp-high' } }, { item: { reference: 'Patient/ghost' } }] },
    { resourceType: 'List', id: 'deleted-list', status: 'current', mode: 'working', entry: [{ item: { reference: 'Patient/m-3' } }] },
    { resourceType: 'List', id: 'empty-list', status: 'current', mode: 'working' },
  ]) {
    const res = await fhir.put(`/${r.resourceType}/${r.id}`, r);
    expect(res.status, res.text).toBeLessThan(300);
  }
  expect((await fhir.delete('/List/deleted-list')).status).toBeLessThan(300);
});

describe('token :in / :not-in (search.html#token)', () => {
  it(':in matches a (system, code) of one of our ValueSets from profiles/, never the same code in another system', async () => {
    expect(ids(await fhir.get(`/Condition?code:in=${q(POF_VS)}`))).toEqual(['c-birth', 'c-homeless']);
  });
  it(':not-in = no coding in the expansion, including resources without the element (like :not)', async () => {
    expect(ids(await fhir.get(`/Condition?code:not-in=${q(POF_VS)}`))).toEqual(['c-icd', 'c-no-code', 'c-other-system']);
  });
  it('matches a FHIR code element (stored without a system) on its code: ECM referral Task statuses', async () => {
    // the value set is task-status without received and ready
    expect(ids(await fhir.get(`/Task?status:in=${q(TASK_STATUS_VS)}`))).toEqual(['t-completed', 't-requested']);
    expect(ids(await fhir.get(`/Task?status:not-in=${q(TASK_STATUS_VS)}`))).toEqual(['t-ready']);
  });
  it('expands R4 core ValueSets, with or without their |version, and combines with other parameters', async () => {
    expect(ids(await fhir.get(`/Observation?category:in=${q(CATEGORY_VS)}`))).toEqual(['bp-high', 'hr-fast']);
    expect(ids(await fhir.get(`/Observation?category:in=${q(`${CATEGORY_VS}|4.0.1`)}&code=8480-6`))).toEqual(['bp-high']);
    expect(ids(await fhir.get(`/Patient?gender:in=${q('http://hl7.org/fhir/ValueSet/administrative-gender')}&gender=male`))).toEqual(['m-2']);
  });
  it('comma-separated ValueSets are OR-ed; repeated parameters AND-ed', async () => {
    expect(ids(await fhir.get(`/Condition?code:in=${q(POF_VS)},${q(CATEGORY_VS)}`))).toEqual(['c-birth', 'c-homeless']);
    expect(ids(await fhir.get(`/Condition?code:in=${q(POF_VS)}&code:in=${q(CATEGORY_VS)}`))).toEqual([]);
  });
  it('an unknown ValueSet, or a known one in another version, is a 400 naming the parameter and the URL, in lenient mode too', async () => {
    const unknown = 'http://example.org/fhir/ValueSet/nope';
    expect400(await fhir.get(`/Condition?code:in=${q(unknown)}`), 'code:in', new RegExp(`ValueSet ${unknown} is not known`));
    expect400(await fhir.get(`/Condition?code:not-in=${q(`${POF_VS}|9.9.9`)}`), 'code:not-in', /ecm-population-of-focus\|9\.9\.9 is not known/);
    expect400(await fhir.get(`/Condition?code:in=${q("x' OR '1'='1")}`), 'code:in', /is not known/);
  });
  it('a ValueSet the server cannot expand (ICD-10 is-a filters: a code system it does not hold) is a 400', async () => {
    const sud = 'https://ecm-fhir.example.org/fhir/ValueSet/ecm-evidence-sud';
    expect400(await fhir.get(`/Condition?code:in=${q(sud)}`), 'code:in', new RegExp(`ValueSet ${sud} cannot be expanded`));
  });
  it('a ValueSet expanding to more than the limit is a 400 (parser, with a ValueSet of 10,001 codes)', () => {
    const url = 'http://example.org/fhir/ValueSet/huge';
    const huge: ValueSet = {
      resourceType: 'ValueSet', url, status: 'active',
      compose: { include: [{ system: 'http://example.org/cs', concept: Array.from({ length: MAX_VALUE_SET_CODES + 1 }, (_, i) => ({ code: `c${i}` })) }] },
    };
    const terminology = new Terminology(new Conformance([huge]));
    const parse = () => parseSearch(coreSearchParameters(), 'Condition', [['code:in', url]], { strict: false, baseUrl: BASE_URL, defaultCount: 20, maxCount: 100, terminology });
    expect(parse).toThrow(FhirError);
    expect(parse).toThrow(/expands to more than 10000 codes/);
  });
});

describe('token :in / :not-in with ValueSets and CodeSystems stored through the API', () => {
  const LOCAL_CS = 'http://example.org/fhir/CodeSystem/local-needs';
  const LOCAL_VS = 'http://example.org/fhir/ValueSet/local-needs';
  const HOUSING_VS = 'http://example.org/fhir/ValueSet/housing-needs';
  beforeAll(async () => {
    for (const r of [
      { resourceType: 'CodeSystem', id: 'local-needs', url: LOCAL_CS, status: 'active', content: 'complete', concept: [
        { code: 'housing', concept: [{ code: 'eviction' }] }, { code: 'food' },
      ] },
      // imports a second stored ValueSet (is-a over the stored CodeSystem) and adds a POF code
      { resourceType: 'ValueSet', id: 'housing-needs', url: HOUSING_VS, status: 'active', compose: { include: [{ system: LOCAL_CS, filter: [{ property: 'concept', op: 'is-a', value: 'housing' }] }] } },
      { resourceType: 'ValueSet', id: 'local-needs', url: LOCAL_VS, version: '2', status: 'active', compose: { include: [{ valueSet: [HOUSING_VS] }, { system: POF, concept: [{ code: 'homelessness' }] }] } },
      condition('c-eviction', [{ system: LOCAL_CS, code: 'eviction' }]),
      condition('c-food', [{ system: LOCAL_CS, code: 'food' }]),
    ]) expect((await fhir.put(`/${r.resourceType}/${r.id}`, r)).status).toBeLessThan(300);
  });
  it(':in expands a stored ValueSet, the stored ValueSets it imports and the stored CodeSystems they draw on', async () => {
    expect(ids(await fhir.get(`/Condition?code:in=${q(LOCAL_VS)}`))).toEqual(['c-eviction', 'c-homeless']);
    expect(ids(await fhir.get(`/Condition?code:in=${q(`${LOCAL_VS}|2`)}`))).toEqual(['c-eviction', 'c-homeless']);
    expect(ids(await fhir.get(`/Condition?code:in=${q(HOUSING_VS)},${q(POF_VS)}`))).toEqual(['c-birth', 'c-eviction', 'c-homeless']);
    const posted = await fhir.post('/Condition/_search', `code:not-in=${q(LOCAL_VS)}&subject=Patient/m-1`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(ids(posted)).toEqual(['c-birth', 'c-food', 'c-icd', 'c-no-code', 'c-other-system']);
  });
  it('ValueSet/$expand and $validate-code answer for a stored ValueSet by url, with its stored CodeSystem', async () => {
    const expanded = await fhir.get(`/ValueSet/$expand?url=${q(LOCAL_VS)}`);
    expect(expanded.status, expanded.text).toBe(200);
    const codes = (expanded.body.expansion.contains as { code: string }[]).map((c) => c.code).sort();
    expect(codes).toEqual(['eviction', 'homelessness', 'housing']);
    const checked = await fhir.get(`/ValueSet/$validate-code?url=${q(LOCAL_VS)}&system=${q(LOCAL_CS)}&code=food`);
    expect(checked.body.parameter.find((p: { name: string }) => p.name === 'result').valueBoolean).toBe(false);
  });
  it('another version, or a stored ValueSet once deleted, is a 400 like any unknown ValueSet', async () => {
    expect400(await fhir.get(`/Condition?code:in=${q(`${LOCAL_VS}|1`)}`), 'code:in', /local-needs\|1 is not known/);
    expect((await fhir.delete('/ValueSet/housing-needs')).status).toBe(200);
    expect400(await fhir.get(`/Condition?code:in=${q(HOUSING_VS)}`), 'code:in', /housing-needs is not known/);
    // the importing ValueSet can no longer be expanded in full
    expect400(await fhir.get(`/Condition?code:in=${q(LOCAL_VS)}`), 'code:in', /cannot be expanded/);
  });
});

describe('_list (search.html#list)', () => {
  it('returns the resources of the searched type the List refers to through entry.item', async () => {
    expect(ids(await fhir.get('/Patient?_list=outreach'))).toEqual(['m-1', 'm-2']); // not m-3, not the missing ghost
    expect(ids(await fhir.get('/Observation?_list=outreach'))).toEqual(['bp-high']);
    expect(ids(await fhir.get('/Patient?_list=outreach&gender=female'))).toEqual(['m-1']);
    expect(ids(await fhir.get('/?_type=Patient,Observation&_list=outreach'))).toEqual(['bp-high', 'm-1', 'm-2']);
  });
  it('chains to _list: resources whose reference points at a member of the List', async () => {
    // the Tasks are for m-1 (in the List); the Patient itself is not a Task, so no Task is listed directly
    expect(ids(await fhir.get('/Task?patient._list=outreach'))).toEqual(['t-completed', 't-ready', 't-requested']);
    expect(ids(await fhir.get('/Task?patient._list=empty-list'))).toEqual([]);
    expect(ids(await fhir.get('/Patient?_has:Task:patient:_list=outreach'))).toEqual([]);
  });
  it('an unknown, empty or deleted List gives an empty result', async () => {
    expect(ids(await fhir.get('/Patient?_list=no-such-list'))).toEqual([]);
    expect(ids(await fhir.get('/Patient?_list=empty-list'))).toEqual([]);
    expect(ids(await fhir.get('/Patient?_list=deleted-list'))).toEqual([]);
    expect(ids(await fhir.get(`/Patient?_list=${q("outreach' OR '1'='1")}`))).toEqual([]);
  });
  it('functional lists ($current-problems) are a 400; modifiers are unknown', async () => {
    expect400(await fhir.get(`/Condition?_list=${q('$current-problems')}`), '_list', /functional lists are not supported/, 'not-supported');
    expect((await fhir.get('/Patient?_list:missing=true', { prefer: 'handling=strict' })).status).toBe(400);
  });
});

describe('_list under a patient-scoped token', () => {
  let app: FastifyInstance;
  let close: () => Promise<void>;
  let token: string;
  beforeAll(async () => {
    ({ app, close } = await startAuthApp());
    await store(
      app,
      { resourceType: 'Patient', id: 'acc-a' },
      { resourceType: 'Patient', id: 'acc-b' },
      { resourceType: 'List', id: 'list-of-a', status: 'current', mode: 'working', subject: { reference: 'Patient/acc-a' }, entry: [{ item: { reference: 'Patient/acc-a' } }, { item: { reference: 'Patient/acc-b' } }] },
      { resourceType: 'List', id: 'list-of-b', status: 'current', mode: 'working', subject: { reference: 'Patient/acc-b' }, entry: [{ item: { reference: 'Patient/acc-a' } }] },
    );
    // a token as the server would issue it for patient acc-a (signed with the server's own key)
    const row = (await app.database.query<{ kid: string; private_jwk: JWK }>('SELECT kid, private_jwk FROM auth_signing_key')).rows[0];
    const now = Math.floor(Date.now() / 1000);
    token = await new SignJWT({ iss: BASE_URL, aud: BASE_URL, sub: 'test', client_id: 'demo-app', scope: 'patient/*.rs', patient: 'acc-a', jti: randomUUID(), iat: now, exp: now + 600 })
      .setProtectedHeader({ alg: 'RS256', kid: row.kid, typ: 'at+jwt' })
      .sign(await importJWK(row.private_jwk, 'RS256'));
  });
  afterAll(() => close());

  it('a List the caller may not read selects nothing, so it cannot tell what that List names', async () => {
    const search = async (query: string) => ids(await fhirRequest(app, 'GET', `/Patient?${query}`, token));
    expect(await search('_id=acc-a')).toEqual(['acc-a']); // the patient itself is readable
    expect(await search('_list=list-of-a')).toEqual(['acc-a']); // acc-b is outside the compartment
    expect(await search('_list=list-of-b')).toEqual([]); // list-of-b is acc-b's List
  });
});

describe('composite parameters (search.html#composite)', () => {
  it('code-value-quantity: both components on the same Observation, never the code of one and a value elsewhere', async () => {
    expect(ids(await fhir.get(`/Observation?code-value-quantity=${q(`${LOINC}|8480-6$gt140`)}`))).toEqual(['bp-high']);
    // hr-fast has a value over 140 but another code; bp-panel has 8480-6 160 only inside a component
    expect(ids(await fhir.get(`/Observation?code-value-quantity=${q('8480-6$gt100')}`))).toEqual(['bp-high', 'bp-normal']);
    expect(ids(await fhir.get(`/Observation?code-value-quantity=${q(`8480-6$115|${UCUM}|mm[Hg]`)}`))).toEqual(['bp-normal']);
  });
  it('comma = OR of whole pairs, repeated parameter = AND', async () => {
    expect(ids(await fhir.get(`/Observation?code-value-quantity=${q('8480-6$gt140,8867-4$gt100')}`))).toEqual(['bp-high', 'hr-fast']);
    expect(ids(await fhir.get(`/Observation?code-value-quantity=${q('8480-6$gt100')}&code-value-quantity=${q('8480-6$lt120')}`))).toEqual(['bp-normal']);
  });
  it('code-value-concept, code-value-date and code-value-string use their component types', async () => {
    expect(ids(await fhir.get(`/Observation?code-value-concept=${q(`${LOINC}|72166-2$${SNOMED}|449868002`)}`))).toEqual(['smoker']);
    expect(ids(await fhir.get(`/Observation?code-value-date=${q('8665-2$ge2026-03')}`))).toEqual(['lmp']);
    expect(ids(await fhir.get(`/Observation?code-value-date=${q('8665-2$lt2026-03')}`))).toEqual([]);
    expect(ids(await fhir.get(`/Observation?code-value-string=${q('600-7$positive')}`))).toEqual(['culture']);
  });
  it('an escaped \\$ is part of the value, not a separator', async () => {
    expect(ids(await fhir.get(`/Observation?code-value-string=${q('600-7$Positive\\$')}`))).toEqual([]);
    expect400(await fhir.get(`/Observation?code-value-string=${q('600-7\\$Positive')}`), 'code-value-string', /expected 2 values separated by \$/);
  });
  it('a wrong number of components or a bad component value is a 400', async () => {
    expect400(await fhir.get(`/Observation?code-value-quantity=${q('8480-6')}`), 'code-value-quantity', /expected 2 values separated by \$ \(code\$value-quantity\)/);
    expect400(await fhir.get(`/Observation?code-value-quantity=${q('8480-6$')}`), 'code-value-quantity', /expected 2 values/);
    expect400(await fhir.get(`/Observation?code-value-quantity=${q('8480-6$gtabc')}`), 'code-value-quantity', /Invalid number/);
    expect400(await fhir.get(`/Observation?code-value-date=${q('8665-2$2026-13')}`), 'code-value-date', /./);
  });
  it('composites over a repeating element are refused with 400 not-supported, in lenient mode too', async () => {
    for (const param of ['component-code-value-quantity', 'combo-code-value-quantity']) {
      expect400(await fhir.get(`/Observation?${param}=${q('8480-6$gt100')}`), param, new RegExp(`"${param}" is not supported`), 'not-supported');
    }
    expect400(await fhir.get(`/Observation?combo-code-value-concept=${q(`72166-2$${SNOMED}|449868002`)}`), 'combo-code-value-concept', /not supported/, 'not-supported');
    expect400(await fhir.get(`/Group?characteristic-value=${q('gender$female')}`), 'characteristic-value', /not supported/, 'not-supported');
  });
  it('the CapabilityStatement lists the supported composites and none of the refused ones', async () => {
    const res = await fhir.get('/metadata');
    expect(res.status).toBe(200);
    const params = (type: string): { name: string; type: string }[] =>
      res.body.rest[0].resource.find((r: { type: string }) => r.type === type).searchParam;
    const observation = params('Observation');
    for (const name of ['code-value-quantity', 'code-value-concept', 'code-value-date', 'code-value-string']) {
      expect(observation.find((p) => p.name === name)?.type, name).toBe('composite');
    }
    for (const name of ['component-code-value-quantity', 'component-code-value-concept', 'combo-code-value-quantity', 'combo-code-value-concept']) {
      expect(observation.some((p) => p.name === name), name).toBe(false);
    }
    expect(params('Group').some((p) => p.name === 'characteristic-value')).toBe(false);
    expect(params('ValueSet').some((p) => p.type === 'composite')).toBe(false);
  });
});
