import type { Extension, HealthcareService, Organization } from '@medplum/fhirtypes';
import type { AccessContext } from '../../auth/access-context.ts';
import type { Repository } from '../../fhir/repository.ts';
import { searchAll, type Stored } from './search-all.ts';
import { CS, EXT, codesOf, relativeReference } from './vocabulary.ts';

/**
 * The ECM provider network as assignment sees it: each ECM HealthcareService (ecm-provider-service,
 * category ecm-category#ecm) with the Organization that provides it. Contracted POFs are
 * `program`, BH / CCS / JI flags `characteristic`, languages `communication`, and capacity the
 * ext-provider-capacity (places still open, decremented by each assignment) and ext-pof-capacity
 * (maxPanel / currentPanel per POF) extensions (NET-CAPACITY).
 */
export interface NetworkService {
  service: HealthcareService & { id: string };
  /** The version read: capacity is written back only over this version (concurrent assignments). */
  versionId: number;
  /** Organization/x (HealthcareService.providedBy). */
  provider: string;
  organization?: Organization & { id: string };
  pofs: string[];
  characteristics: string[];
  /** Lower-case primary language subtags (BCP 47) offered. */
  languages: string[];
  /** Places still open (ext-provider-capacity); undefined = no overall limit recorded. */
  capacity?: number;
  /** Per-POF limits (ext-pof-capacity). */
  pofCapacity: Map<string, { max: number; current: number }>;
}

export interface ProviderNetwork {
  services: NetworkService[];
  byProvider(provider: string): NetworkService[];
  byService(service: string): NetworkService | undefined;
}

export function primaryLanguage(code: string | undefined): string | undefined {
  return code ? code.split('-')[0].toLowerCase() : undefined;
}

function subExtension(ext: Extension, url: string): Extension | undefined {
  return ext.extension?.find((e) => e.url === url);
}

export function networkService(stored: Stored<HealthcareService>, organization?: Organization & { id: string }): NetworkService {
  const s = stored.resource;
  const capacityExt = s.extension?.find((e) => e.url === EXT.providerCapacity);
  const pofCapacity = new Map<string, { max: number; current: number }>();
  for (const e of s.extension ?? []) {
    if (e.url !== EXT.pofCapacity) continue;
    const pof = subExtension(e, 'pof')?.valueCodeableConcept?.coding?.find((c) => c.system === CS.pof)?.code;
    const max = subExtension(e, 'maxPanel')?.valueUnsignedInt;
    if (pof && max !== undefined) pofCapacity.set(pof, { max, current: subExtension(e, 'currentPanel')?.valueUnsignedInt ?? 0 });
  }
  return {
    service: s,
    versionId: stored.versionId,
    provider: relativeReference(s.providedBy, 'Organization') ?? '',
    organization,
    pofs: codesOf(s.program, CS.pof),
    characteristics: codesOf(s.characteristic, CS.characteristic),
    languages: (s.communication ?? []).flatMap((cc) => (cc.coding ?? []).map((c) => primaryLanguage(c.code)).filter((l): l is string => !!l)),
    ...(typeof capacityExt?.valueInteger === 'number' ? { capacity: capacityExt.valueInteger } : {}),
    pofCapacity,
  };
}

/** Every ECM HealthcareService (active or not) with its providing Organization, in id order. */
export async function loadProviderNetwork(repo: Repository, access: AccessContext): Promise<ProviderNetwork> {
  const { matches, included } = await searchAll<HealthcareService>(
    repo,
    access,
    'HealthcareService',
    [{ kind: 'token', param: 'service-category', values: [{ system: CS.category, code: 'ecm' }] }],
    [{ reverse: false, sourceType: 'HealthcareService', param: 'organization', targetType: 'Organization', iterate: false }],
  );
  const orgs = new Map<string, Organization & { id: string }>();
  for (const i of included) if (i.resource.resourceType === 'Organization') orgs.set(`Organization/${i.resource.id}`, i.resource as Organization & { id: string });
  return providerNetwork(matches.map((m) => networkService(m, orgs.get(relativeReference(m.resource.providedBy, 'Organization') ?? ''))));
}

/** The network of these services (those without a providing Organization left out), in service id order. */
export function providerNetwork(list: NetworkService[]): ProviderNetwork {
  const services = list.filter((s) => s.provider !== '').sort((a, b) => (a.service.id < b.service.id ? -1 : a.service.id > b.service.id ? 1 : 0));
  return {
    services,
    byProvider: (provider) => services.filter((s) => s.provider === provider),
    byService: (service) => services.find((s) => `HealthcareService/${s.service.id}` === service),
  };
}

/**
 * The service after one member is assigned (`delta` +1) or released (-1) under `pof`:
 * ext-provider-capacity down (up) by one, and that POF's ext-pof-capacity currentPanel up (down).
 * Never below 0 (ecm-hcs-2).
 */
export function withCapacityUsed(s: NetworkService, pof: string | undefined, delta: 1 | -1): HealthcareService & { id: string } {
  const extension = (s.service.extension ?? []).map((e): Extension => {
    if (e.url === EXT.providerCapacity && typeof e.valueInteger === 'number') return { ...e, valueInteger: Math.max(0, e.valueInteger - delta) };
    if (e.url !== EXT.pofCapacity || !pof) return e;
    const forPof = subExtension(e, 'pof')?.valueCodeableConcept?.coding?.some((c) => c.system === CS.pof && c.code === pof);
    if (!forPof) return e;
    const current = Math.max(0, (subExtension(e, 'currentPanel')?.valueUnsignedInt ?? 0) + delta);
    const others = (e.extension ?? []).filter((x) => x.url !== 'currentPanel');
    return { ...e, extension: [...others, { url: 'currentPanel', valueUnsignedInt: current }] };
  });
  return { ...s.service, extension };
}
