import { useEffect, useRef } from 'react';
import type { TargetEvent } from '../api/types.ts';

/**
 * Live status changes of the organization's posts, over one server-sent events stream per tab.
 * Pages subscribe with `useLiveEvents`; the stream reconnects by itself (EventSource does).
 */

type Listener = (event: TargetEvent) => void;

let source: EventSource | null = null;
let sourceOrg: string | null = null;
const listeners = new Set<Listener>();

function open(orgId: string): void {
  if (source && sourceOrg === orgId) return;
  source?.close();
  sourceOrg = orgId;
  source = new EventSource(`/api/orgs/${orgId}/events`, { withCredentials: true });
  source.addEventListener('target', (message) => {
    let event: TargetEvent;
    try {
      event = JSON.parse((message as MessageEvent<string>).data) as TargetEvent;
    } catch {
      return;
    }
    for (const listener of listeners) listener(event);
  });
}

export function closeLiveEvents(): void {
  source?.close();
  source = null;
  sourceOrg = null;
}

export function useLiveEvents(orgId: string, listener: Listener): void {
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => {
    open(orgId);
    const forward: Listener = (event) => latest.current(event);
    listeners.add(forward);
    return () => {
      listeners.delete(forward);
    };
  }, [orgId]);
}
