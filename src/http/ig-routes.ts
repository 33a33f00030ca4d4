import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Conformance } from '../conformance/conformance.ts';
import { escapeHtml } from './ig/html.ts';
import { layout } from './ig/layout.ts';
import { IG_PATH } from './ig/links.ts';
import { renderMarkdown } from './ig/markdown.ts';
import { profileListPage, profilePage, type GeneratedPage } from './ig/profile-pages.ts';
import { terminologyListPage, terminologyPage } from './ig/terminology-pages.ts';

/** Where the guide's Markdown pages live. */
export const IG_DIR = fileURLToPath(new URL('../../implementation-guide/', import.meta.url));

export interface IgRoutesOptions {
  conformance: Conformance;
  /** The Markdown pages' directory (tests point it elsewhere). */
  dir?: string;
}

const HTML = 'text/html; charset=utf-8';
const PAGE_NAME = /^[a-z0-9][a-z0-9-]*$/;
const RESOURCE_ID = /^[A-Za-z0-9.-]{1,64}$/;

/**
 * The implementation guide as HTML at `/ig`: the Markdown pages of implementation-guide/ (`/ig`
 * for index.md, `/ig/<page>` for `<page>.md`) and pages generated at request time from the loaded
 * conformance resources (`/ig/profiles[/<id>]`, `/ig/terminology[/<id>]`). A page name is served
 * only when it matches a file listed in the directory, so no request can reach another file.
 */
export async function igRoutes(app: FastifyInstance, options: IgRoutesOptions): Promise<void> {
  const dir = options.dir ?? IG_DIR;
  const { conformance } = options;

  const send = (reply: FastifyReply, page: GeneratedPage, mermaid = false, status = 200) =>
    reply.code(status).type(HTML).send(layout(page.title, page.body, { mermaid }));

  const notFound = (reply: FastifyReply, what: string) =>
    send(
      reply,
      {
        title: 'Page not found',
        body: `<h1 id="page-not-found">Page not found</h1>\n<p>The guide has no page <code>${escapeHtml(what)}</code>. Start from the <a href="${IG_PATH}/">overview</a>, the <a href="${IG_PATH}/profiles">profiles</a> or the <a href="${IG_PATH}/terminology">terminology</a>.</p>`,
      },
      false,
      404,
    );

  const markdownPage = async (reply: FastifyReply, name: string) => {
    const files = await readdir(dir).catch(() => [] as string[]);
    if (!PAGE_NAME.test(name) || !files.includes(`${name}.md`)) return notFound(reply, name);
    const rendered = renderMarkdown(await readFile(join(dir, `${name}.md`), 'utf8'), { trustHtml: true });
    return send(reply, { title: rendered.title ?? name, body: rendered.html }, rendered.hasMermaid);
  };

  app.get(IG_PATH, async (_request, reply) => markdownPage(reply, 'index'));

  app.get(`${IG_PATH}/*`, async (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    if (rest === '' || rest === 'index') return markdownPage(reply, 'index');
    const [section, id, ...more] = rest.split('/');
    if (section === 'profiles' && more.length === 0) {
      if (id === undefined || id === '') return send(reply, profileListPage(conformance));
      const sd = RESOURCE_ID.test(id) ? conformance.structureDefinitions().find((s) => s.id === id) : undefined;
      return sd ? send(reply, profilePage(sd, conformance)) : notFound(reply, rest);
    }
    if (section === 'terminology' && more.length === 0) {
      if (id === undefined || id === '') return send(reply, terminologyListPage(conformance));
      const page = RESOURCE_ID.test(id) ? terminologyPage(conformance, id) : undefined;
      return page ? send(reply, page) : notFound(reply, rest);
    }
    // A GitHub-style link typed into the browser (`/ig/rest-api.md`) goes to the served page.
    const md = /^([a-z0-9][a-z0-9-]*)\.md$/.exec(rest);
    if (md) return reply.redirect(md[1] === 'index' ? `${IG_PATH}/` : `${IG_PATH}/${md[1]}`, 301);
    return markdownPage(reply, rest);
  });
}
