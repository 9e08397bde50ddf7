/**
 * A shopper's side of a conversation, as the widget does it: open the realtime channel, send
 * `conversation.start`, take the conversation id from the `conversation.sync` that answers it.
 */
import { IssueType, MediaKind, type ClientMessageOf, type RtcCredentials, type ServerMessageOf, type ShopperSessionResponse } from '../../protocol/index';
import { rtcCredentials, shopperSession, waitFor, type Stack } from './server';
import { openRealtime, type RealtimeClient } from './sockets';

export function startMessage(
  opts: { productId?: number | null; pageUrl?: string; channel?: MediaKind; issueType?: IssueType; language?: string } = {},
): ClientMessageOf<'conversation.start'> {
  return {
    type: 'conversation.start',
    channel: opts.channel ?? MediaKind.Video,
    issueType: opts.issueType ?? IssueType.PreSale,
    language: opts.language ?? 'en',
    context: { productId: opts.productId ?? null, pageUrl: opts.pageUrl ?? 'http://shop.test/' },
  };
}

type Sync = ServerMessageOf<'conversation.sync'>;

/** Sends `conversation.start` and waits for the `conversation.sync` that answers it; fails at once on an error. */
export async function startConversation(rt: RealtimeClient, msg: ClientMessageOf<'conversation.start'> = startMessage()): Promise<Sync> {
  const from = rt.received.length;
  rt.send(msg);
  return waitFor(() => {
    const after = rt.received.slice(from);
    const err = after.find((m) => m.type === 'error');
    if (err) throw new Error(`conversation.start refused: ${JSON.stringify(err)}`);
    return after.find((m): m is Sync => m.type === 'conversation.sync') ?? null;
  }, 'conversation.sync after conversation.start');
}

export type ShopperInConversation = {
  session: ShopperSessionResponse;
  shopperId: string;
  token: string;
  rt: RealtimeClient;
  conversationId: string;
  sync: Sync;
};

/** A shopper session with a live conversation. */
export async function shopperInConversation(
  stack: Stack,
  opts: { customerId?: number; start?: ClientMessageOf<'conversation.start'> } = {},
): Promise<ShopperInConversation> {
  const session = await shopperSession(stack.url, opts.customerId === undefined ? {} : { customerId: opts.customerId });
  const rt = await openRealtime(stack, session.token);
  const sync = await startConversation(rt, opts.start);
  return { session, shopperId: session.shopperId, token: session.token, rt, conversationId: sync.conversation.id, sync };
}

/** PeerJS credentials for a participant of a live conversation. */
export async function peerCredentials(stack: Stack, token: string): Promise<RtcCredentials> {
  return rtcCredentials(stack.url, token);
}
