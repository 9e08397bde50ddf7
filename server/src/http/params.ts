import type { Context } from 'koa';
import { CounterpartError, ErrorCode, Role } from '../../../protocol/index';
import type { Actor } from '../admin/audit';
import type { Config } from '../config';
import { principalOf } from './auth';

/**
 * This server's own address, for links it hands out (ticket links, invites): PUBLIC_URL, else the
 * request's scheme and host. Not Koa's `ctx.origin`, which is the request's Origin header (a shop's).
 */
export function publicOrigin(config: Config, ctx: Context): string {
  return (config.publicUrl ?? `${ctx.protocol}://${ctx.host}`).replace(/\/+$/, '');
}

/** A numeric id from the path (1 to 10 digits), or `not_found` naming what was looked for. */
export function numericId(ctx: Context, what: string, param = 'id'): number {
  const raw = ctx.params[param] ?? '';
  if (!/^[1-9][0-9]{0,9}$/.test(raw)) throw new CounterpartError(ErrorCode.NotFound, `No such ${what}`);
  return Number(raw);
}

/** The staff member making a change, as the audit log names them. */
export function staffActor(ctx: Context): Actor {
  const p = principalOf(ctx);
  if (p.role === Role.Shopper) throw new CounterpartError(ErrorCode.Forbidden, 'Staff only');
  return { id: p.userId, name: p.name };
}
