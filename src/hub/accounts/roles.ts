/**
 * Roles and permissions. Permissions are strings "<module>.<action>" that modules declare in
 * their manifest (`permissions`) and grant to roles (`grants`); the core adds its own "core.*"
 * ones. An admin holds every permission; the other roles hold what is granted to them.
 */
export const ROLES = ['member', 'editor', 'lead', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Permissions of the core. */
export const CORE_PERMISSIONS = {
  manageUsers: 'core.users.manage',
  readOutbox: 'core.outbox.read',
} as const;

export interface PermissionSource {
  id: string;
  permissions: readonly string[];
  grants?: Readonly<Partial<Record<Role, readonly string[]>>>;
}

export class Permissions {
  readonly all: ReadonlySet<string>;
  readonly #byRole: ReadonlyMap<Role, ReadonlySet<string>>;

  constructor(sources: readonly PermissionSource[]) {
    const all = new Set<string>(Object.values(CORE_PERMISSIONS));
    const byRole = new Map<Role, Set<string>>(ROLES.map((r) => [r, new Set<string>()]));
    for (const source of sources) {
      for (const p of source.permissions) all.add(p);
      for (const [role, granted] of Object.entries(source.grants ?? {})) {
        if (!isRole(role)) throw new Error(`module "${source.id}" grants permissions to "${role}", which is not a role (${ROLES.join(', ')})`);
        for (const p of granted ?? []) {
          if (!source.permissions.includes(p)) throw new Error(`module "${source.id}" grants "${p}" to ${role} but does not declare it in permissions`);
          byRole.get(role)?.add(p);
        }
      }
    }
    byRole.set('admin', all);
    this.all = all;
    this.#byRole = byRole;
  }

  of(role: Role): ReadonlySet<string> {
    return this.#byRole.get(role) ?? new Set();
  }

  /** True when `role` holds `permission`. An undeclared permission is a programming error. */
  allows(role: Role, permission: string): boolean {
    if (!this.all.has(permission)) throw new Error(`permission "${permission}" is not declared by any module`);
    return this.of(role).has(permission);
  }
}
