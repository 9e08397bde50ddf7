import { CounterpartError, ErrorCode, Role, type StaffRole } from '../../../protocol/index';

/** What staff may do. Every endpoint and message that is not everyone's names one of these. */
export enum Permission {
  /** Be offered conversations and take part in them (the console). */
  TakeConversations = 'take_conversations',
  /** Read every conversation, its record and messages; watch the live wallboard. */
  WatchAll = 'watch_all',
  /** Read and edit every ticket (agents: the ones they took part in). */
  AllTickets = 'all_tickets',
  /** Create, change and delete canned responses. */
  ManageCanned = 'manage_canned',
  /** Invite, deactivate and change staff accounts, their skills and capacity. */
  ManageStaff = 'manage_staff',
  /** Routing settings, the VIP rule, business hours. */
  ManageSettings = 'manage_settings',
  /** Read the audit log. */
  ReadAudit = 'read_audit',
}

/** The table of who may do what. `docs/security.md` shows it; `tests/security/permissions.test.ts` checks every endpoint against it. */
export const GRANTS: Readonly<Record<StaffRole, readonly Permission[]>> = {
  [Role.Agent]: [Permission.TakeConversations],
  [Role.Supervisor]: [Permission.WatchAll, Permission.AllTickets, Permission.ManageCanned, Permission.ReadAudit],
  [Role.Admin]: [Permission.WatchAll, Permission.AllTickets, Permission.ManageCanned, Permission.ReadAudit, Permission.ManageStaff, Permission.ManageSettings],
};

export function can(role: Role, p: Permission): boolean {
  return role !== Role.Shopper && GRANTS[role].includes(p);
}

export function requireCan(role: Role, p: Permission): void {
  if (!can(role, p)) throw new CounterpartError(ErrorCode.Forbidden, `Your role may not do this (${p.replace(/_/g, ' ')})`);
}
