import type { JobQueue } from '../jobs/job-queue.ts';
import type { AccessContext } from '../auth/access-context.ts';
import type { ServerConfig } from '../config.ts';
import type { Conformance } from '../conformance/conformance.ts';
import type { OperationRegistry } from './operations/operation.ts';
import type { Repository } from './repository.ts';
import type { SearchParameterRegistry } from './search/search-parameters.ts';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A FHIR interaction request, from HTTP or from a batch/transaction entry alike. */
export interface FhirRequest {
  method: HttpMethod;
  /** Path segments after the base, e.g. ["Patient", "123", "_history", "2"]. */
  path: string[];
  query: [string, string][];
  headers: {
    ifMatch?: string;
    ifNoneMatch?: string;
    ifNoneExist?: string;
    ifModifiedSince?: string;
    prefer?: string;
    contentType?: string;
    /** The Accept header: an operation may answer a file (a Binary) to `Accept: text/csv`. */
    accept?: string;
  };
  body?: unknown;
}

export interface FhirResponse {
  status: number;
  headers?: Record<string, string>;
  /** A JSON text (stored resources are returned as stored) or an object to serialise. */
  body?: string | object;
}

/** What every interaction needs: storage, configuration, search parameters, who is asking. */
export interface FhirContext {
  repo: Repository;
  config: ServerConfig;
  searchParameters: SearchParameterRegistry;
  access: AccessContext;
  operations: OperationRegistry;
  /** The conformance resources loaded from profiles/ (StructureDefinitions, ValueSets, ...). */
  conformance: Conformance;
  /** The background job queue (src/jobs), shared by every server process on the database. */
  jobs: JobQueue;
}
