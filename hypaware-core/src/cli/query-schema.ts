import type { DatasetSpec } from '../plugin-api.js';
import { HypError } from '../errors.js';

export function describeSchema(
  datasets: DatasetSpec[],
  name: string | undefined,
  json: boolean,
  out: NodeJS.WritableStream,
): void {
  const list = name === undefined ? datasets : datasets.filter((d) => d.name === name);
  if (name !== undefined && list.length === 0) {
    throw new HypError(`no dataset named ${name} (known: ${datasets.map((d) => d.name).join(', ') || 'none'})`, {
      kind: 'dataset_unknown',
    });
  }
  if (json) {
    out.write(
      JSON.stringify(
        list.map((d) => ({
          name: d.name,
          description: d.description,
          primary_time: d.primaryTime,
          unique_key: d.uniqueKey ?? [],
          columns: d.columns.map((c) => ({
            name: c.name,
            type: c.type,
            nullable: c.nullable !== false,
            description: c.description ?? '',
          })),
        })),
        null,
        2,
      ) + '\n',
    );
    return;
  }
  for (const d of list) {
    out.write(
      `${d.name}: ${d.description}\n  primary time column: ${d.primaryTime}${d.uniqueKey ? `; unique: ${d.uniqueKey.join(', ')}` : ''}\n`,
    );
    if (name === undefined) {
      out.write(`  ${d.columns.length} columns (hyp query schema ${d.name})\n`);
      continue;
    }
    const w = Math.max(...d.columns.map((c) => c.name.length));
    for (const c of d.columns) {
      out.write(
        `  ${c.name.padEnd(w)}  ${c.type.padEnd(9)} ${c.nullable === false ? 'not null ' : '         '}${c.description ?? ''}`.trimEnd() +
          '\n',
      );
    }
  }
}
