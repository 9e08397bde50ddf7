import type Router from '@koa/router';
import type { Context } from 'koa';
import { CannedInput, CannedList, CounterpartError, ErrorCode, Role, type CannedResponse } from '../../../protocol/index';
import { audit } from '../admin/audit';
import { isUniqueViolation, iso } from '../db/index';
import type { ApiDeps } from './api';
import { Permission } from '../auth/permissions';
import { principalOf, requireAuth, requirePermission } from './auth';
import { numericId, staffActor } from './params';

type Row = Record<string, unknown>;
/** Canned responses a deployment may hold (a bound on what an account can grow). */
export const MAX_CANNED = 500;

const fromRow = (r: Row): CannedResponse => ({ id: Number(r.id), shortcut: String(r.shortcut), title: String(r.title), body: String(r.body), updatedAt: iso(r.updated_at)! });
const idOf = (ctx: Context): number => numericId(ctx, 'canned response');
const taken = () => new CounterpartError(ErrorCode.Conflict, 'Another canned response has this shortcut');

/** Unique shortcut: the database's unique key decides (portable: the insert or update fails). */
async function write<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    if (isUniqueViolation(err)) throw taken();
    throw err;
  }
}

const gone = () => new CounterpartError(ErrorCode.NotFound, 'No such canned response');

/** Canned responses: agents read them (the console's `/shortcut`), supervisors manage them. */
export function cannedRoutes(r: Router, { sessions, db }: ApiDeps): void {
  const staff = requireAuth(sessions, Role.Agent, Role.Supervisor, Role.Admin);
  const managers = requirePermission(sessions, Permission.ManageCanned);

  r.get('/canned', staff, async (ctx) => {
    const rows: Row[] = await db('canned_responses').orderBy('shortcut').limit(MAX_CANNED);
    const body: CannedList = { responses: rows.map(fromRow) };
    ctx.body = body;
  });

  r.post('/canned', managers, async (ctx) => {
    const input = CannedInput.parse(ctx.request.body);
    const by = userIdOf(ctx);
    ctx.body = await write(() =>
      db.transaction(async (trx) => {
        // Counted inside the transaction that inserts: writers that overlap cannot pass the bound together.
        const [{ n }] = (await trx('canned_responses').count({ n: '*' })) as [{ n: number | string }];
        if (Number(n) >= MAX_CANNED) throw new CounterpartError(ErrorCode.TooLarge, `At most ${MAX_CANNED} canned responses`);
        const [row] = (await trx('canned_responses').insert({ ...input, updated_by: by, updated_at: new Date().toISOString() }).returning('id')) as ({ id: number } | number)[];
        const id = typeof row === 'object' ? Number(row.id) : Number(row);
        await audit(trx, staffActor(ctx), 'canned.create', `canned:${id}`, null, input);
        return fromRow((await trx('canned_responses').where({ id }).first<Row>())!);
      }),
    );
    ctx.status = 201;
  });

  r.put('/canned/:id', managers, async (ctx) => {
    const id = idOf(ctx);
    const input = CannedInput.parse(ctx.request.body);
    ctx.body = await write(() =>
      db.transaction(async (trx) => {
        // Read, changed and audited in one transaction: one deleted meanwhile is 404, with no audit entry.
        const before = await trx('canned_responses').where({ id }).first<Row | undefined>();
        const n = before ? await trx('canned_responses').where({ id }).update({ ...input, updated_by: userIdOf(ctx), updated_at: new Date().toISOString() }) : 0;
        if (!before || n !== 1) throw gone();
        await audit(trx, staffActor(ctx), 'canned.update', `canned:${id}`, pickCanned(before), input);
        return fromRow((await trx('canned_responses').where({ id }).first<Row>())!);
      }),
    );
  });

  r.delete('/canned/:id', managers, async (ctx) => {
    const id = idOf(ctx);
    await db.transaction(async (trx) => {
      const before = await trx('canned_responses').where({ id }).first<Row | undefined>();
      if (!before || (await trx('canned_responses').where({ id }).delete()) !== 1) throw gone();
      await audit(trx, staffActor(ctx), 'canned.delete', `canned:${id}`, pickCanned(before), null);
    });
    ctx.status = 204;
  });
}

function userIdOf(ctx: Context): number | null {
  const p = principalOf(ctx);
  return p.role === Role.Shopper ? null : p.userId;
}

const pickCanned = (r: Row) => ({ shortcut: String(r.shortcut), title: String(r.title), body: String(r.body) });
