/**
 * The activation-context members an adapter under test must not use (it provides no capability,
 * dataset, source, view or status section, and has no storage): each throws, naming the plugin,
 * so a test fails loudly if the adapter starts to rely on one. Shared by the adapters' harnesses.
 */
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import type { ActivationContext } from '@hypaware/core';

type Refused = Pick<
  ActivationContext,
  | 'provideCapability'
  | 'contributions'
  | 'registerDataset'
  | 'registerSource'
  | 'registerUninstallStep'
  | 'registerView'
  | 'registerStatusSection'
  | 'registerRemoteQuery'
  | 'registerRetentionHold'
  | 'configSection'
  | 'storage'
  | 'onShutdown'
  | 'meter'
>;

export function refusedServices(plugin: string): Refused {
  const refuse = (what: string) => () => {
    throw new Error(`the ${plugin} plugin ${what}`);
  };
  const noStorage = () => {
    throw new Error('no storage in unit tests');
  };
  return {
    provideCapability: refuse('provides no capability'),
    contributions: () => [],
    registerDataset: refuse('registers no dataset'),
    registerSource: refuse('registers no source'),
    registerUninstallStep: () => undefined,
    registerView: refuse('registers no view'),
    registerStatusSection: refuse('registers no status section'),
    registerRemoteQuery: refuse('answers no remote query'),
    registerRetentionHold: refuse('holds no rows from retention'),
    configSection: () => undefined,
    storage: {
      database: noStorage,
      openReadOnly: noStorage,
      driverDatabase: noStorage,
      datasets: noStorage,
      path: '/nonexistent/db',
    },
    onShutdown: () => undefined,
    meter: { counter: () => ({ add: () => undefined }) },
  };
}

/** The gateway's history API, which an adapter does not use: each member throws, naming the plugin. */
export function refusedHistory(plugin: string): AiGatewayApi['history'] {
  const refuse = () => {
    throw new Error(`the ${plugin} plugin reads no history figures`);
  };
  return {
    overview: refuse,
    estimateCost: refuse,
    recipes: refuse,
    get costSql(): never {
      return refuse();
    },
  };
}
