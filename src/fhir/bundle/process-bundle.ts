import type { Bundle } from '@medplum/fhirtypes';
import { badRequest } from '../outcome.ts';
import type { FhirContext, FhirResponse } from '../request.ts';
import { batch } from './batch.ts';
import { transaction } from './transaction.ts';

/** POST [base] with a batch or transaction Bundle (http.html#transaction). */
export function processBundle(ctx: FhirContext, body: unknown, prefer: string | undefined): Promise<FhirResponse> {
  const bundle = body as Bundle | undefined;
  if (!bundle || typeof bundle !== 'object' || bundle.resourceType !== 'Bundle') {
    throw badRequest('POST to the base needs a Bundle of type batch or transaction', ['resourceType']);
  }
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry)) throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
  if (bundle.type === 'transaction') return transaction(ctx, bundle, prefer);
  if (bundle.type === 'batch') return batch(ctx, bundle, prefer);
  throw badRequest(`Bundle.type must be "batch" or "transaction", got "${String(bundle.type)}"`, ['Bundle.type']);
}
