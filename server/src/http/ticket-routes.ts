import type Router from '@koa/router';
import type { Context } from 'koa';
import {
  CounterpartError,
  ErrorCode,
  PublicRatingRequest,
  RatingRequest,
  Role,
  TicketNoteRequest,
  TicketStatus,
  TicketUpdate,
} from '../../../protocol/index';
import { cleanFileName, readCapped, uploadType } from '../conversations/files';
import type { LinkClaim, Shopper, Staff } from '../tickets/desk';
import type { ApiDeps } from './api';
import { principalOf, requireAuth } from './auth';
import { sendStoredFile } from './file-response';
import { numericId, publicOrigin } from './params';
import { RequestBudget, addressKey } from './limits';

const ticketId = (ctx: Context): number => numericId(ctx, 'ticket');
const conversationId = (ctx: Context): string => {
  const raw = ctx.params.id ?? '';
  if (!/^[0-9a-f-]{36}$/.test(raw)) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
  return raw;
};
const staffOf = (ctx: Context) => principalOf(ctx) as Staff;

/**
 * Tickets over REST. Staff: list, read, edit (against the version read), add notes, read the
 * files. Shoppers: their conversation's ticket link and rating. The link's holder (a bearer token
 * naming one ticket): read it, add a message or a file, rate its conversations.
 */
export function ticketRoutes(r: Router, { sessions, desk, files, cors, config }: ApiDeps): void {
  const writes = new RequestBudget({ points: 30, perSeconds: 600 }, 'ticket messages');
  const uploads = new RequestBudget({ points: 10, perSeconds: 600 }, 'ticket uploads');
  const links = new RequestBudget({ points: 60, perSeconds: 60 }, 'ticket link requests');
  const staff = requireAuth(sessions, Role.Agent, Role.Supervisor, Role.Admin);

  r.get('/tickets', staff, async (ctx) => {
    const status = typeof ctx.query.status === 'string' && ctx.query.status ? ctx.query.status : undefined;
    if (status !== undefined && !(Object.values(TicketStatus) as string[]).includes(status))
      throw new CounterpartError(ErrorCode.BadRequest, `status: one of ${Object.values(TicketStatus).join(', ')}`);
    const limit = Math.min(Math.max(Number(ctx.query.limit) || 50, 1), 200);
    ctx.body = await desk.list(staffOf(ctx), { status: status as TicketStatus | undefined, limit });
  });

  r.get('/tickets/:id', staff, async (ctx) => {
    ctx.body = await desk.view(staffOf(ctx), ticketId(ctx));
  });

  r.patch('/tickets/:id', staff, async (ctx) => {
    const id = ticketId(ctx);
    ctx.body = await desk.update(staffOf(ctx), id, TicketUpdate.parse(ctx.request.body));
  });

  r.post('/tickets/:id/notes', staff, async (ctx) => {
    const id = ticketId(ctx);
    ctx.body = await desk.note(staffOf(ctx), id, TicketNoteRequest.parse(ctx.request.body).body);
  });

  r.get('/ticket-files/:id', staff, async (ctx) => {
    sendStoredFile(ctx, files, await desk.file({ staff: staffOf(ctx) }, ctx.params.id!));
  });

  r.get('/conversations/:id/ticket', staff, async (ctx) => {
    ctx.body = await desk.forConversation(staffOf(ctx), conversationId(ctx));
  });

  // ---- the shopper's session (the widget, on shop pages) ------------------------------------------

  r.options('/shopper/conversations/:id/ticket-link', cors);
  r.post('/shopper/conversations/:id/ticket-link', cors, requireAuth(sessions, Role.Shopper), async (ctx) => {
    const p = principalOf(ctx) as Shopper;
    await links.take(ctx, `shopper:${p.shopperId}`);
    ctx.body = await desk.linkFor(p, conversationId(ctx), publicOrigin(config, ctx));
  });

  r.options('/shopper/conversations/:id/rating', cors);
  r.post('/shopper/conversations/:id/rating', cors, requireAuth(sessions, Role.Shopper), async (ctx) => {
    const id = conversationId(ctx);
    await desk.rate(principalOf(ctx) as Shopper, id, RatingRequest.parse(ctx.request.body));
    ctx.status = 204;
  });

  // ---- the ticket link's holder ----------------------------------------------------------------

  const claimOf = async (ctx: Context): Promise<LinkClaim> => {
    const header = ctx.get('authorization');
    if (!header.startsWith('Bearer ')) throw new CounterpartError(ErrorCode.Unauthorized, 'Open the ticket from its link');
    return desk.claim(header.slice(7));
  };

  r.get('/public/ticket', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await desk.publicView(await claimOf(ctx));
  });

  r.post('/public/ticket/messages', async (ctx) => {
    const claim = await claimOf(ctx);
    const { body } = TicketNoteRequest.parse(ctx.request.body);
    await writes.take(ctx, `ticket:${claim.ticketId}`);
    ctx.body = await desk.publicMessage(claim, body);
  });

  r.post('/public/ticket/rating', async (ctx) => {
    const claim = await claimOf(ctx);
    const { conversationId: id, ...rating } = PublicRatingRequest.parse(ctx.request.body);
    ctx.body = await desk.publicRate(claim, id, rating);
  });

  // Also from shop pages: the widget adds the files of an offline message through the new ticket's link.
  r.options('/public/ticket/files', cors);
  r.post('/public/ticket/files', cors, async (ctx) => {
    const claim = await claimOf(ctx);
    const type = uploadType(ctx.get('content-type'));
    await desk.assertFileRoom(claim);
    await uploads.take(ctx, `ticket:${claim.ticketId}`);
    await uploads.take(ctx, `net:${addressKey(ctx.ip)}`);
    const declared = ctx.get('content-length') ? Number(ctx.get('content-length')) : null;
    const body = await readCapped(ctx.req, Number.isFinite(declared) ? declared : null);
    const name = cleanFileName(typeof ctx.query.name === 'string' ? ctx.query.name : undefined);
    const id = await files.save(body, type);
    try {
      ctx.body = await desk.publicFile(claim, { id, name, type, size: body.length });
    } catch (err) {
      await files.remove(id);
      throw err;
    }
  });

  r.get('/public/ticket/files/:id', async (ctx) => {
    const claim = await claimOf(ctx);
    sendStoredFile(ctx, files, await desk.file({ link: claim }, ctx.params.id!));
  });
}
