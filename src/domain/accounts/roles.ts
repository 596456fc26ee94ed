/**
 * Roles in an organization and what each may do. Routes declare the permission they need; the
 * HTTP edge checks it, and use cases that run outside HTTP (CLI, workers) check it the same way.
 */
export const ROLES = ['owner', 'admin', 'editor', 'contributor'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = {
  /** Read the organization's channels, queue, calendar, ideas, analytics. */
  'org.read': ['owner', 'admin', 'editor', 'contributor'],
  /** Write drafts and ideas; a contributor's posts wait for approval. */
  'posts.draft': ['owner', 'admin', 'editor', 'contributor'],
  /** Queue, schedule and publish posts; approve others' posts. */
  'posts.publish': ['owner', 'admin', 'editor'],
  /** Connect, configure and disconnect channels; edit posting schedules. */
  'channels.manage': ['owner', 'admin', 'editor'],
  /** Invite people, change roles, remove members, manage webhooks. */
  'members.manage': ['owner', 'admin'],
  /** Read the security audit log; rename or delete the organization. */
  'org.own': ['owner'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof PERMISSIONS;

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

/** API token scopes. A token can never do more than its user's role allows. */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The scope a bearer token needs for a permission. */
export function scopeFor(permission: Permission): Scope {
  switch (permission) {
    case 'org.read':
      return 'read';
    case 'posts.draft':
    case 'posts.publish':
    case 'channels.manage':
      return 'write';
    case 'members.manage':
    case 'org.own':
      return 'admin';
  }
}
