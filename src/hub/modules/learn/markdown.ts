/**
 * Safe Markdown for explainers. Raw HTML is never passed through (it is shown as text),
 * images are replaced by their alt text, and links are kept only for http(s), mailto,
 * relative and in-page targets. Two extensions: inline citations `[n]` link to the n-th
 * source, and `{{diagram:id}}` on its own line inlines an accessible SVG figure.
 */
import { Marked, type Tokens } from 'marked';
import { escapeHtml, html, raw, type SafeHtml } from '../../html.ts';
import type { Diagram } from './content.ts';

export interface RenderedMarkdown {
  html: SafeHtml;
  /** Level-2 headings for a table of contents (inline markup removed, text escaped). */
  headings: { id: string; html: SafeHtml }[];
}

export interface MarkdownOptions {
  diagram(id: string): Diagram | undefined;
  /** Accessible label of the "text description" disclosure under each diagram. */
  diagramDescriptionLabel: string;
  /** Prefix of citation link targets: `#${prefix}${n}`. */
  sourceAnchor: string;
  /** Ids the page already uses; headings get another id. */
  reservedIds?: readonly string[];
}

function safeHref(href: string): string | undefined {
  const trimmed = href.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return trimmed;
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return undefined; // javascript:, data:, vbscript:, …
  if (trimmed.startsWith('//')) return undefined;
  return trimmed;
}

function slug(text: string, used: Set<string>): string {
  const base =
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'section';
  let candidate = base;
  for (let n = 2; used.has(candidate) || /^source-\d+$/.test(candidate); n++) candidate = `${base}-${n}`;
  used.add(candidate);
  return candidate;
}

export function renderDiagram(diagram: Diagram, descriptionLabel: string): SafeHtml {
  // The SVG passed the diagram schema (no scripts, handlers, external links or styles).
  return html`<figure class="diagram">
${raw(diagram.svg)}
<figcaption>${diagram.title}</figcaption>
<details><summary>${descriptionLabel}</summary><p>${diagram.desc}</p></details>
</figure>`;
}

export function renderMarkdown(source: string, options: MarkdownOptions): RenderedMarkdown {
  const headings: { id: string; html: SafeHtml }[] = [];
  const usedIds = new Set<string>(options.reservedIds ?? []);
  const marked = new Marked({
    gfm: true,
    async: false,
    extensions: [
      {
        name: 'diagram',
        level: 'block',
        start: (src: string) => src.match(/^\{\{diagram:/m)?.index,
        tokenizer(src: string) {
          const match = /^\{\{diagram:([a-z0-9-]+)\}\}[ \t]*(?:\n|$)/.exec(src);
          if (match === null) return undefined;
          return { type: 'diagram', raw: match[0], id: match[1] ?? '' };
        },
        renderer(token) {
          const diagram = options.diagram(String(token.id));
          return diagram === undefined ? '' : `${renderDiagram(diagram, options.diagramDescriptionLabel).value}\n`;
        },
      },
      {
        name: 'citation',
        level: 'inline',
        start: (src: string) => src.match(/\[\d+\](?!\()/)?.index,
        tokenizer(src: string) {
          const match = /^\[(\d{1,3})\](?!\()/.exec(src);
          if (match === null) return undefined;
          return { type: 'citation', raw: match[0], n: Number(match[1]) };
        },
        renderer(token) {
          const n = Number(token.n);
          return `<a class="cite" href="#${escapeHtml(options.sourceAnchor)}${n}">[${n}]</a>`;
        },
      },
    ],
    renderer: {
      html({ text }: Tokens.HTML | Tokens.Tag) {
        return escapeHtml(text);
      },
      image({ text }: Tokens.Image) {
        return escapeHtml(text);
      },
      link({ href, title, tokens }: Tokens.Link) {
        const inner = this.parser.parseInline(tokens);
        const target = safeHref(href);
        if (target === undefined) return inner;
        const titleAttr = title ? ` title="${escapeHtml(title)}"` : '';
        return `<a href="${escapeHtml(target)}"${titleAttr}>${inner}</a>`;
      },
      // Task lists ("- [ ] …") become checklists a reader can tick (nothing is stored): each
      // checkbox is labelled by its item's text, as a form control must be.
      checkbox({ checked }: Tokens.Checkbox) {
        return `<input type="checkbox"${checked ? ' checked' : ''}> `;
      },
      listitem(item: Tokens.ListItem) {
        if (!item.task) return false;
        const inner = this.parser.parse(item.tokens).trim();
        // A label holds phrasing content only; an item with blocks names its checkbox instead.
        if (/<(p|ul|ol|div|pre|blockquote|table|h[2-6]|figure)\b/.test(inner)) {
          const name = escapeHtml(item.text.replace(/^\s*\[[ xX]\]\s*/, '').split('\n')[0]!.trim());
          return `<li class="task">${inner.replace('<input type="checkbox"', `<input type="checkbox" aria-label="${name}"`)}</li>\n`;
        }
        return `<li class="task"><label>${inner}</label></li>\n`;
      },
      heading({ tokens, depth }: Tokens.Heading) {
        const inner = this.parser.parseInline(tokens);
        const level = Math.min(Math.max(depth, 2), 6);
        const plain = inner.replace(/<[^>]*>/g, '');
        const headingId = slug(plain.replace(/&[a-z0-9#]+;/gi, ' '), usedIds);
        if (level === 2) headings.push({ id: headingId, html: raw(plain) });
        return `<h${level} id="${headingId}">${inner}</h${level}>\n`;
      },
    },
  });
  // Wide tables scroll inside a wrapper, so the table keeps its table semantics.
  const out = marked
    .parse(source, { async: false })
    .replaceAll('<table>', '<div class="table-wrap"><table>')
    .replaceAll('</table>', '</table></div>');
  return { html: raw(out), headings };
}
