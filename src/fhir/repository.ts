import type { Resource } from '@medplum/fhirtypes';
import type { AccessContext } from '../auth/access-context.ts';
import type { DateValue } from './search/date-prefix.ts';

/** A stored version of a resource: the JSON text is exactly what the server returns. */
export interface StoredResource {
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  /** The resource JSON (with meta.versionId and meta.lastUpdated); null for a deletion. */
  json: string | null;
}

export type WriteOp =
  /** Create with an id chosen by the caller (server-assigned UUID or client id on update-as-create). */
  | { kind: 'create'; resource: Resource & { id: string } }
  /** Update (or create, when absent or deleted) with optional If-Match version. */
  | { kind: 'update'; resource: Resource & { id: string }; ifMatch?: number; method?: 'PUT' | 'PATCH' }
  | { kind: 'delete'; resourceType: string; id: string };

export interface WriteResult {
  stored: StoredResource;
  /** created: a new resource (or a deleted one brought back); noop: delete of an already deleted one. */
  outcome: 'created' | 'updated' | 'deleted' | 'noop';
}

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  /** Only versions with lastUpdated >= since (inclusive instant). */
  since?: string;
  /** Only versions current at some time in [atFrom, atTo). */
  atFrom?: string;
  atTo?: string;
  count: number;
  /** Opaque position from a previous page's `next`. */
  cursor?: string;
}

export interface HistoryEntry {
  stored: StoredResource;
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
}

export interface HistoryPage {
  entries: HistoryEntry[];
  total: number;
  nextCursor?: string;
}

/** One AND-ed search condition; its values are OR-ed. (Issue 3 grows this into full search.) */
export type SearchCriterion =
  | { kind: 'id'; ids: string[] }
  | { kind: 'token'; param: string; values: { system?: string; code?: string }[] }
  /** Local targets by type and id (type optional: any type), other references by url. */
  | { kind: 'reference'; param: string; values: { targetType?: string; targetId?: string; url?: string }[] }
  /** meta.lastUpdated, kept on the resource row: [start, end) ranges with their prefixes. */
  | { kind: 'lastUpdated'; values: DateValue[] };

export interface SortKey {
  key: '_lastUpdated' | '_id';
  descending: boolean;
}

export interface SearchQuery {
  resourceType: string;
  criteria: SearchCriterion[];
  count: number;
  offset: number;
  sort?: SortKey[];
  /** Count the matches (Bundle.total); false for `_total=none`. */
  total?: boolean;
}

export interface SearchResult {
  resources: StoredResource[];
  total?: number;
  /** More matches exist after this page (known even without a total). */
  more: boolean;
}

/**
 * Storage seen from the FHIR layer. Implementations enforce the access context on every call.
 * `transaction` runs a function against a repository bound to one database transaction:
 * all its writes commit together or not at all.
 */
export interface Repository {
  read(ctx: AccessContext, resourceType: string, id: string): Promise<StoredResource | undefined>;
  vread(ctx: AccessContext, resourceType: string, id: string, versionId: number): Promise<StoredResource | undefined>;
  /** Applies every op (each to a distinct resource) all-or-nothing, in a few set-based statements. */
  write(ctx: AccessContext, ops: WriteOp[]): Promise<WriteResult[]>;
  history(ctx: AccessContext, query: HistoryQuery): Promise<HistoryPage>;
  search(ctx: AccessContext, query: SearchQuery): Promise<SearchResult>;
  transaction<T>(fn: (repo: Repository) => Promise<T>): Promise<T>;
}
