/** New rows without a restart: the server's change marker, polled every few seconds. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';

const POLL_MS = 3000;

export function useDataVersion(): string {
  const [version, setVersion] = useState('');
  useEffect(() => {
    let stopped = false;
    const tick = async () => {
      try {
        const { version: v } = await getJson<{ version: string }>('/api/version');
        if (!stopped) setVersion(v);
      } catch {
        // the server is gone or busy: try again at the next tick
      }
    };
    void tick();
    const timer = setInterval(() => void tick(), POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return version;
}

/** Load `fn` again whenever its inputs or the data version change; the previous result stays shown meanwhile. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): { data?: T; error?: string; loading: boolean } {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => current && setState({ data, loading: false }),
      (err: Error) => current && setState({ error: err.message, loading: false }),
    );
    return () => {
      current = false;
    };
  }, deps);
  return state;
}
