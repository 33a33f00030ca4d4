import type { Conformance } from '../../conformance/conformance.ts';
import { escapeHtml } from './html.ts';
import { IG_PATH } from './links.ts';

/**
 * A canonical URL as HTML: a link to its generated page when the resource is loaded here, a link
 * to the spec for an http(s) URL we do not hold, and plain code otherwise.
 */
export function canonicalLink(canonical: string, conformance: Conformance): string {
  const [url] = canonical.split('|');
  const sd = conformance.get('StructureDefinition', url);
  if (sd?.id) return `<a href="${IG_PATH}/profiles/${encodeURIComponent(sd.id)}">${escapeHtml(sd.id)}</a>`;
  const terminology = conformance.get('ValueSet', url) ?? conformance.get('CodeSystem', url) ?? conformance.get('ConceptMap', url);
  if (terminology?.id) return `<a href="${IG_PATH}/terminology/${encodeURIComponent(terminology.id)}">${escapeHtml(terminology.id)}</a>`;
  if (/^https?:\/\//.test(url)) {
    const name = /^http:\/\/hl7\.org\/fhir\/(us\/core\/)?StructureDefinition\//.test(url) ? url.slice(url.lastIndexOf('/') + 1) : canonical;
    return `<a href="${escapeHtml(url)}">${escapeHtml(name)}</a>`;
  }
  return `<code>${escapeHtml(canonical)}</code>`;
}
