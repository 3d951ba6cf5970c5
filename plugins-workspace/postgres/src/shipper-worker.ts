/**
 * The shipper's thread: its own SQLite connection and PostgreSQL client, so the proxy's event
 * loop never reads a batch or builds an INSERT. Reports its status to the daemon's thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { errorMessage, workerServices } from '@hypaware/core';
import { Shipper } from './shipper.js';
import type { FromWorker, ShipperWorkerData, ToWorker } from './shipper-protocol.js';

const data = workerData as ShipperWorkerData;
const services = workerServices({ hypHome: data.hypHome, role: 'postgres-shipper', env: data.env });
const log = services.logger({ plugin: data.plugin, mode: 'daemon', thread: 'shipper' });
const db = services.openDatabase<Database.Database>();
const post = (message: FromWorker) => parentPort!.postMessage(message);

const shipper = new Shipper({
  config: data.config,
  env: data.env,
  specs: data.specs,
  ...(data.costSql ? { costSql: data.costSql } : {}),
  identity: data.identity,
  stateDir: data.stateDir,
  db,
  log,
  meter: services.meter({ plugin: data.plugin }),
  version: data.version,
  onStatus: (status) => post({ type: 'status', status }),
});

parentPort!.on('message', (message: ToWorker) => {
  if (message.type === 'reload') shipper.reload(message.config);
  else if (message.type === 'refresh') shipper.refresh();
  else if (message.type === 'stop') {
    void shipper
      .stop()
      .catch((err: unknown) => log.error('postgres.stop_failed', { error: errorMessage(err) }))
      .finally(() => {
        db.close();
        services.close();
        post({ type: 'stopped' });
        parentPort!.close();
      });
  }
});

shipper.start();
