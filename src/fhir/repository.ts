import type { Resource } from '@medplum/fhirtypes';
import type { AccessContext } from '../auth/access-context.ts';
import type { IncludeSpec, SearchCriterion, SortKey } from './search/criteria.ts';

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

export type { IncludeSpec, SearchCriterion, SortKey } from './search/criteria.ts';

export interface SearchQuery {
  resourceType: string;
  /** System-level search: these types instead of `resourceType` (empty = every type). */
  types?: string[];
  criteria: SearchCriterion[];
  count: number;
  /** Offset paging (`_offset`), used when no cursor is given. */
  offset: number;
  /** Keyset position from a previous page (SearchResult.next / previous). */
  cursor?: string;
  sort?: SortKey[];
  /**
   * Count the matches (Bundle.total); false for `_total=none`. Counting stops after
   * TOTAL_COUNT_LIMIT matches (the total is then left out, as search.html allows) unless
   * `exactTotal` (`_total=accurate`, `_summary=count`) asks for the full count.
   */
  total?: boolean;
  exactTotal?: boolean;
  include?: IncludeSpec[];
  /**
   * A search the server itself runs over and over in one shape (the ECM operations' lookups):
   * its statements are prepared (QueryOptions.prepared), so PostgreSQL parses them once per
   * connection and may reuse their plan. Never for a client's search: its shapes are unbounded.
   */
  prepared?: boolean;
}

export interface SearchResult {
  resources: StoredResource[];
  /** Resources added by `_include` / `_revinclude` (search.mode = include). */
  included?: StoredResource[];
  total?: number;
  /** More matches exist after this page (known even without a total). */
  more: boolean;
  /** Keyset cursors for the next and previous pages. */
  next?: string;
  previous?: string;
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
  /**
   * Inside a transaction: locks the current rows of these resources that no other transaction
   * holds (FOR UPDATE SKIP LOCKED: never waits, so never deadlocks) until it ends, and answers
   * their versions by id; a resource locked elsewhere (or absent) is left out.
   */
  lockIfFree(ctx: AccessContext, resourceType: string, ids: string[]): Promise<Map<string, number>>;
  /** Rebuilds the search index of current resources (one type or all); returns how many. */
  reindex(ctx: AccessContext, resourceType?: string): Promise<number>;
}
