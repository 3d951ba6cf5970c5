/** The `hyp ui` single-page app: a navigation bar and the page the hash route names. */
import { render } from 'preact';
import { useDataVersion } from './live.js';
import { OverviewPage } from './pages/overview.js';
import { ReplayPageView } from './pages/replay.js';
import { SessionsPage } from './pages/sessions.js';
import { ExchangePage, ExchangesPage } from './pages/exchanges.js';
import { SqlPage } from './pages/sql.js';
import { UpstreamsPage } from './pages/upstreams.js';
import { href, useRoute, type Route } from './router.js';

type Page = (props: { route: Route; version: string }) => preact.JSX.Element;

const PAGES: Record<string, { title: string; view: Page; nav?: boolean }> = {
  overview: { title: 'Overview', view: OverviewPage, nav: true },
  sessions: { title: 'Sessions', view: SessionsPage, nav: true },
  session: { title: 'Session', view: ReplayPageView },
  upstreams: { title: 'Upstreams', view: UpstreamsPage, nav: true },
  exchanges: { title: 'Exchanges', view: ExchangesPage, nav: true },
  exchange: { title: 'Exchange', view: ExchangePage },
  sql: { title: 'SQL', view: SqlPage, nav: true },
};

function App() {
  const route = useRoute();
  const version = useDataVersion();
  const page = PAGES[route.page] ?? PAGES.overview!;
  const current = route.page === 'session' ? 'sessions' : route.page === 'exchange' ? 'exchanges' : route.page;
  document.title = `${page.title} · HypAware`;
  return (
    <>
      <header class="top">
        <a class="brand" href={href('overview')}>
          HypAware
        </a>
        <nav>
          {Object.entries(PAGES)
            .filter(([, p]) => p.nav)
            .map(([name, p]) => (
              <a href={href(name)} class={name === current ? 'on' : ''}>
                {p.title}
              </a>
            ))}
        </nav>
        <span class="live" title="new rows appear without a reload">
          ● live
        </span>
      </header>
      <main>
        {/* a new page or argument starts from fresh state (no rows of the previous session) */}
        <page.view key={`${route.page}/${route.arg ?? ''}`} route={route} version={version} />
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
