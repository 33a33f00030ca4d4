import type { CodeSystem, CodeSystemConcept, ConceptMap, ConceptMapGroupElementTarget, ValueSet, ValueSetComposeInclude } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { canonicalLink } from './canonical-links.ts';
import { escapeHtml } from './html.ts';
import { IG_PATH } from './links.ts';
import { dataMarkdown, type GeneratedPage } from './profile-pages.ts';

type TerminologyResource = CodeSystem | ValueSet | ConceptMap;

function terminologyIds(conformance: Conformance): string[] {
  const ids = new Set<string>();
  for (const type of ['CodeSystem', 'ValueSet', 'ConceptMap'] as const) {
    for (const r of conformance.list<TerminologyResource>(type)) if (r.id) ids.add(r.id);
  }
  return [...ids].sort();
}

/** The CodeSystem, ValueSet and ConceptMap loaded with this id (a CodeSystem and its all-codes ValueSet share one). */
export function terminologyResources(conformance: Conformance, id: string): TerminologyResource[] {
  return (['CodeSystem', 'ValueSet', 'ConceptMap'] as const).flatMap((type) => conformance.list<TerminologyResource>(type).filter((r) => r.id === id));
}

/** `/ig/terminology`: every CodeSystem, ValueSet and ConceptMap loaded. */
export function terminologyListPage(conformance: Conformance): GeneratedPage {
  const section = (type: 'CodeSystem' | 'ValueSet' | 'ConceptMap', heading: string): string => {
    const rows = conformance
      .list<TerminologyResource>(type)
      .filter((r) => r.id)
      .sort((a, b) => (a.id ?? '').localeCompare(b.id ?? ''));
    const table = rows.length
      ? '<table><thead><tr><th>id</th><th>title</th><th>description</th></tr></thead><tbody>\n' +
        rows
          .map(
            (r) =>
              `<tr><td><a href="${IG_PATH}/terminology/${encodeURIComponent(r.id ?? '')}">${escapeHtml(r.id ?? '')}</a></td>` +
              `<td>${escapeHtml(r.title ?? r.name ?? '')}</td><td>${escapeHtml((r.description ?? '').split(/\n\s*\n/)[0])}</td></tr>`,
          )
          .join('\n') +
        '\n</tbody></table>'
      : `<p class="muted">No ${type}s are loaded.</p>`;
    return `<h2 id="${type.toLowerCase()}s">${heading}</h2>\n${table}`;
  };
  const body = [
    '<h1 id="terminology">Terminology</h1>',
    '<p>Generated from the CodeSystems, ValueSets and ConceptMaps the server loaded from <code>profiles/</code>.</p>',
    section('CodeSystem', 'Code systems'),
    section('ValueSet', 'Value sets'),
    section('ConceptMap', 'Concept maps'),
  ].join('\n');
  return { title: 'Terminology', body };
}

/** `/ig/terminology/<id>`, or undefined when nothing with that id is loaded. */
export function terminologyPage(conformance: Conformance, id: string): GeneratedPage | undefined {
  const resources = terminologyResources(conformance, id);
  if (resources.length === 0) return undefined;
  const title = resources[0].title ?? resources[0].name ?? id;
  const sections = resources.map((r) => {
    const header = `<h2 id="${r.resourceType.toLowerCase()}">${r.resourceType} ${escapeHtml(r.id ?? '')}</h2>\n` + `<p>Canonical URL <code>${escapeHtml(r.url ?? '')}</code>${r.status ? ` · ${escapeHtml(r.status)}` : ''}</p>\n` + dataMarkdown(r.description);
    switch (r.resourceType) {
      case 'CodeSystem':
        return header + codeSystemTable(r);
      case 'ValueSet':
        return header + valueSetCompose(r, conformance);
      case 'ConceptMap':
        return header + conceptMapTables(r, conformance);
    }
  });
  return { title, body: [`<h1 id="${escapeHtml(id)}">${escapeHtml(title)}</h1>`, ...sections].join('\n') };
}

function codeSystemTable(cs: CodeSystem): string {
  const rows: string[] = [];
  const walk = (concepts: CodeSystemConcept[], depth: number): void => {
    for (const c of concepts) {
      const indent = depth ? `<span class="muted">${'↳ '.repeat(depth)}</span>` : '';
      rows.push(`<tr><td class="path">${indent}${escapeHtml(c.code ?? '')}</td><td>${escapeHtml(c.display ?? '')}</td><td>${escapeHtml(c.definition ?? '')}</td></tr>`);
      walk(c.concept ?? [], depth + 1);
    }
  };
  walk(cs.concept ?? [], 0);
  if (rows.length === 0) return `<p class="muted">No concepts listed here (content: ${escapeHtml(cs.content ?? 'unknown')}).</p>`;
  return `<table><thead><tr><th>code</th><th>display</th><th>definition</th></tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function valueSetCompose(vs: ValueSet, conformance: Conformance): string {
  const compose = vs.compose;
  if (!compose) return '<p class="muted">This value set has no compose.</p>';
  const rule = (inc: ValueSetComposeInclude, verb: string): string => {
    const parts: string[] = [];
    const system = inc.system ? canonicalLink(inc.system, conformance) : '';
    if (inc.concept?.length) {
      parts.push(
        `<p>${verb} these codes from ${system}:</p><table><thead><tr><th>code</th><th>display</th></tr></thead><tbody>` +
          inc.concept.map((c) => `<tr><td class="path">${escapeHtml(c.code ?? '')}</td><td>${escapeHtml(c.display ?? '')}</td></tr>`).join('') +
          '</tbody></table>',
      );
    } else if (inc.filter?.length) {
      const filters = inc.filter.map((f) => `<code>${escapeHtml(`${f.property} ${f.op} ${f.value}`)}</code>`).join(' and ');
      parts.push(`<p>${verb} codes from ${system} where ${filters}.</p>`);
    } else if (system) {
      parts.push(`<p>${verb} every code of ${system}${inc.version ? ` (version ${escapeHtml(inc.version)})` : ''}.</p>`);
    }
    if (inc.valueSet?.length) parts.push(`<p>${verb} the codes of ${inc.valueSet.map((v) => canonicalLink(v, conformance)).join(', ')}.</p>`);
    return parts.join('\n');
  };
  return [...(compose.include ?? []).map((i) => rule(i, 'Includes')), ...(compose.exclude ?? []).map((i) => rule(i, 'Excludes'))].join('\n');
}

function conceptMapTables(cm: ConceptMap, conformance: Conformance): string {
  const source = cm.sourceUri ?? cm.sourceCanonical;
  const target = cm.targetUri ?? cm.targetCanonical;
  const scope = `<p>From ${source ? canonicalLink(source, conformance) : '(unstated)'} to ${target ? canonicalLink(target, conformance) : '(unstated)'}.</p>`;
  const groups = (cm.group ?? []).map((g) => {
    const rows = (g.element ?? []).flatMap((el) =>
      (el.target?.length ? el.target : [{} as ConceptMapGroupElementTarget]).map(
        (t) =>
          `<tr><td class="path">${escapeHtml(el.code ?? '')}</td><td>${escapeHtml(el.display ?? '')}</td><td>${escapeHtml(t.equivalence ?? '')}</td>` +
          `<td class="path">${escapeHtml(t.code ?? '')}</td><td>${escapeHtml(t.display ?? '')}</td><td>${escapeHtml(t.comment ?? '')}</td></tr>`,
      ),
    );
    return (
      `<h3>${g.source ? canonicalLink(g.source, conformance) : 'source'} → ${g.target ? canonicalLink(g.target, conformance) : 'target'}</h3>` +
      '<table><thead><tr><th>source code</th><th>source display</th><th>equivalence</th><th>target code</th><th>target display</th><th>comment</th></tr></thead><tbody>' +
      rows.join('\n') +
      '</tbody></table>'
    );
  });
  return scope + groups.join('\n');
}
