import type { Operation } from './operation.ts';

/** Every operation the server offers; each module adds its own line here. */
export function allOperations(): Operation[] {
  return [];
}
