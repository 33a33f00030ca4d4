import { newResourceId } from '../resource-id.ts';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { FhirError, badRequest, outcome, preconditionFailed } from '../outcome.ts';
import { conditionalMatches } from '../interactions/conditional-match.ts';
import { patchedResource } from '../interactions/patch.ts';
import { preferReturn } from '../interactions/prefer.ts';
import { ifMatchVersion } from '../interactions/update.ts';
import type { WriteOp, WriteResult } from '../repository.ts';
import type { FhirContext, FhirResponse, HttpMethod } from '../request.ts';
import { dispatch } from '../dispatch.ts';
import { isResourceType } from '../resource-types.ts';
import { assertConformsToClaimedProfiles } from '../validation/validate-resource.ts';
import { applyWriteRules, writeWithRules } from '../write-rules.ts';
import { type RawEntry, bundleJson } from './bundle-json.ts';
import { statusLine, stripUndefined } from './batch.ts';
import { entryRequest, patchOperations, planEntry, type PlannedEntry } from './plan-entry.ts';
import { replaceReferences } from './entry-url.ts';

/** Processing order of a transaction (http.html#trules): DELETE, POST, PUT/PATCH, GET/HEAD. */
const ORDER: Record<HttpMethod, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/**
 * transaction (http.html#transaction): all entries succeed or nothing is written. Ids are
 * assigned and `urn:uuid:` / conditional references resolved before any write; every write then
 * goes to the repository as one set-based write, so a 100-entry bundle costs a few statements.
 */
export async function transaction(ctx: FhirContext, bundle: Bundle, prefer: string | undefined): Promise<FhirResponse> {
  const planned = (bundle.entry ?? []).map((entry, index) => {
    try {
      const p = planEntry(entry, index, ctx.config.baseUrl);
      if (p.resource) assertConformsToClaimedProfiles(ctx.conformance, p.resource);
      return p;
    } catch (err) {
      throw err instanceof FhirError ? prefixed(index, entry, err) : err;
    }
  });
  const responses = await ctx.repo.transaction(async (repo) => {
    const tx: FhirContext = { ...ctx, repo };
    const targets = new Map<string, number>();
    const claim = (key: string, index: number) => {
      const other = targets.get(key);
      if (other !== undefined) throw badRequest(`${key} is the target of entries ${other} and ${index}: a transaction may touch a resource once`);
      targets.set(key, index);
    };
    const idFor = new Map<string, string>(); // fullUrl -> Type/id
    const results: (RawEntry['response'] & { resource?: string | object })[] = [];
    const ops: { index: number; op: WriteOp }[] = [];
    const sorted = [...planned].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);

    // 1. Resolve every target id (conditional ones by search) and claim it.
    for (const p of sorted) {
      await atEntry(p.index, p.entry, async () => {
        if (p.method === 'GET' || p.method === 'HEAD') return;
        const type = p.path[0];
        if (p.method === 'POST') {
          if (p.ifNoneExist) {
            const matches = await conditionalMatches(tx, type, p.ifNoneExist);
            if (matches.length > 1) throw preconditionFailed(`ifNoneExist "${p.ifNoneExist}" matches more than one ${type}`);
            if (matches.length === 1) {
              p.existing = matches[0];
              if (p.fullUrl) idFor.set(p.fullUrl, `${type}/${matches[0].id}`);
              return;
            }
          }
          p.id = newResourceId();
        } else if (p.path.length === 1) {
          const matches = await conditionalMatches(tx, type, p.queryString);
          if (matches.length > 1) throw preconditionFailed(`Conditional ${p.method} "${p.queryString}" matches more than one ${type}`);
          if (matches.length === 1) p.id = matches[0].id;
          else if (p.method === 'PUT') p.id = p.resource?.id ?? newResourceId();
          else if (p.method === 'DELETE') p.noMatch = true;
          else throw new FhirError(404, outcome([{ severity: 'error', code: 'not-found', diagnostics: `No ${type} matches "${p.queryString}"` }]));
        } else {
          p.id = p.path[1];
        }
        if (p.id) {
          claim(`${type}/${p.id}`, p.index);
          if (p.fullUrl) idFor.set(p.fullUrl, `${type}/${p.id}`);
        }
      });
    }

    // 2. Resolve references, then build the writes.
    const conditionalRefs = new Map<string, string>();
    for (const p of sorted) {
      await atEntry(p.index, p.entry, async () => {
        if (!p.resource || p.existing || (p.method !== 'POST' && p.method !== 'PUT')) return;
        const refs = collectConditionalReferences(p.resource);
        for (const ref of refs) {
          if (conditionalRefs.has(ref)) continue;
          const [refType, query] = [ref.slice(0, ref.indexOf('?')), ref.slice(ref.indexOf('?') + 1)];
          const matches = await conditionalMatches(tx, refType, query);
          if (matches.length !== 1) {
            throw preconditionFailed(`Conditional reference "${ref}" matches ${matches.length === 0 ? 'no' : 'more than one'} ${refType}`);
          }
          conditionalRefs.set(ref, `${refType}/${matches[0].id}`);
        }
        replaceReferences(p.resource, (ref) => {
          const target = idFor.get(ref) ?? conditionalRefs.get(ref);
          if (target) return target;
          if (ref.startsWith('urn:uuid:') || ref.startsWith('urn:oid:')) throw badRequest(`Reference "${ref}" matches no entry's fullUrl`);
          return undefined;
        });
        if (p.id) p.resource.id = p.id;
      });
    }
    for (const p of sorted) {
      await atEntry(p.index, p.entry, async () => {
        const type = p.path[0];
        if (p.method === 'DELETE' && p.id) ops.push({ index: p.index, op: { kind: 'delete', resourceType: type, id: p.id } });
        if (p.method === 'POST' && p.id && p.resource) ops.push({ index: p.index, op: { kind: 'create', resource: withId(p.resource, p.id) } });
        if (p.method === 'PUT' && p.id && p.resource) {
          ops.push({ index: p.index, op: { kind: 'update', resource: withId(p.resource, p.id), ifMatch: ifMatchVersion(p.ifMatch) } });
        }
        if (p.method === 'PATCH' && p.id) {
          const patched = await patchedResource(tx, type, p.id, patchOperations(p.entry), ifMatchVersion(p.ifMatch));
          ops.push({ index: p.index, op: { kind: 'update', resource: patched.resource, ifMatch: patched.baseVersion, method: 'PATCH' } });
        }
      });
    }

    // 3. The write rules (src/fhir/write-rules.ts), then one set-based write for every create, update, patch and delete.
    for (const o of ops) o.op = await atEntry(o.index, planned[o.index].entry, () => applyWriteRules(tx, o.op));
    let written: WriteResult[];
    try {
      written = await writeWithRules(repo, ctx.access, ops.map((o) => o.op));
    } catch (err) {
      const failed = err instanceof FhirError ? findFailedEntry(err, ops) : undefined;
      throw failed !== undefined ? prefixed(failed, planned[failed].entry, err as FhirError) : err;
    }
    written.forEach((w, i) => {
      const p = planned[ops[i].index];
      results[p.index] = writeEntryResponse(p, w);
    });
    for (const p of planned) {
      if (p.existing) {
        results[p.index] = {
          status: '200 OK',
          location: `${p.existing.resourceType}/${p.existing.id}/_history/${p.existing.versionId}`,
          etag: `W/"${p.existing.versionId}"`,
          lastModified: p.existing.lastUpdated,
          resource: p.existing.json ?? undefined,
        };
      } else if (p.noMatch) {
        results[p.index] = { status: '204 No Content' };
      }
    }

    // 4. Reads last, so they see the transaction's own writes.
    for (const p of sorted) {
      if (p.method !== 'GET' && p.method !== 'HEAD') continue;
      const res = await atEntry(p.index, p.entry, () => dispatch(tx, entryRequest(p)));
      results[p.index] = { status: statusLine(res.status), etag: res.headers?.ETag, resource: res.body };
    }
    return results;
  });

  const representation = preferReturn(prefer) === 'representation';
  const entries: RawEntry[] = responses.map((r, index) => {
    const { resource, ...response } = r;
    const p = planned[index];
    const entry: RawEntry = { response: stripUndefined(response) };
    const target = p.id ?? p.existing?.id;
    if (target && p.method !== 'GET') entry.fullUrl = `${ctx.config.baseUrl}/${p.path[0]}/${target}`;
    if (resource !== undefined && (representation || p.method === 'GET' || p.method === 'HEAD')) entry.resource = resource;
    return entry;
  });
  return { status: 200, body: bundleJson({ resourceType: 'Bundle', type: 'transaction-response' }, entries) };
}

function writeEntryResponse(p: PlannedEntry, w: WriteResult): RawEntry['response'] & { resource?: string } {
  const s = w.stored;
  const status = w.outcome === 'created' ? '201 Created' : w.outcome === 'deleted' || w.outcome === 'noop' ? '204 No Content' : '200 OK';
  if (p.method === 'DELETE') return { status, etag: w.outcome === 'noop' ? undefined : `W/"${s.versionId}"` };
  return {
    status,
    location: `${s.resourceType}/${s.id}/_history/${s.versionId}`,
    etag: `W/"${s.versionId}"`,
    lastModified: s.lastUpdated,
    resource: s.json ?? undefined,
  };
}

/** The entry's resource, which carries the id the transaction gave it. */
function withId(resource: Resource, id: string): Resource & { id: string } {
  resource.id = id;
  return resource as Resource & { id: string };
}

function collectConditionalReferences(resource: Resource): Set<string> {
  const refs = new Set<string>();
  replaceReferences(resource, (ref) => {
    const q = ref.indexOf('?');
    if (q > 0 && isResourceType(ref.slice(0, q))) refs.add(ref);
    return undefined;
  });
  return refs;
}

/** Which entry a repository error is about (it names `Type/id`). */
function findFailedEntry(err: FhirError, ops: { index: number; op: WriteOp }[]): number | undefined {
  const text = err.message;
  for (const { index, op } of ops) {
    const key = op.kind === 'delete' ? `${op.resourceType}/${op.id}` : `${op.resource.resourceType}/${op.resource.id}`;
    if (text.includes(key)) return index;
  }
  return undefined;
}

/** Runs one entry's step; a failure names the entry (index, method and url) and fails the whole bundle. */
export async function atEntry<T>(index: number, entry: BundleEntry, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FhirError) throw prefixed(index, entry, err);
    throw err;
  }
}

function prefixed(index: number, entry: BundleEntry, err: FhirError): FhirError {
  if (err.message.startsWith('Bundle.entry[')) return err;
  const where = `Bundle.entry[${index}]${entry?.request ? ` (${entry.request.method} ${entry.request.url})` : ''}`;
  const issues = (err.outcome.issue ?? []).map((i) => ({
    ...i,
    diagnostics: `${where}: ${i.diagnostics ?? i.details?.text ?? ''}`,
    expression: [...(i.expression ?? []).map((e) => `Bundle.entry[${index}].resource.${e.replace(/^[A-Za-z]+\./, '')}`), `Bundle.entry[${index}]`],
  }));
  return new FhirError(err.status, outcome(issues), err.headers);
}

