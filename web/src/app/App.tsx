import { lazy, Suspense, useEffect, useRef } from 'react';
import { closeLiveEvents } from '../live/events.ts';
import {
  AcceptInvitationPage,
  ForgotPasswordPage,
  ResetPasswordPage,
} from '../pages/AccountRecoveryPages.tsx';
import { SignInPage, SignUpPage } from '../pages/AuthPages.tsx';
import CalendarPage from '../pages/CalendarPage.tsx';
import { ChannelsPage } from '../pages/ChannelsPage.tsx';
import { ComposerPage } from '../pages/ComposerPage.tsx';
import { QueuePage } from '../pages/QueuePage.tsx';
import { linkHandler, navigate, useLocation } from './router.ts';
import { SessionProvider, useSession, useSessionState } from './session.tsx';

// Pages used less often load on demand, keeping the first load small.
const IdeasPage = lazy(() => import('../pages/IdeasPage.tsx'));
const SettingsPage = lazy(() => import('../pages/SettingsPage.tsx'));

const NAV = [
  { path: '/queue', label: 'Queue' },
  { path: '/compose', label: 'Compose' },
  { path: '/calendar', label: 'Calendar' },
  { path: '/ideas', label: 'Ideas' },
  { path: '/channels', label: 'Channels' },
  { path: '/settings', label: 'Settings' },
] as const;

/** Pages for signed-out visitors; a signed-in visitor is sent on to the queue. */
const PUBLIC_PAGES = new Set(['/signin', '/signup', '/forgot-password', '/reset-password']);

export function App() {
  return (
    <SessionProvider>
      <Root />
    </SessionProvider>
  );
}

function Root() {
  const { status } = useSessionState();
  const location = useLocation();
  const isAuthPage = PUBLIC_PAGES.has(location.path);

  useEffect(() => {
    if (status === 'signed-out' && !isAuthPage) {
      const next = `${location.path}${location.query.size ? `?${location.query}` : ''}`;
      navigate(next === '/' ? '/signin' : `/signin?next=${encodeURIComponent(next)}`, { replace: true });
    }
    if (status === 'signed-out') closeLiveEvents();
    if (status === 'signed-in' && isAuthPage) navigate('/queue', { replace: true });
  }, [status, isAuthPage, location]);

  if (status === 'loading') return <p className="loading-page">Loading Spool…</p>;
  if (status === 'signed-out') {
    if (location.path === '/signup') return <SignUpPage />;
    if (location.path === '/forgot-password') return <ForgotPasswordPage />;
    if (location.path === '/reset-password') return <ResetPasswordPage />;
    return <SignInPage />;
  }
  return <Shell />;
}

function Shell() {
  const session = useSession();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const section = `/${location.path.split('/')[1] ?? ''}`;

  // Move focus to the page on navigation so screen readers announce the new page.
  const focusedSection = useRef(section);
  useEffect(() => {
    if (focusedSection.current === section) return;
    focusedSection.current = section;
    main.current?.focus({ preventScroll: true });
  });

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="/queue" onClick={linkHandler('/queue')}>
          Spool
        </a>
        <nav aria-label="Main" className="mainnav">
          {NAV.map((item) => (
            <a
              key={item.path}
              href={item.path}
              onClick={linkHandler(item.path)}
              aria-current={section === item.path ? 'page' : undefined}
            >
              {item.label}
            </a>
          ))}
        </nav>
        <div className="account">
          <label className="sr-only" htmlFor="org-switcher">
            Organization
          </label>
          <select
            id="org-switcher"
            value={session.org.id}
            onChange={(event) => session.switchOrg(event.target.value)}
          >
            {session.me.organizations.map((org) => (
              <option key={org.id} value={org.id}>
                {org.name}
              </option>
            ))}
          </select>
          <button type="button" className="ghost" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1} className="page">
        <Suspense fallback={<p className="muted">Loading…</p>}>
          <Page key={session.org.id} path={section} />
        </Suspense>
      </main>
    </div>
  );
}

function Page({ path }: { path: string }) {
  switch (path) {
    case '/compose':
      return <ComposerPage />;
    case '/calendar':
      return <CalendarPage />;
    case '/ideas':
      return <IdeasPage />;
    case '/channels':
      return <ChannelsPage />;
    case '/settings':
      return <SettingsPage />;
    case '/invitations':
      return <AcceptInvitationPage />;
    default:
      return <QueuePage />;
  }
}
