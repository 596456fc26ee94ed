import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/client.ts';

/** Data loaded from the API for a page: the value, the error in words, and a way to reload it. */
export interface Resource<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload(): Promise<void>;
  /** Replace the value locally (an optimistic change) without a round trip. */
  set(update: (current: T | undefined) => T | undefined): void;
}

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const loadRef = useRef(load);
  loadRef.current = load;
  const controller = useRef<AbortController | null>(null);

  const reload = useCallback(async () => {
    controller.current?.abort();
    const current = new AbortController();
    controller.current = current;
    setLoading(true);
    try {
      const value = await loadRef.current(current.signal);
      if (current.signal.aborted) return;
      setData(value);
      setError(null);
    } catch (caught) {
      if (current.signal.aborted) return;
      setError(caught instanceof ApiError || caught instanceof Error ? caught.message : String(caught));
    } finally {
      if (!current.signal.aborted) setLoading(false);
    }
  }, []);

  // The caller's dependencies (ids, filters: plain values) decide when to load again.
  const key = deps.map(String).join('\u0000');
  useEffect(() => {
    if (key === undefined) return;
    void reload();
    return () => controller.current?.abort();
  }, [key, reload]);

  return { data, error, loading, reload, set: setData };
}
