import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { api, setCsrfToken, whenSignedOut } from '../api/client.ts';
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

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null>(null);
  const [status, setStatus] = useState<SessionState['status']>('loading');
  const [orgId, setOrgId] = useState<string | null>(() => localStorage.getItem(ORG_KEY));

  const signedIn = useCallback((next: Me) => {
    setCsrfToken(next.csrfToken);
    setMe(next);
    setStatus('signed-in');
  }, []);

  const refresh = useCallback(async () => {
    try {
      signedIn(await api<Me>('/api/me'));
    } catch {
      setMe(null);
      setStatus('signed-out');
    }
  }, [signedIn]);

  useEffect(() => {
    whenSignedOut(() => {
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
