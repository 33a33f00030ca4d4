import { escapeHtml } from './html.ts';
import { IG_PATH } from './links.ts';

// Mermaid renders the sequence diagrams in the browser; everything else is rendered on the server.
const MERMAID_SCRIPT = `<script type="module">
import mermaid from 'https://cdn.jsdelivr.net/npm/mermaid@11/dist/mermaid.esm.min.mjs';
mermaid.initialize({ startOnLoad: true, securityLevel: 'strict' });
</script>`;

const STYLE = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-soft: #f6f8fa; --link: #0969da; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); font: 16px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Helvetica, Arial, sans-serif; }
header { border-bottom: 1px solid var(--line); background: var(--bg-soft); }
header nav { max-width: 72rem; margin: 0 auto; padding: .6rem 1.5rem; display: flex; gap: 1.25rem; flex-wrap: wrap; }
header a { font-weight: 600; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 4rem; }
a { color: var(--link); text-decoration: none; } a:hover { text-decoration: underline; }
h1, h2 { border-bottom: 1px solid var(--line); padding-bottom: .3rem; }
h1 { font-size: 1.9rem; } h2 { font-size: 1.45rem; margin-top: 2rem; } h3 { font-size: 1.15rem; }
code { font: .875em ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: var(--bg-soft); padding: .1em .3em; border-radius: 4px; }
pre { background: var(--bg-soft); padding: .9rem 1rem; border-radius: 6px; overflow-x: auto; line-height: 1.4; }
pre code { background: none; padding: 0; }
pre.mermaid { background: none; text-align: center; }
table { border-collapse: collapse; margin: 1rem 0; display: block; overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: .35rem .65rem; text-align: left; vertical-align: top; }
th { background: var(--bg-soft); }
td.path { white-space: nowrap; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .875em; }
.muted { color: var(--muted); }
blockquote { margin: 0; padding: 0 1em; color: var(--muted); border-left: .25em solid var(--line); }
`;

export interface PageOptions {
  mermaid?: boolean;
}

/** A complete HTML page of the guide: navigation, stylesheet, and Mermaid only where a page needs it. */
export function layout(title: string, body: string, options: PageOptions = {}): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ECM FHIR Implementation Guide</title>
<style>${STYLE}</style>
</head>
<body>
<header><nav>
<a href="${IG_PATH}/">ECM FHIR Implementation Guide</a>
<a href="${IG_PATH}/rest-api">REST API</a>
<a href="${IG_PATH}/access-control">Access control</a>
<a href="${IG_PATH}/profiles">Profiles</a>
<a href="${IG_PATH}/terminology">Terminology</a>
</nav></header>
<main>
${body}
</main>
${options.mermaid ? MERMAID_SCRIPT : ''}
</body>
</html>
`;
}
