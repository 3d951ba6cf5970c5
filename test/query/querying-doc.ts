/**
 * The generated parts of docs/querying.md: the views' columns and the ten recipes, rendered
 * from the data the product ships; and the library example of docs/library.md.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HISTORY_VIEWS, RECIPES, type Recipe, type ViewSpec } from 'hypaware';
import { REPO_ROOT } from '../../harness/repo.js';

export const QUERYING_DOC = join(REPO_ROOT, 'docs', 'querying.md');
export const LIBRARY_DOC = join(REPO_ROOT, 'docs', 'library.md');

export function renderViews(views: ViewSpec[] = HISTORY_VIEWS): string {
  return views
    .map((v) =>
      [
        `### \`${v.name}\``,
        '',
        v.description,
        '',
        '| column | type | meaning |',
        '|---|---|---|',
        ...v.columns.map((c) => `| \`${c.name}\` | ${c.type} | ${c.description ?? ''} |`),
      ].join('\n'),
    )
    .join('\n\n');
}

export function renderRecipes(recipes: Recipe[] = RECIPES): string {
  return recipes
    .map((r, i) => [`### ${i + 1}. ${r.title}`, '', r.note, '', '```sql', r.sql, '```'].join('\n'))
    .join('\n\n');
}

/** The lines between `<!-- name:begin ... -->` and `<!-- name:end -->`. */
export function generatedBlock(doc: string, name: string): { start: number; end: number; text: string } {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`<!-- ${name}:begin`));
  const end = lines.findIndex((l) => l === `<!-- ${name}:end -->`);
  if (start < 0 || end < start) throw new Error(`docs/querying.md has no ${name} block`);
  return { start, end, text: lines.slice(start + 1, end).join('\n') };
}

/** The doc with its generated blocks replaced by fresh renderings. */
export function regenerated(doc: string): string {
  let out = doc;
  for (const [name, text] of [
    ['views', renderViews()],
    ['recipes', renderRecipes()],
  ] as const) {
    const lines = out.split('\n');
    const block = generatedBlock(out, name);
    out = [...lines.slice(0, block.start + 1), text, ...lines.slice(block.end)].join('\n');
  }
  return out;
}

/** The JavaScript example of docs/library.md. */
export function libraryExample(doc: string = readFileSync(LIBRARY_DOC, 'utf8')): string {
  const match = /```js\n([\s\S]*?)```/.exec(doc);
  if (!match) throw new Error('docs/library.md has no js example');
  return match[1]!;
}
