import { CounterpartError, ErrorCode, Role, StaffAccount, type Skill, type StaffRole, type StaffUpdate } from '../../../protocol/index';
import { hashPassword, NO_PASSWORD } from '../auth/passwords';
import type { StaffSessions } from '../auth/sessions';
import type { Conversations } from '../conversations/service';
import { isUniqueViolation, type Db } from '../db/index';
import { createUser } from '../db/seed';
import { DEFAULT_SKILLS } from '../routing/skills';
import { audit, type Actor } from './audit';

type Row = Record<string, unknown>;
/** Staff accounts a deployment may hold (a bound on what an admin account can grow). */
export const MAX_STAFF = 2000;

/**
 * Staff accounts as an admin runs them: invite, rename, change role, deactivate, skills and
 * capacity. Each change is stored with its audit entry in one transaction, then the routing
 * cache reads the agent again; deactivating or changing a role ends the account's sessions.
 */
export class Staff {
  constructor(
    private readonly db: Db,
    private readonly sessions: StaffSessions,
    private readonly conversations: Conversations,
  ) {}

  async list(): Promise<StaffAccount[]> {
    const users: Row[] = await this.db('users').orderBy('id').limit(MAX_STAFF);
    const skills: Row[] = await this.db('agent_skills').orderBy(['kind', 'value']);
    const status: Row[] = await this.db('agent_status').select('user_id', 'max_chats');
    return users.map((u) => accountOf(u, skills, status));
  }

  async get(id: number): Promise<StaffAccount> {
    const u = await this.db('users').where({ id }).first<Row | undefined>();
    if (!u) throw new CounterpartError(ErrorCode.NotFound, 'No such staff account');
    return accountOf(u, await this.db('agent_skills').where({ user_id: id }).orderBy(['kind', 'value']), await this.db('agent_status').where({ user_id: id }));
  }

  /** A new account without a password; the caller hands out its invite link. */
  async invite(actor: Actor, u: { email: string; name: string; role: StaffRole }): Promise<StaffAccount> {
    const id = await this.db
      .transaction(async (trx) => {
        // Counted inside the transaction that inserts, so overlapping invites cannot pass the bound together.
        const [{ n }] = (await trx('users').count({ n: '*' })) as [{ n: number | string }];
        if (Number(n) >= MAX_STAFF) throw new CounterpartError(ErrorCode.TooLarge, `At most ${MAX_STAFF} staff accounts`);
        if (await trx('users').where({ email: u.email }).first('id')) throw emailTaken();
        const created = await createUser(trx, { ...u, password: null });
        await trx('users').where({ id: created }).update({ invited_at: new Date().toISOString() });
        await audit(trx, actor, 'staff.invite', `user:${created}`, null, { email: u.email, name: u.name, role: u.role });
        return created;
      })
      // Two invites of one e-mail at once: the unique key decides, the loser is told as above.
      .catch((err: unknown) => {
        throw isUniqueViolation(err) ? emailTaken() : err;
      });
    if (u.role === Role.Agent) await this.conversations.addAgent({ id, name: u.name, email: u.email });
    return this.get(id);
  }

  /** Sets the first password of an invited account (the invite works once). */
  async acceptInvite(id: number, password: string): Promise<Row> {
    const hash = await hashPassword(password);
    const n = await this.db('users').where({ id, password_hash: NO_PASSWORD, active: true }).update({ password_hash: hash });
    if (n !== 1) throw new CounterpartError(ErrorCode.Unauthorized, 'This invite is not valid any more');
    return (await this.db('users').where({ id }).first<Row>())!;
  }

  async update(actor: Actor, id: number, u: StaffUpdate): Promise<StaffAccount> {
    const before = await this.get(id);
    if (id === actor.id && (u.active === false || (u.role !== undefined && u.role !== Role.Admin)))
      throw new CounterpartError(ErrorCode.BadRequest, 'You cannot deactivate yourself or give up your own admin role');
    const patch: Row = {};
    if (u.name !== undefined) patch.name = u.name;
    if (u.role !== undefined) patch.role = u.role;
    if (u.active !== undefined) patch.active = u.active;
    const demotes = u.active === false || (u.role !== undefined && u.role !== Role.Admin);
    await this.db.transaction(async (trx) => {
      // Every active admin's row is locked first (a no-op update), so two admins demoting each other
      // at once are taken one after the other and the second sees the first's change.
      if (demotes) await trx('users').where({ role: Role.Admin, active: true }).update({ role: Role.Admin });
      await trx('users').where({ id }).update(patch);
      if (demotes) {
        const [{ n }] = (await trx('users').where({ role: Role.Admin, active: true }).count({ n: '*' })) as [{ n: number | string }];
        if (Number(n) < 1) throw new CounterpartError(ErrorCode.Conflict, 'At least one active admin must remain');
      }
      if (u.role === Role.Agent && before.role !== Role.Agent) await ensureAgentRows(trx, id);
      // An account that stops taking conversations is away (it is offered nothing).
      if (u.active === false || (u.role !== undefined && u.role !== Role.Agent)) await trx('agent_status').where({ user_id: id }).update({ presence: 'away' });
      await audit(trx, actor, 'staff.update', `user:${id}`, pick(before, u), u);
    });
    const after = await this.get(id);
    if (u.active === false || (u.role !== undefined && u.role !== before.role)) await this.sessions.revokeUser(id, u.active === false ? 'deactivated' : 'role_changed');
    if (after.role === Role.Agent) await this.conversations.addAgent({ id, name: after.name, email: after.email });
    else await this.conversations.core.reloadAgent(id);
    return after;
  }

  async setSkills(actor: Actor, id: number, skills: Skill[]): Promise<StaffAccount> {
    const before = await this.get(id);
    if (before.role !== Role.Agent) throw new CounterpartError(ErrorCode.BadRequest, 'Skills are for agents');
    const unique = [...new Map(skills.map((k) => [`${k.kind}:${k.value}`, k])).values()];
    await this.db.transaction(async (trx) => {
      await trx('agent_skills').where({ user_id: id }).delete();
      if (unique.length) await trx('agent_skills').insert(unique.map((k) => ({ user_id: id, kind: k.kind, value: k.value, level: k.level })));
      await audit(trx, actor, 'staff.skills', `user:${id}`, before.skills, unique);
    });
    await this.conversations.core.reloadAgent(id);
    this.conversations.lifecycle.dispatch();
    return this.get(id);
  }

  async setCapacity(actor: Actor, id: number, maxChats: number | null): Promise<StaffAccount> {
    const before = await this.get(id);
    if (before.role !== Role.Agent) throw new CounterpartError(ErrorCode.BadRequest, 'Capacity is for agents');
    await this.db.transaction(async (trx) => {
      await trx('agent_status').where({ user_id: id }).update({ max_chats: maxChats });
      await audit(trx, actor, 'staff.capacity', `user:${id}`, { maxChats: before.maxChats }, { maxChats });
    });
    await this.conversations.core.reloadAgent(id);
    this.conversations.lifecycle.dispatch();
    return this.get(id);
  }
}

const emailTaken = () => new CounterpartError(ErrorCode.Conflict, 'An account with this e-mail exists');

/** An account becoming an agent gets a status row, and the default skills if it has none. */
async function ensureAgentRows(trx: Db, id: number): Promise<void> {
  await trx('agent_status').insert({ user_id: id, presence: 'away', since: new Date().toISOString() }).onConflict('user_id').ignore();
  if (!(await trx('agent_skills').where({ user_id: id }).first('user_id'))) await trx('agent_skills').insert(DEFAULT_SKILLS.map((k) => ({ user_id: id, ...k })));
}

function pick(before: StaffAccount, u: StaffUpdate): Partial<StaffAccount> {
  return Object.fromEntries(Object.keys(u).map((k) => [k, before[k as keyof StaffAccount]]));
}

function accountOf(u: Row, skills: Row[], status: Row[]): StaffAccount {
  const id = Number(u.id);
  return StaffAccount.parse({
    id, email: String(u.email), name: String(u.name), role: u.role, active: Boolean(u.active), invited: u.password_hash === NO_PASSWORD,
    skills: skills.filter((k) => Number(k.user_id) === id).map((k) => ({ kind: k.kind, value: String(k.value), level: Number(k.level) })),
    maxChats: ((m) => (m === null || m === undefined ? null : Number(m)))(status.find((s) => Number(s.user_id) === id)?.max_chats),
  });
}
