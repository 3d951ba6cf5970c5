/** Hash routes (`#/sessions?q=x`): the page and its parameters, and links to them. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  page: string;
  arg?: string;
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const [page = '', arg] = path.split('/', 2);
  return {
    page: page || 'overview',
    ...(arg ? { arg: decodeURIComponent(arg) } : {}),
    params: new URLSearchParams(query),
  };
}

export function href(page: string, arg?: string, params?: Record<string, string | number | undefined>): string {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v !== undefined && v !== '') query.set(k, String(v));
  const qs = query.toString();
  return `#/${page}${arg ? `/${encodeURIComponent(arg)}` : ''}${qs ? `?${qs}` : ''}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
