import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { ServerConfig } from '../config.ts';
import type { OperationRegistry } from './operations/operation.ts';
import { R4_RESOURCE_TYPES } from './resource-types.ts';
import { SUPPORTED_SEARCH_TYPES } from './search/parse-search.ts';
import { isSupportedComposite } from './search/composite.ts';
import type { SearchParameterRegistry } from './search/search-parameters.ts';
import { capabilitySecurity } from '../auth/capability-security.ts';
import type { Conformance } from '../conformance/conformance.ts';
import { COMPARTMENT_TYPES } from './compartments/compartments.ts';
import { SUBSCRIPTION_TOPIC_URLS } from '../subscriptions/topics.ts';

const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';

/**
 * R4 Subscriptions Backport IG (1.1.0, CapabilityStatement section): a server offering topic-based
 * subscriptions lists each topic on its Subscription resource and claims the backport profile.
 */
function subscriptionCapability(type: string): Partial<CapabilityStatementRestResource> {
  if (type !== 'Subscription') return {};
  return {
    extension: SUBSCRIPTION_TOPIC_URLS.map((url) => ({ url: `${BACKPORT}/capabilitystatement-subscriptiontopic-canonical`, valueCanonical: url })),
    supportedProfile: [`${BACKPORT}/backport-subscription`],
  };
}

/** The interactions src/fhir/dispatch.ts implements for every resource type. */
const TYPE_INTERACTIONS: NonNullable<CapabilityStatementRestResource['interaction']> = [
  'read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type',
].map((code) => ({ code: code as NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'] }));

/**
 * GET [base]/metadata (http.html#capabilities): generated from what the server implements —
 * the R4 resource types, the interactions the dispatcher routes, and the search parameters the
 * search parser accepts — never written by hand.
 */
export function capabilityStatement(
  config: ServerConfig,
  registry: SearchParameterRegistry,
  version: string,
  operations: OperationRegistry,
  conformance: Conformance,
): CapabilityStatement {
  // Our profiles of each type (profiles/): the server validates resources claiming them on write.
  const supported = new Map<string, string[]>();
  for (const sd of conformance.structureDefinitions()) {
    if (sd.kind !== 'resource' || sd.derivation !== 'constraint' || !sd.url) continue;
    supported.set(sd.type, [...(supported.get(sd.type) ?? []), sd.url]);
  }
  const operationsAt = (level: 'system' | 'type', type?: string) =>
    operations
      .all()
      .filter((op) => (level === 'system' ? op.levels.includes('system') : op.levels.some((l) => l !== 'system') && (!op.resourceTypes || op.resourceTypes.includes(type ?? ''))))
      .map((op) => ({ name: op.name, definition: op.definition }));
  const withOperations = (list: { name: string; definition: string }[]) => (list.length > 0 ? { operation: list } : {});
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    publisher: 'ECM FHIR Server',
    software: { name: 'ECM FHIR Server', version },
    implementation: { description: 'FHIR R4 server for Medi-Cal Enhanced Care Management', url: config.baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        security: capabilitySecurity(config),
        resource: R4_RESOURCE_TYPES.map((type) => ({
          type: type as CapabilityStatementRestResource['type'],
          profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
          ...(supported.has(type) ? { supportedProfile: supported.get(type) } : {}),
          ...subscriptionCapability(type),
          interaction: TYPE_INTERACTIONS,
          versioning: 'versioned-update',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalRead: 'full-support',
          conditionalUpdate: true,
          conditionalDelete: 'single',
          searchParam: [
            { name: '_id', type: 'token', documentation: 'Logical id of the resource' },
            { name: '_lastUpdated', type: 'date', documentation: 'When the resource version last changed (prefixes eq ne gt lt ge le sa eb ap)' },
            ...registry
              .forType(type)
              // composites only where the server answers them exactly (src/fhir/search/composite.ts)
              .filter((sp) => sp.code !== '_id' && sp.code !== '_lastUpdated' && (SUPPORTED_SEARCH_TYPES.has(sp.type) || isSupportedComposite(registry, type, sp)))
              .map((sp) => ({ name: sp.code, type: sp.type, definition: sp.url, documentation: sp.description })),
          ],
          ...withOperations(operationsAt('type', type)),
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
        // compartment search ([type]/[id]/[type] and /*) for each R4 compartment (src/fhir/compartments)
        compartment: COMPARTMENT_TYPES.map((c) => `http://hl7.org/fhir/CompartmentDefinition/${c.charAt(0).toLowerCase()}${c.slice(1)}`),
        ...withOperations(operationsAt('system')),
      },
    ],
  };
}
