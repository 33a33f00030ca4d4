import { Marked, type Tokens } from 'marked';
import { escapeHtml, headingSlug } from './html.ts';
import { servedHref } from './links.ts';

export interface RenderedMarkdown {
  html: string;
  /** Text of the first level-1 heading, if any. */
  title: string | undefined;
  /** Whether the page holds a Mermaid diagram (the layout then loads Mermaid). */
  hasMermaid: boolean;
}

export interface MarkdownOptions {
  /**
   * Raw HTML in the source is passed through for the guide's own pages; Markdown taken from
   * conformance resources (descriptions, definitions) is data, so its HTML is escaped.
   */
  trustHtml: boolean;
}

/**
 * Renders GitHub-flavoured Markdown: links rewritten to their served addresses, headings with
 * GitHub's anchors (so `page.md#section` links work in both places), ```mermaid blocks as
 * `<pre class="mermaid">` for client-side rendering.
 */
export function renderMarkdown(source: string, options: MarkdownOptions): RenderedMarkdown {
  let hasMermaid = false;
  let pageTitle: string | undefined;
  const slugs = new Map<string, number>();
  const marked = new Marked({
    gfm: true,
    renderer: {
      code({ text, lang }: Tokens.Code): string {
        const language = (lang ?? '').trim().split(/\s+/)[0];
        if (language === 'mermaid') {
          hasMermaid = true;
          return `<pre class="mermaid">${escapeHtml(text)}</pre>\n`;
        }
        const cls = language ? ` class="language-${escapeHtml(language)}"` : '';
        return `<pre><code${cls}>${escapeHtml(text)}</code></pre>\n`;
      },
      heading({ tokens, depth, text }: Tokens.Heading): string {
        if (depth === 1 && pageTitle === undefined) pageTitle = text;
        const base = headingSlug(text);
        const seen = slugs.get(base) ?? 0;
        slugs.set(base, seen + 1);
        const id = seen === 0 ? base : `${base}-${seen}`;
        return `<h${depth} id="${escapeHtml(id)}">${this.parser.parseInline(tokens)}</h${depth}>\n`;
      },
      link({ href, title, tokens }: Tokens.Link): string {
        const t = title ? ` title="${escapeHtml(title)}"` : '';
        const unsafe = !options.trustHtml && /^[a-z][a-z0-9+.-]*:/i.test(href) && !/^(https?|mailto):/i.test(href);
        return `<a href="${escapeHtml(unsafe ? '#' : servedHref(href))}"${t}>${this.parser.parseInline(tokens)}</a>`;
      },
      html({ text }: Tokens.HTML | Tokens.Tag): string {
        return options.trustHtml ? text : escapeHtml(text);
      },
    },
  });
  const html = marked.parse(source, { async: false });
  return { html, title: pageTitle, hasMermaid };
}
