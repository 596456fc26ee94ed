import { useAbilities, useSession } from '../app/session.tsx';
import { NotificationsPanel } from './settings/AccountPanels.tsx';
import { ActivityPanel } from './settings/ActivityPanel.tsx';
import { TokensPanel, WebhooksPanel } from './settings/IntegrationsPanels.tsx';
import { OAuthAppsPanel } from './settings/OAuthAppsPanel.tsx';
import { DigestPanel, ProfilePanel } from './settings/ProfilePanels.tsx';
import { TeamPanel } from './settings/TeamPanel.tsx';

/** Profile, digest email, notifications, team, API tokens, OAuth apps, webhooks and activity. */
export default function SettingsPage() {
  const { me, org } = useSession();
  const abilities = useAbilities();
  // The activity log is the organization's security record: the server shows it to owners only.
  const canSeeActivity = org.role === 'owner';
  return (
    <div>
      <div className="page-head">
        <h1>Settings</h1>
        <span className="muted">
          {org.name} · you are {org.role}
        </span>
      </div>
      <div className="settings-grid">
        <NotificationsPanel />
        <ProfilePanel me={me} />
        <DigestPanel timezone={me.user.timezone} />
        <TeamPanel orgId={org.id} canManage={abilities.manageMembers} myUserId={me.user.id} />
        <TokensPanel />
        <OAuthAppsPanel />
        {abilities.manageMembers ? <WebhooksPanel orgId={org.id} /> : null}
        {canSeeActivity ? (
          <ActivityPanel key={org.id} orgId={org.id} myUserId={me.user.id} timeZone={me.user.timezone} />
        ) : null}
      </div>
    </div>
  );
}
