import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';
import { Lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { loadConformance } from '../../src/conformance/conformance.ts';
import { headingSlug } from '../../src/http/ig/html.ts';
import { IG_DIR } from '../../src/http/ig-routes.ts';
import { useFhirServer } from '../support/fhir-client.ts';

// The content of implementation-guide/: links, example calls, and agreement with profiles/.

const B = 'https://ecm-fhir.example.org/fhir';

describe('the guide has no dead links', () => {
  const pages = readdirSync(IG_DIR).filter((f) => f.endsWith('.md'));

  function links(markdown: string): string[] {
    const hrefs: string[] = [];
    const walk = (tokens: Token[]) => {
      for (const t of tokens) {
        if (t.type === 'link') hrefs.push((t as Tokens.Link).href);
        const children = (t as { tokens?: Token[] }).tokens;
        if (children) walk(children);
        if (t.type === 'list') for (const item of (t as Tokens.List).items) walk(item.tokens);
        if (t.type === 'table') {
          const table = t as Tokens.Table;
          for (const cell of [...table.header, ...table.rows.flat()]) walk(cell.tokens);
        }
      }
    };
    walk(new Lexer({ gfm: true }).lex(markdown));
    return hrefs;
  }

  function anchors(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const ids = new Set<string>();
    for (const t of new Lexer({ gfm: true }).lex(markdown)) {
      if (t.type !== 'heading') continue;
      const base = headingSlug((t as Tokens.Heading).text);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      ids.add(n === 0 ? base : `${base}-${n}`);
    }
    return ids;
  }

  it.each(pages)('%s links only to existing files and headings', (page) => {
    const markdown = readFileSync(join(IG_DIR, page), 'utf8');
    const dead: string[] = [];
    for (const href of links(markdown)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('/')) continue;
      const [path, fragment] = href.split('#');
      const target = path === '' ? join(IG_DIR, page) : resolve(dirname(join(IG_DIR, page)), decodeURI(path));
      if (!existsSync(target)) {
        dead.push(href);
        continue;
      }
      if (fragment && target.endsWith('.md') && !anchors(readFileSync(target, 'utf8')).has(fragment)) dead.push(href);
    }
    expect(dead).toEqual([]);
  });

  it('index.md links to every page of the guide', () => {
    const linked = new Set(links(readFileSync(join(IG_DIR, 'index.md'), 'utf8')).map((h) => h.split('#')[0]));
    expect(pages.filter((p) => p !== 'index.md' && !linked.has(p))).toEqual([]);
  });
});

/** Every JSON body of the guide's examples: ```json blocks and the `-d '...'` bodies of curl calls. */
function exampleBodies(): { page: string; body: unknown }[] {
  const found: { page: string; body: unknown }[] = [];
  // validation.md shows deliberately invalid resources and their OperationOutcomes
  for (const page of readdirSync(IG_DIR).filter((f) => f.endsWith('.md') && f !== 'validation.md')) {
    for (const t of new Lexer({ gfm: true }).lex(readFileSync(join(IG_DIR, page), 'utf8'))) {
      if (t.type !== 'code') continue;
      const { lang, text } = t as Tokens.Code;
      // Placeholders such as {id} or {ecm-provider-id} become concrete ids.
      const concrete = (s: string) => s.replace(/\{([a-z][a-z-]*)\}/g, 'ex-$1');
      if (lang === 'json') found.push({ page, body: JSON.parse(concrete(text)) });
      if (lang === 'bash') for (const m of text.matchAll(/-d '([\s\S]*?)'\s*(?:#.*)?$/gm)) found.push({ page, body: JSON.parse(concrete(m[1])) });
    }
  }
  return found;
}

describe('the guide’s example bodies', () => {
  const bodies = exampleBodies();

  it('are found on the workflow pages', () => {
    expect(new Set(bodies.map((b) => b.page))).toEqual(
      new Set(['identification.md', 'authorization.md', 'assignment.md', 'outreach.md', 'enrollment-care-plan.md', 'referral-loop.md', 'discontinuation.md']),
    );
  });

  it('are valid FHIR R4 (every resource, and every resource inside a Bundle)', async () => {
    const { structuralIssues } = await import('../../src/fhir/validation/validate-resource.ts');
    const problems: string[] = [];
    for (const { page, body } of bodies) {
      if (Array.isArray(body)) continue; // a JSON Patch document
      const resources = [body as { resourceType: string; entry?: { resource?: unknown }[] }];
      if (resources[0].resourceType === 'Bundle') for (const e of resources[0].entry ?? []) if (e.resource) resources.push(e.resource as never);
      for (const r of resources) {
        for (const i of structuralIssues(r)) problems.push(`${page} ${r.resourceType}: ${i.diagnostics ?? i.details?.text} at ${i.expression?.join(',')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('conform to the profiles they claim in meta.profile (as the server enforces on create)', async () => {
    const { loadConformance } = await import('../../src/conformance/conformance.ts');
    const { profileValidatorFor } = await import('../../src/fhir/validation/profiles.ts');
    const validator = profileValidatorFor(loadConformance());
    const problems: string[] = [];
    for (const { page, body } of bodies) {
      if (Array.isArray(body)) continue;
      const resources = [body as { resourceType: string; entry?: { resource?: unknown }[] }];
      if (resources[0].resourceType === 'Bundle') for (const e of resources[0].entry ?? []) if (e.resource) resources.push(e.resource as never);
      for (const r of resources) {
        for (const i of validator.validateClaimed(r as unknown as Record<string, unknown>)) {
          if (i.severity === 'error' || i.severity === 'fatal') problems.push(`${page} ${r.resourceType}: ${i.diagnostics ?? i.details?.text} at ${i.expression?.join(',')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  describe('run against the server', () => {
    const { fhir } = useFhirServer();

    it('the identification transaction (member + coverage) and the referral transaction succeed in order', async () => {
      const transactions = bodies.filter((b) => (b.body as { resourceType?: string }).resourceType === 'Bundle');
      const member = transactions.find((b) => b.page === 'identification.md');
      const referral = transactions.find((b) => b.page === 'authorization.md');
      expect(member && referral).toBeTruthy();
      const first = await fhir.post('', member?.body);
      expect(first.status, first.text).toBe(200);
      const second = await fhir.post('', referral?.body);
      expect(second.status, second.text).toBe(200);
      const task = second.body.entry[1].resource;
      expect(task.focus.reference).toBe(second.body.entry[0].response.location.replace(/\/_history\/.*/, ''));
      expect(task.for.reference).toBe(first.body.entry[0].response.location.replace(/\/_history\/.*/, ''));
      const queue = await fhir.get('/Task?owner=Organization/plan-kern&status=requested&_sort=_lastUpdated');
      expect(queue.status).toBe(200);
      expect(queue.body.total).toBe(1);

      // referral-loop.md: the provider accepts (guarded by version 1), then closes the loop.
      const [accept, close] = bodies.filter((b) => b.page === 'referral-loop.md' && Array.isArray(b.body)).map((b) => JSON.stringify(b.body));
      const taskUrl = `/Task/${task.id}`;
      const patch = (body: string, headers: Record<string, string> = {}) => fhir.request('PATCH', taskUrl, body, { 'content-type': 'application/json-patch+json', ...headers });
      const accepted = await patch(accept, { 'if-match': 'W/"1"' });
      expect(accepted.status, accepted.text).toBe(200);
      expect(accepted.body.status).toBe('accepted');
      const closed = await patch(close);
      expect(closed.status, closed.text).toBe(200);
      expect(closed.body.status).toBe('completed');
      expect(closed.body.statusReason.coding[0].code).toBe('services-received');
      const open = await fhir.get('/Task?requester=Organization/clinic-eastside&status=requested,accepted,in-progress,on-hold');
      expect(open.body.total).toBe(0);
    });
  });
});

/**
 * The guide against the shipped profiles/: once profiles/ holds our StructureDefinitions and
 * CodeSystems, every profile an example claims, every code it uses from one of our code systems,
 * and every rule ID a page cites must exist there. Skipped (visibly) while profiles/ is empty.
 */
describe('the guide agrees with profiles/', () => {
  const shipped = loadConformance();
  const ours = (url: string) => url.startsWith(`${B}/`);
  const bodies = exampleBodies();

  function walk(value: unknown, visit: (node: Record<string, unknown>) => void): void {
    if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
    else if (value && typeof value === 'object') {
      visit(value as Record<string, unknown>);
      Object.values(value).forEach((v) => walk(v, visit));
    }
  }

  function codesOf(cs: CodeSystem): Set<string> {
    const codes = new Set<string>();
    const add = (concepts: CodeSystemConcept[] = []) => concepts.forEach((c) => (codes.add(c.code ?? ''), add(c.concept)));
    add(cs.concept);
    return codes;
  }

  it('every profile an example claims is shipped', () => {
    const missing = new Set<string>();
    for (const { body } of bodies) {
      walk(body, (node) => {
        const profiles = (node.meta as { profile?: string[] } | undefined)?.profile ?? [];
        for (const p of profiles) if (!shipped.get('StructureDefinition', p)) missing.add(p);
      });
    }
    expect([...missing]).toEqual([]);
  });

  it('every code an example uses from our code systems exists', () => {
    const wrong = new Set<string>();
    for (const { page, body } of bodies) {
      walk(body, (node) => {
        if (typeof node.system !== 'string' || typeof node.code !== 'string' || !node.system.startsWith(`${B}/CodeSystem/`)) return;
        const cs = shipped.get<CodeSystem>('CodeSystem', node.system);
        if (!cs || !codesOf(cs).has(node.code)) wrong.add(`${page}: ${node.system}|${node.code}`);
      });
    }
    expect([...wrong]).toEqual([]);
  });

  const ruleSystem = shipped.get<CodeSystem>('CodeSystem', `${B}/CodeSystem/ecm-rule`);
  it('every rule ID a page cites is a code of ecm-rule', () => {
    expect(ruleSystem, 'profiles/ ships the ecm-rule CodeSystem').toBeDefined();
    const rules = ruleSystem ? codesOf(ruleSystem) : new Set<string>();
    const notRules = new Set(['ICD-10-CM', 'ICD-10', 'DMC-ODS']);
    const unknown: string[] = [];
    for (const page of readdirSync(IG_DIR).filter((f) => f.endsWith('.md') && f !== 'rest-api.md')) {
      const text = readFileSync(join(IG_DIR, page), 'utf8');
      for (const [id] of text.matchAll(/\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b/g)) if (!notRules.has(id) && !rules.has(id)) unknown.push(`${page}: ${id}`);
    }
    expect([...new Set(unknown)]).toEqual([]);
  });
});
