import type { ElementDefinition, ElementDefinitionType, StructureDefinition } from '@medplum/fhirtypes';
import type { Conformance } from '../../conformance/conformance.ts';
import { canonicalLink } from './canonical-links.ts';
import { escapeHtml } from './html.ts';
import { IG_PATH } from './links.ts';
import { renderMarkdown } from './markdown.ts';

export interface GeneratedPage {
  title: string;
  body: string;
}

function isExtension(sd: StructureDefinition): boolean {
  return sd.type === 'Extension';
}

function byId(a: { id?: string }, b: { id?: string }): number {
  return (a.id ?? '').localeCompare(b.id ?? '');
}

/** Data-sourced Markdown (descriptions, definitions): rendered, its raw HTML escaped. */
export function dataMarkdown(text: string | undefined): string {
  return text ? renderMarkdown(text, { trustHtml: false }).html : '';
}

/** `/ig/profiles`: every StructureDefinition loaded, profiles first, then extensions. */
export function profileListPage(conformance: Conformance): GeneratedPage {
  const all = conformance.structureDefinitions().filter((sd) => sd.id).sort(byId);
  const table = (rows: StructureDefinition[], what: string): string => {
    if (rows.length === 0) return `<p class="muted">No ${what} are loaded.</p>`;
    const body = rows
      .map(
        (sd) =>
          `<tr><td><a href="${IG_PATH}/profiles/${encodeURIComponent(sd.id ?? '')}">${escapeHtml(sd.id ?? '')}</a></td>` +
          `<td>${escapeHtml(sd.title ?? sd.name ?? '')}</td><td>${escapeHtml(sd.type ?? '')}</td>` +
          `<td>${escapeHtml(firstSentence(sd.description))}</td></tr>`,
      )
      .join('\n');
    return `<table><thead><tr><th>id</th><th>title</th><th>type</th><th>description</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
  };
  const body = [
    '<h1 id="profiles">Profiles</h1>',
    '<p>Generated from the StructureDefinitions the server loaded from <code>profiles/</code>. A resource that claims one of these in <code>meta.profile</code> is validated against it on create and update.</p>',
    '<h2 id="resource-profiles">Resource profiles</h2>',
    table(all.filter((sd) => !isExtension(sd)), 'profiles'),
    '<h2 id="extensions">Extensions</h2>',
    table(all.filter(isExtension), 'extensions'),
  ].join('\n');
  return { title: 'Profiles', body };
}

function firstSentence(text: string | undefined): string {
  if (!text) return '';
  const line = text.split(/\n\s*\n/)[0].replace(/\s+/g, ' ').trim();
  const m = /^(.+?[.!?])(\s|$)/.exec(line);
  return m ? m[1] : line;
}

/** `/ig/profiles/<id>`: description, metadata and the element table generated from the differential. */
export function profilePage(sd: StructureDefinition, conformance: Conformance): GeneratedPage {
  const title = sd.title ?? sd.name ?? sd.id ?? 'Profile';
  const facts: [string, string][] = [
    ['Canonical URL', `<code>${escapeHtml(sd.url ?? '')}</code>`],
    ['Resource type', escapeHtml(sd.type ?? '')],
    ['Based on', sd.baseDefinition ? canonicalLink(sd.baseDefinition, conformance) : ''],
    ['Status', escapeHtml([sd.status, sd.version && `version ${sd.version}`].filter(Boolean).join(', '))],
  ];
  if (isExtension(sd) && sd.context?.length) {
    facts.push(['Used on', sd.context.map((c) => `<code>${escapeHtml(c.expression ?? '')}</code>`).join(', ')]);
  }
  const elements = sd.differential?.element ?? [];
  const body = [
    `<h1 id="${escapeHtml(sd.id ?? '')}">${escapeHtml(title)}</h1>`,
    dataMarkdown(sd.description),
    `<table><tbody>${facts.filter(([, v]) => v).map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>`,
    '<h2 id="elements">Elements (differential)</h2>',
    elements.length === 0
      ? '<p class="muted">This profile constrains no element beyond its base.</p>'
      : elementTable(elements, conformance),
    '<p class="muted">Cardinality shows what the profile sets; an empty side keeps the base definition’s value. S = must support.</p>',
  ].join('\n');
  return { title, body };
}

function elementTable(elements: ElementDefinition[], conformance: Conformance): string {
  const rows = elements.map((e) => {
    const path = e.id ?? (e.sliceName ? `${e.path}:${e.sliceName}` : e.path);
    const card = e.min === undefined && e.max === undefined ? '' : `${e.min ?? ''}..${e.max ?? ''}`;
    const flags = e.mustSupport ? ' <strong title="must support">S</strong>' : '';
    return (
      `<tr><td class="path">${escapeHtml(path)}</td><td>${escapeHtml(card)}${flags}</td>` +
      `<td>${(e.type ?? []).map((t) => typeHtml(t, conformance)).join(' | ')}</td>` +
      `<td>${constraintsHtml(e, conformance)}</td>` +
      `<td>${e.short ? `<strong>${escapeHtml(e.short)}</strong>` : ''}${dataMarkdown(e.definition)}</td>` +
      `<td>${invariantsHtml(e)}</td></tr>`
    );
  });
  return (
    '<table class="elements"><thead><tr><th>path</th><th>card.</th><th>type</th><th>binding / fixed / pattern</th><th>short / definition</th><th>invariants</th></tr></thead><tbody>\n' +
    rows.join('\n') +
    '\n</tbody></table>'
  );
}

function typeHtml(t: ElementDefinitionType, conformance: Conformance): string {
  const code = escapeHtml(t.code ?? '');
  const profiles = (t.profile ?? []).map((p) => canonicalLink(p, conformance));
  const targets = (t.targetProfile ?? []).map((p) => canonicalLink(p, conformance));
  if (targets.length) return `${code}(${targets.join(' | ')})`;
  if (profiles.length) return `${code}(${profiles.join(' | ')})`;
  return code;
}

function constraintsHtml(e: ElementDefinition, conformance: Conformance): string {
  const parts: string[] = [];
  if (e.binding) {
    const vs = e.binding.valueSet ? canonicalLink(e.binding.valueSet, conformance) : '';
    parts.push(`<em>${escapeHtml(e.binding.strength ?? '')}</em> ${vs}`.trim());
  }
  for (const [key, value] of Object.entries(e)) {
    if (/^(fixed|pattern)[A-Z]/.test(key)) {
      const kind = key.startsWith('fixed') ? 'fixed' : 'pattern';
      parts.push(`${kind}: <code>${escapeHtml(JSON.stringify(value))}</code>`);
    }
  }
  if (e.slicing) {
    const by = (e.slicing.discriminator ?? []).map((d) => `${d.type}:${d.path}`).join(', ');
    parts.push(`sliced by <code>${escapeHtml(by)}</code> (${escapeHtml(e.slicing.rules ?? '')})`);
  }
  return parts.join('<br>');
}

function invariantsHtml(e: ElementDefinition): string {
  return (e.constraint ?? [])
    .map((c) => `<strong>${escapeHtml(c.key ?? '')}</strong> (${escapeHtml(c.severity ?? '')}): ${escapeHtml(c.human ?? '')}${c.expression ? `<br><code>${escapeHtml(c.expression)}</code>` : ''}`)
    .join('<br>');
}
