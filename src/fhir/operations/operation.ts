import type { FhirContext, FhirRequest, FhirResponse } from '../request.ts';

export type OperationLevel = 'system' | 'type' | 'instance';

/** Where an operation was invoked: `[base]/$op`, `[base]/Type/$op` or `[base]/Type/id/$op`. */
export interface OperationTarget {
  level: OperationLevel;
  resourceType?: string;
  id?: string;
}

/**
 * A FHIR operation (operations.html). Each one lives in its own module and is listed in
 * src/fhir/operations/index.ts; its OperationDefinition (in profiles/ for our own) is `definition`.
 */
export interface Operation {
  /** The name without `$`, e.g. "validate". */
  name: string;
  levels: OperationLevel[];
  /** Resource types it applies to at type/instance level; undefined = every type. */
  resourceTypes?: string[];
  /** False for operations that change data (then only POST is allowed, operations.html#executing). */
  affectsState: boolean;
  /** Canonical URL of its OperationDefinition, listed in the CapabilityStatement. */
  definition: string;
  handle(ctx: FhirContext, req: FhirRequest, target: OperationTarget): Promise<FhirResponse>;
  /**
   * A system-level operation may also serve URLs below its own (`[base]/$name/...`), such as the
   * status URL of an asynchronous request (async.html); `segments` are the parts after `$name`.
   */
  handleSubPath?(ctx: FhirContext, req: FhirRequest, segments: string[]): Promise<FhirResponse>;
}

/** The operations the server offers, looked up by name, level and resource type. */
export class OperationRegistry {
  private readonly byName = new Map<string, Operation[]>();

  constructor(operations: Operation[] = []) {
    for (const op of operations) this.register(op);
  }

  register(op: Operation): void {
    const list = this.byName.get(op.name) ?? [];
    list.push(op);
    this.byName.set(op.name, list);
  }

  find(name: string, target: OperationTarget): Operation | undefined {
    return this.byName.get(name)?.find(
      (op) => op.levels.includes(target.level) && (target.level === 'system' || !op.resourceTypes || op.resourceTypes.includes(target.resourceType ?? '')),
    );
  }

  /** Has an operation of that name at all (a 405/404 distinction for the caller). */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  all(): Operation[] {
    return [...this.byName.values()].flat();
  }
}
