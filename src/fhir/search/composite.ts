import { INDEXED_PARAM_TYPES } from './criteria.ts';
import type { SearchParameterDef, SearchParameterRegistry } from './search-parameters.ts';

/**
 * The component parameters of a composite SearchParameter the server can answer exactly, or why
 * it cannot (search.html#composite). Only composites whose own expression is the resource itself
 * (Observation `code-value-quantity`: expression `Observation`) qualify: each component is then
 * an indexed parameter of the whole resource, and the AND of the components' index rows is the
 * composite's meaning. A composite over an element (`Observation.component`, `useContext`, also
 * `Observation | Observation.component` for `combo-*`) needs its components to match inside the
 * same element, which separate index rows cannot tell: it is refused, never answered loosely.
 */
export function rootCompositeComponents(registry: SearchParameterRegistry, resourceType: string, def: SearchParameterDef): SearchParameterDef[] | string {
  const branches = def.expression
    .split('|')
    .map((b) => b.trim())
    .filter((b) => b === resourceType || b.startsWith(`${resourceType}.`));
  if (branches.length !== 1 || branches[0] !== resourceType) {
    return `Composite search parameter "${def.code}" is not supported: its components must match within the same ${branches.join(' | ') || def.expression}, which this server cannot evaluate exactly`;
  }
  if (!def.component?.length) return `Composite search parameter "${def.code}" has no components`;
  const components: SearchParameterDef[] = [];
  for (const c of def.component) {
    const named = registry.getByUrl(c.definition);
    const own = named && registry.get(resourceType, named.code);
    if (!own || own.url !== c.definition || !INDEXED_PARAM_TYPES.has(own.type)) {
      return `Composite search parameter "${def.code}" is not supported: its component ${c.definition} is not an indexed search parameter of ${resourceType}`;
    }
    components.push(own);
  }
  return components;
}

/** Whether the server answers this composite parameter (the CapabilityStatement lists only these). */
export function isSupportedComposite(registry: SearchParameterRegistry, resourceType: string, def: SearchParameterDef): boolean {
  return def.type === 'composite' && typeof rootCompositeComponents(registry, resourceType, def) !== 'string';
}
