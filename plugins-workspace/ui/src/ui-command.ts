/** `hyp ui [--listen 127.0.0.1:18522] [--open]`: the local web app over the history, in the foreground. */
import type { ActivationContext, CommandSpec } from '@hypaware/core';
import type { AiGatewayApi } from '@hypaware/ai-gateway';
import { DEFAULT_UI_LISTEN, parseListen } from './listen-option.js';

export function uiCommand(ctx: ActivationContext, api: AiGatewayApi): CommandSpec {
  return {
    name: 'ui',
    description: 'the local web app over the history: overview, sessions, replay, upstreams, exchanges, SQL',
    configure(command, io) {
      command
        .option('--listen <host:port>', 'loopback address to serve on', DEFAULT_UI_LISTEN)
        .option('--open', 'open the browser at the URL')
        .action(async (opts: { listen: string; open?: boolean }) => {
          parseListen(opts.listen); // a bad address is refused before anything loads
          // the server, the front end and the search index load only for this command
          const { runUi } = await import('./ui-run.js');
          await runUi(ctx, api, opts, io);
        });
    },
  };
}
