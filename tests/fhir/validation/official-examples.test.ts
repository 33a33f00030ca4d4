import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isResourceType } from '../../../src/fhir/resource-types.ts';
import { structuralIssues } from '../../../src/fhir/validation/validate-resource.ts';
import { fhirClient } from '../../support/fhir-client.ts';
import { startTestApp } from '../../support/test-app.ts';

/**
 * The official R4 examples (npm package hl7.fhir.r4.examples) up to 200 KB: all but the ~95
 * definition bundles (every StructureDefinition, ValueSet...) that no client sends as a request.
 */
const MAX_EXAMPLE_BYTES = 200_000;
const examplesDir = dirname(createRequire(import.meta.url).resolve('hl7.fhir.r4.examples/package.json'));
const examples = readdirSync(examplesDir)
  .filter((f) => f.endsWith('.json') && f !== 'package.json' && !f.startsWith('.'))
  .filter((f) => statSync(join(examplesDir, f)).size <= MAX_EXAMPLE_BYTES)
  .map((file) => ({ file, resource: JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as { resourceType: string; id?: string } }))
  .filter((e) => isResourceType(e.resource.resourceType));

/**
 * Official examples the validator refuses, each for a reason in the example itself (an id over
 * 64 characters, a missing required element, a failed invariant) or a limit of @medplum/core
 * (1 MB strings, base64 with line breaks). The test fails if one of these starts passing or any
 * other example starts failing, so the list cannot rot.
 */
const KNOWN_INVALID = new Set([
  'Binary-example.json', // Invalid base64Binary format (Binary.data)
  'CodeSystem-v2-0550.json', // Invalid code format (CodeSystem.concept.code)
  'Media-example.json', // Invalid base64Binary format (Media.content.data)
  'Questionnaire-qs1.json', // Missing required property (Questionnaire.item.item.linkId)
  'RiskAssessment-breastcancer-risk.json', // Constraint ras-2 not met: Must be <= 100 (RiskAssessment.prediction)
  'RiskAssessment-prognosis.json', // Constraint ras-2 not met: Must be <= 100 (RiskAssessment.prediction)
  'SearchParameter-codesystem-extensions-CodeSystem-author.json', // Missing required property (SearchParameter.base)
  'SearchParameter-codesystem-extensions-CodeSystem-effective.json', // Missing required property (SearchParameter.base)
  'SearchParameter-codesystem-extensions-CodeSystem-end.json', // Missing required property (SearchParameter.base)
  'SearchParameter-codesystem-extensions-CodeSystem-keyword.json', // Missing required property (SearchParameter.base)
  'SearchParameter-codesystem-extensions-CodeSystem-workflow.json', // Missing required property (SearchParameter.base)
  'SearchParameter-questionnaireresponse-extensions-QuestionnaireResponse-item-subject.json', // Invalid id "questionnaireresponse-extensions-QuestionnaireRe (SearchParameter.id)
  'SearchParameter-valueset-extensions-ValueSet-author.json', // Missing required property (SearchParameter.base)
  'SearchParameter-valueset-extensions-ValueSet-effective.json', // Missing required property (SearchParameter.base)
  'SearchParameter-valueset-extensions-ValueSet-end.json', // Missing required property (SearchParameter.base)
  'SearchParameter-valueset-extensions-ValueSet-keyword.json', // Missing required property (SearchParameter.base)
  'SearchParameter-valueset-extensions-ValueSet-workflow.json', // Missing required property (SearchParameter.base)
  'StructureDefinition-Definition.json', // Constraint sdf-4 not met: If the structure is not abstract,  (StructureDefinition)
  'StructureDefinition-Event.json', // Constraint sdf-4 not met: If the structure is not abstract,  (StructureDefinition)
  'StructureDefinition-FiveWs.json', // Constraint sdf-4 not met: If the structure is not abstract,  (StructureDefinition)
  'StructureDefinition-Request.json', // Constraint sdf-4 not met: If the structure is not abstract,  (StructureDefinition)
]);

describe('official R4 examples (hl7.fhir.r4.examples)', () => {
  it('are accepted by structural validation, except the known-invalid ones', { timeout: 120_000 }, () => {
    expect(examples.length).toBeGreaterThan(5000);
    // ~5,200 resources: seconds, not a timed assertion
    const rejected = examples.filter((e) => structuralIssues(e.resource).length > 0).map((e) => e.file);
    expect(new Set(rejected)).toEqual(KNOWN_INVALID);
  });
});

describe('official R4 examples through the REST API', () => {
  let server: Awaited<ReturnType<typeof startTestApp>>;
  let fhir: ReturnType<typeof fhirClient>;
  beforeAll(async () => {
    // No subscription delivery: the worker owns Subscription.status (it turns the example, whose
    // `end` is in 2021, off), which is not what this test compares.
    server = await startTestApp({ bodyLimit: 64 * 1024 * 1024, subscriptionDelivery: false });
    fhir = fhirClient(server.app);
  });
  afterAll(() => server.close());

  it('one valid example of every resource type survives PUT and read unchanged but for meta', async () => {
    const byType = new Map<string, { file: string; resource: { resourceType: string; id?: string } }>();
    for (const e of examples) if (!KNOWN_INVALID.has(e.file) && e.resource.id && !byType.has(e.resource.resourceType)) byType.set(e.resource.resourceType, e);
    expect(byType.size).toBeGreaterThanOrEqual(140);
    const entries = [...byType.values()].map(({ resource }) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } }));
    const res = await fhir.post('', { resourceType: 'Bundle', type: 'transaction', entry: entries }, { prefer: 'return=minimal' });
    expect(res.status, res.text.slice(0, 500)).toBe(200);
    for (const { file, resource } of byType.values()) {
      const read = await fhir.get(`/${resource.resourceType}/${resource.id}`);
      expect(read.status, file).toBe(200);
      const { meta, ...stored } = read.body;
      const { meta: originalMeta, ...original } = resource as { meta?: Record<string, unknown> };
      expect(stored, file).toEqual(original);
      expect(meta.versionId).toBe('1');
      for (const [k, v] of Object.entries(originalMeta ?? {})) if (k !== 'versionId' && k !== 'lastUpdated') expect(meta[k], `${file} meta.${k}`).toEqual(v);
    }
  });
});
