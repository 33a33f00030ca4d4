import { conditionalDelete, deleteResource } from './interactions/delete.ts';
import { create } from './interactions/create.ts';
import { history } from './interactions/history.ts';
import { patch } from './interactions/patch.ts';
import { read, vread } from './interactions/read.ts';
import { searchCompartment, searchSystem, searchType } from './interactions/search-type.ts';
import { conditionalUpdate, update } from './interactions/update.ts';
import { badRequest, fhirError, notFound } from './outcome.ts';
import type { FhirContext, FhirRequest, FhirResponse } from './request.ts';
import type { OperationTarget } from './operations/operation.ts';
import { isResourceType } from './resource-types.ts';
import { isValidId } from './validation/validate-resource.ts';

/**
 * Routes one type- or instance-level FHIR interaction (http.html) to its implementation. HTTP
 * routes and batch/transaction entries both come through here, so an entry behaves exactly like
 * the same request sent on its own. System-level interactions (metadata, bundles, system
 * history) are routed by the HTTP layer and the bundle processors.
 */
export async function dispatch(ctx: FhirContext, req: FhirRequest): Promise<FhirResponse> {
  const [type, second, third, fourth, ...rest] = req.path;
  if (type === '_history' && second === undefined) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req);
    return history(ctx, req);
  }
  if ((type === undefined || type === '_search') && second === undefined) {
    if (req.method === 'GET' || req.method === 'HEAD' || (type === '_search' && req.method === 'POST')) return searchSystem(ctx, req);
    throw methodNotAllowed(req);
  }
  if (type?.startsWith('$') && second === undefined) return operation(ctx, req, type, { level: 'system' });
  if (type?.startsWith('$')) return operationSubPath(ctx, req, type, req.path.slice(1));
  if (!type || !isResourceType(type)) throw notFound(`Unknown resource type "${type ?? ''}"`);
  if (rest.length > 0) throw notFound(`Unknown path /${req.path.join('/')}`);
  const method = req.method === 'HEAD' ? 'GET' : req.method;

  if (second === undefined) {
    const conditional = req.query.length > 0 ? new URLSearchParams(req.query).toString() : undefined;
    if (method === 'GET') return searchType(ctx, req, type);
    if (method === 'POST') return create(ctx, req, type);
    if (method === 'PUT' && conditional) return conditionalUpdate(ctx, req, type, conditional);
    if (method === 'DELETE' && conditional) return conditionalDelete(ctx, req, type, conditional);
    if ((method === 'PUT' || method === 'DELETE') && !conditional) throw badRequest(`${method} ${type} needs an id or search criteria`);
    throw methodNotAllowed(req);
  }
  if (second === '_search' && third === undefined) {
    if (method === 'POST') return searchType(ctx, req, type);
    throw methodNotAllowed(req);
  }
  if (second === '_history' && third === undefined) {
    if (method === 'GET') return history(ctx, req, type);
    throw methodNotAllowed(req);
  }
  if (second.startsWith('$') && third === undefined) return operation(ctx, req, second, { level: 'type', resourceType: type });
  if (!isValidId(second)) throw badRequest(`Invalid id "${second}": 1-64 characters of A-Z a-z 0-9 - .`);
  const id = second;
  if (third === undefined) {
    if (method === 'GET') return read(ctx, req, type, id);
    if (method === 'PUT') return update(ctx, req, type, id);
    if (method === 'PATCH') return patch(ctx, req, type, id);
    if (method === 'DELETE') return deleteResource(ctx, req, type, id);
    throw methodNotAllowed(req);
  }
  if (third.startsWith('$') && fourth === undefined) return operation(ctx, req, third, { level: 'instance', resourceType: type, id });
  if (fourth === undefined && (third === '*' || isResourceType(third))) {
    if (method === 'GET') return searchCompartment(ctx, req, type, id, third);
    throw methodNotAllowed(req);
  }
  if (fourth === '_search' && rest.length === 0 && (third === '*' || isResourceType(third))) {
    if (method === 'POST') return searchCompartment(ctx, req, type, id, third);
    throw methodNotAllowed(req);
  }
  if (third === '_history') {
    if (method !== 'GET') throw methodNotAllowed(req);
    return fourth === undefined ? history(ctx, req, type, id) : vread(ctx, type, id, fourth);
  }
  throw notFound(`Unknown path /${req.path.join('/')}`);
}

/** `$name` at system, type or instance level (operations.html#executing). */
function operation(ctx: FhirContext, req: FhirRequest, segment: string, target: OperationTarget): Promise<FhirResponse> {
  const name = segment.slice(1);
  const op = ctx.operations.find(name, target);
  if (!op) {
    const where = target.level === 'system' ? 'at system level' : `on ${target.resourceType}${target.level === 'instance' ? ' instances' : ''}`;
    throw notFound(`Unknown operation $${name} ${where}`);
  }
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  if (method !== 'POST' && !(method === 'GET' && !op.affectsState)) throw methodNotAllowed(req);
  return op.handle(ctx, req, target);
}

/**
 * `[base]/$name/...`: a system-level operation that serves URLs below its own, such as the
 * status URL of an asynchronous request (async.html), handles them itself (`handleSubPath`).
 */
function operationSubPath(ctx: FhirContext, req: FhirRequest, segment: string, segments: string[]): Promise<FhirResponse> {
  const op = ctx.operations.find(segment.slice(1), { level: 'system' });
  if (!op?.handleSubPath) throw notFound(`Unknown path /${req.path.join('/')}`);
  return op.handleSubPath(ctx, req, segments);
}

function methodNotAllowed(req: FhirRequest) {
  return fhirError(405, 'not-supported', `${req.method} is not allowed on /${req.path.join('/')}`);
}
