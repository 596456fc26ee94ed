import { useAbilities, useSession } from '../app/session.tsx';
import { NotificationsPanel, ProfilePanel } from './settings/AccountPanels.tsx';
import { TokensPanel, WebhooksPanel } from './settings/IntegrationsPanels.tsx';
import { TeamPanel } from './settings/TeamPanel.tsx';

/** Profile, password, notifications, team, API tokens and webhooks. */
export default function SettingsPage() {
  const { me, org } = useSession();
  const abilities = useAbilities();
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
        <TeamPanel orgId={org.id} canManage={abilities.manageMembers} myUserId={me.user.id} />
        <TokensPanel />
        {abilities.manageMembers ? <WebhooksPanel orgId={org.id} /> : null}
      </div>
    </div>
  );
}
