import type Router from '@koa/router';
import { ConversationState, CounterpartError, type AgentDirectory, ErrorCode, MessagePage, Role, SYNC_PAGE, type ConversationContext } from '../../../protocol/index';
import { cleanFileName, readCapped, uploadType } from '../conversations/files';
import { actorOf } from '../conversations/service';
import type { ApiDeps } from './api';
import { can, Permission } from '../auth/permissions';
import { principalOf, requireAuth, requirePermission } from './auth';
import { sendStoredFile } from './file-response';
import { conversationRecord, listConversations } from './conversation-records';
import { customerHistory } from './customer-history';
import { RequestBudget } from './limits';
import { FileRecords } from '../conversations/file-records';

const SYNC_LIMIT = SYNC_PAGE;
/** Per conversation: files, and bytes in all. */
const MAX_FILES = 30;
const MAX_CONVERSATION_BYTES = 50 * 1024 * 1024;

/** Conversations over REST: records for supervisors and agents, context, history, files. */
export function conversationRoutes(r: Router, { sessions, conversations, files, shop, cors }: ApiDeps): void {
  const store = conversations.core.store;
  const records = new FileRecords(store.db);
  const uploads = new RequestBudget({ points: 20, perSeconds: 600 }, 'uploads');

  r.get('/conversations', requirePermission(sessions, Permission.WatchAll), async (ctx) => {
    const limit = Math.min(Math.max(Number(ctx.query.limit) || 50, 1), 200);
    ctx.body = await listConversations(store, limit);
  });

  r.get('/agents', requireAuth(sessions, Role.Agent, Role.Supervisor, Role.Admin), (ctx) => {
    const body: AgentDirectory = { agents: conversations.directory() };
    ctx.body = body;
  });

  r.get('/conversations/:id', requireAuth(sessions, Role.Agent, Role.Supervisor, Role.Admin), async (ctx) => {
    const actor = actorOf(principalOf(ctx));
    const rec = (await conversations.chat.mayRead(actor, ctx.params.id!)) ? await conversationRecord(store, ctx.params.id!) : null;
    if (!rec) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation');
    ctx.body = rec;
  });

  r.get('/conversations/:id/context', requireAuth(sessions, Role.Agent), async (ctx) => {
    const live = conversations.contextFor(principalOf(ctx), ctx.params.id!);
    const latestOrder = live.customer ? await shop.getLatestOrder(live.customer.id) : null;
    const body: ConversationContext = { conversationId: ctx.params.id!, customer: live.customer, product: live.product, latestOrder };
    ctx.body = body;
  });

  r.get('/conversations/:id/customer', requireAuth(sessions, Role.Agent, Role.Supervisor, Role.Admin), async (ctx) => {
    const p = principalOf(ctx);
    // An agent while in the conversation; those who watch everything, any stored one.
    const c = can(p.role, Permission.WatchAll) ? await store.load(ctx.params.id!) : conversations.core.participantIn(actorOf(p), ctx.params.id!);
    if (!c) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation');
    ctx.body = await customerHistory(store.db, shop, conversations.core.log, c);
  });

  r.options('/conversations/:id/messages', cors);
  r.get('/conversations/:id/messages', cors, requireAuth(sessions), async (ctx) => {
    const after = Number(ctx.query.after ?? 0);
    if (!Number.isSafeInteger(after) || after < 0) throw new CounterpartError(ErrorCode.BadRequest, 'after: a message number (0 or more)');
    const actor = actorOf(principalOf(ctx));
    if (!(await conversations.chat.mayRead(actor, ctx.params.id!))) throw new CounterpartError(ErrorCode.ConversationNotFound, 'No such conversation of yours');
    ctx.body = MessagePage.parse(await store.messagesAfter(ctx.params.id!, after, SYNC_LIMIT));
  });

  r.options('/conversations/:id/files', cors);
  r.post('/conversations/:id/files', cors, requireAuth(sessions, Role.Shopper, Role.Agent), async (ctx) => {
    const p = principalOf(ctx);
    const actor = actorOf(p);
    const id = ctx.params.id!;
    const c = conversations.core.participantIn(actor, id);
    // Files once someone can look at them (an agent has joined), and a bounded share of the disk per conversation.
    if (c.state !== ConversationState.Active) throw new CounterpartError(ErrorCode.InvalidTransition, 'Files can be sent once an agent has joined');
    await uploads.take(ctx, `${actor.party.role}:${actor.party.id}`);
    const used = await records.usage(id);
    if (used.files >= MAX_FILES || used.bytes >= MAX_CONVERSATION_BYTES) throw new CounterpartError(ErrorCode.TooLarge, 'This conversation has reached its file limit');
    const type = uploadType(ctx.get('content-type'));
    const declared = ctx.get('content-length') ? Number(ctx.get('content-length')) : null;
    const body = await readCapped(ctx.req, Number.isFinite(declared) ? declared : null);
    const name = cleanFileName(typeof ctx.query.name === 'string' ? ctx.query.name : undefined);
    const fileId = await files.save(body, type);
    try {
      if (!(await records.insert({ id: fileId, conversationId: id, name, type, size: body.length }, new Date().toISOString(), { files: MAX_FILES, bytes: MAX_CONVERSATION_BYTES })))
        throw new CounterpartError(ErrorCode.TooLarge, 'This conversation has reached its file limit');
      ctx.body = await conversations.chat.sendFile(actor, id, { id: fileId, name });
    } catch (err) {
      // Refused after storing (the conversation ended, the message cap): nothing of it stays.
      await records.remove(fileId).catch(() => {});
      await files.remove(fileId);
      throw err;
    }
  });

  r.options('/files/:id', cors);
  r.get('/files/:id', cors, requireAuth(sessions), async (ctx) => {
    const actor = actorOf(principalOf(ctx));
    const f = /^[0-9a-f]{32}$/.test(ctx.params.id!) ? await records.get(ctx.params.id!) : null;
    // Unknown and not-yours look the same: file ids do not leak by probing.
    if (!f || !(await conversations.chat.mayRead(actor, f.conversationId))) throw new CounterpartError(ErrorCode.NotFound, 'No such file');
    sendStoredFile(ctx, files, f);
  });
}
