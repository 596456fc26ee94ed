import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { ApiError, api, setCsrfToken, whenSignedOut } from '../api/client.ts';
import type { Me, Organization } from '../api/types.ts';

/** Who is signed in, which organization they are working in, and how to change either. */
export interface Session {
  me: Me;
  org: Organization;
  switchOrg(orgId: string): void;
  refresh(): Promise<void>;
  signOut(): Promise<void>;
}

interface SessionState {
  status: 'loading' | 'signed-out' | 'signed-in';
  session: Session | null;
  signedIn(me: Me): void;
}

const SessionContext = createContext<SessionState | null>(null);
const ORG_KEY = 'spool.org';
const ME_KEY = 'spool.me';

function cachedMe(): Me | null {
  try {
    const stored = sessionStorage.getItem(ME_KEY);
    const me = stored ? (JSON.parse(stored) as Me) : null;
    if (me) setCsrfToken(me.csrfToken);
    return me;
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  // The last known session of this tab lets pages start loading at once; /api/me confirms it.
  const [me, setMe] = useState<Me | null>(cachedMe);
  const [status, setStatus] = useState<SessionState['status']>(() => (cachedMe() ? 'signed-in' : 'loading'));
  const [orgId, setOrgId] = useState<string | null>(() => localStorage.getItem(ORG_KEY));

  const signedIn = useCallback((next: Me) => {
    setCsrfToken(next.csrfToken);
    const serialized = JSON.stringify(next);
    sessionStorage.setItem(ME_KEY, serialized);
    // The confirmation of a cached session changes nothing: keep the same object, skip a render.
    setMe((current) => (current && JSON.stringify(current) === serialized ? current : next));
    setStatus('signed-in');
  }, []);

  const refresh = useCallback(async () => {
    try {
      signedIn(await api<Me>('/api/me'));
    } catch (error) {
      // Offline, or the server briefly away: keep the session we know (the installed app opens
      // offline); only the server saying "not signed in" signs the person out.
      if (!(error instanceof ApiError && error.status === 401) && cachedMe()) return;
      sessionStorage.removeItem(ME_KEY);
      setMe(null);
      setStatus('signed-out');
    }
  }, [signedIn]);

  useEffect(() => {
    whenSignedOut(() => {
      sessionStorage.removeItem(ME_KEY);
      setMe(null);
      setStatus('signed-out');
    });
    void refresh();
  }, [refresh]);

  const switchOrg = useCallback((id: string) => {
    localStorage.setItem(ORG_KEY, id);
    setOrgId(id);
  }, []);

  const signOut = useCallback(async () => {
    try {
      await api('/api/auth/signout', { method: 'POST' });
    } finally {
      sessionStorage.removeItem(ME_KEY);
      setCsrfToken(undefined);
      setMe(null);
      setStatus('signed-out');
    }
  }, []);

  const value = useMemo<SessionState>(() => {
    const org = me ? (me.organizations.find((o) => o.id === orgId) ?? me.organizations[0]) : undefined;
    const session = me && org ? { me, org, switchOrg, refresh, signOut } : null;
    return { status: me && !org ? 'signed-in' : status, session, signedIn };
  }, [me, orgId, status, switchOrg, refresh, signOut, signedIn]);

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session; pages below the shell can rely on it. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (!session) throw new Error('useSession used while signed out');
  return session;
}

const PUBLISHERS = new Set(['owner', 'admin', 'editor']);
const MANAGERS = new Set(['owner', 'admin']);

/** What the caller's role allows, mirroring the server's permissions (the server still decides). */
export function useAbilities() {
  const { org } = useSession();
  return {
    publish: PUBLISHERS.has(org.role),
    manageChannels: PUBLISHERS.has(org.role),
    manageMembers: MANAGERS.has(org.role),
  };
}
