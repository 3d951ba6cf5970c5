import type Database from 'better-sqlite3';
import type { CommandIO, DatasetSpec } from '../plugin-api.js';
import { HypError } from '../errors.js';
import type { Kernel } from '../kernel/boot.js';
import { openReadOnlyDatabase } from '../storage/database.js';
import { listStoredDatasets } from '../storage/datasets.js';

/** What the kernel's own data commands (export, prune) get from `hyp`'s CLI. */
export interface KernelCommandContext {
  io: CommandIO & { env: NodeJS.ProcessEnv };
  /** The booted CLI kernel; throws the boot error (one line) when the kernel could not boot. */
  kernel(): Kernel;
}

/**
 * A read-only connection to the kernel's database. The kernel's own connection is opened first
 * so that a fresh HYP_HOME gets its tables and views before the read-only one looks.
 */
export function openReadOnlyKernelDatabase(kernel: Kernel): Database.Database {
  kernel.database();
  return openReadOnlyDatabase(kernel.layout.databasePath);
}

/** A dataset's spec: registered by an active plugin, else as recorded in the database. */
export function findDatasetSpec(kernel: Kernel, db: Database.Database, name: string): DatasetSpec {
  const spec = kernel.datasets.get(name)?.spec ?? listStoredDatasets(db).find((d) => d.spec.name === name)?.spec;
  if (!spec) {
    const known = new Set([...kernel.datasets.keys(), ...listStoredDatasets(db).map((d) => d.spec.name)]);
    throw new HypError(`no dataset named ${name} (known: ${[...known].sort().join(', ') || 'none'})`, {
      kind: 'dataset_unknown',
    });
  }
  return spec;
}

/** The dataset `hyp export parquet` takes without `--dataset`: the first registered with `defaultExport`. */
export function defaultExportDataset(kernel: Kernel | undefined): string | undefined {
  for (const [name, d] of kernel?.datasets ?? []) if (d.spec.defaultExport) return name;
  return undefined;
}
