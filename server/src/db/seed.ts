import { Role } from '../../../protocol/index';
import { hashPassword } from '../auth/passwords';
import { DEFAULT_SKILLS } from '../routing/skills';
import { now, type Db } from './index';

/** The demo's staff accounts (README lists them). Created only on an empty users table. */
export const DEMO_USERS = [
  { email: 'alice@counterpart.test', name: 'Alice Martin', role: Role.Agent, password: 'alice-demo-pass' },
  { email: 'bob@counterpart.test', name: 'Bob Chen', role: Role.Agent, password: 'bob-demo-pass' },
  { email: 'sam@counterpart.test', name: 'Sam Rivera', role: Role.Supervisor, password: 'sam-demo-pass' },
] as const;

export async function seedDemoUsers(db: Db): Promise<boolean> {
  const [{ n }] = (await db('users').count({ n: '*' })) as [{ n: number | string }];
  if (Number(n) > 0) return false;
  for (const u of DEMO_USERS) await createUser(db, u);
  return true;
}

export async function createUser(db: Db, u: { email: string; name: string; role: Role.Agent | Role.Supervisor; password: string }): Promise<number> {
  const [row] = await db('users')
    .insert({ email: u.email.toLowerCase(), name: u.name, role: u.role, password_hash: await hashPassword(u.password), created_at: now() })
    .returning<{ id: number }[]>('id');
  if (u.role === Role.Agent) {
    await db('agent_status').insert({ user_id: row!.id, presence: 'away', since: now() });
    await db('agent_skills').insert(DEFAULT_SKILLS.map((s) => ({ user_id: row!.id, ...s })));
  }
  return row!.id;
}
