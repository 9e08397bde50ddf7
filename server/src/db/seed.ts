import { Role, type StaffRole } from '../../../protocol/index';
import { hashPassword, NO_PASSWORD } from '../auth/passwords';
import { DEFAULT_SKILLS } from '../routing/skills';
import { now, type Db } from './index';

/** The demo's staff accounts (README lists them). Created only on an empty users table. */
export const DEMO_USERS = [
  { email: 'alice@counterpart.test', name: 'Alice Martin', role: Role.Agent, password: 'alice-demo-pass' },
  { email: 'bob@counterpart.test', name: 'Bob Chen', role: Role.Agent, password: 'bob-demo-pass' },
  { email: 'sam@counterpart.test', name: 'Sam Rivera', role: Role.Supervisor, password: 'sam-demo-pass' },
  { email: 'ada@counterpart.test', name: 'Ada Park', role: Role.Admin, password: 'ada-demo-pass' },
] as const;

export async function seedDemoUsers(db: Db): Promise<boolean> {
  const [{ n }] = (await db('users').count({ n: '*' })) as [{ n: number | string }];
  if (Number(n) > 0) return false;
  for (const u of DEMO_USERS) await createUser(db, u);
  return true;
}

/** A staff account; `password` null: invited (no password until the invite is accepted). */
export async function createUser(db: Db, u: { email: string; name: string; role: StaffRole; password: string | null }): Promise<number> {
  const hash = u.password === null ? NO_PASSWORD : await hashPassword(u.password);
  const [row] = await db('users')
    .insert({ email: u.email.toLowerCase(), name: u.name, role: u.role, password_hash: hash, created_at: now() })
    .returning<{ id: number }[]>('id');
  if (u.role === Role.Agent) {
    await db('agent_status').insert({ user_id: row!.id, presence: 'away', since: now() });
    await db('agent_skills').insert(DEFAULT_SKILLS.map((s) => ({ user_id: row!.id, ...s })));
  }
  return row!.id;
}

/** The demo's canned responses (English and Chinese), on an empty table. */
export async function seedCanned(db: Db): Promise<void> {
  const [{ n }] = (await db('canned_responses').count({ n: '*' })) as [{ n: number | string }];
  if (Number(n) > 0) return;
  const at = new Date().toISOString();
  const rows = [
    { shortcut: 'hello', title: 'Greeting', body: 'Hello! Thanks for reaching out. How can I help you today?' },
    { shortcut: 'returns', title: 'Returns policy', body: 'You can return any item within 30 days of delivery. I can start the return for you right now.' },
    { shortcut: 'shipping', title: 'Delivery times', body: 'Orders ship within 1–2 working days and usually arrive 3–5 working days later.' },
    { shortcut: 'thanks', title: 'Closing', body: 'Thank you for your patience! Is there anything else I can help you with?' },
    { shortcut: 'nihao', title: '问候（中文）', body: '您好！感谢您的咨询，请问有什么可以帮您？' },
    { shortcut: 'tuihuo', title: '退货政策（中文）', body: '商品签收后 30 天内均可退货，我现在就可以为您办理。' },
  ];
  await db('canned_responses').insert(rows.map((r) => ({ ...r, updated_at: at })));
}
