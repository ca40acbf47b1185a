import { useCallback, useEffect, useState } from 'preact/hooks';
import { html } from './html.js';

export type Loaded<T> = { data: T | null; error: string | null; reload: () => void };

/** Runs `load` when `deps` change and on reload(); keeps the last data while reloading (no flicker on live updates). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    load().then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(null);
      },
      (failure: unknown) => live && setError(failure instanceof Error ? failure.message : String(failure)),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

/** Re-renders every `ms`, for times that count down or up. */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}

export function Failure({ error }: { error: string | null }) {
  return error === null ? null : html`<p class="error" role="alert">${error}</p>`;
}
