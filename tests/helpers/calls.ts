/**
 * A shopper's side of a call request, as the widget does it: open the realtime channel, send
 * `call.request` (no peer id: the server mints it with the call), wait until the call is queued
 * or ringing, then fetch the PeerJS credentials for the peer id the server chose.
 */
import { MediaKind, type ClientMessageOf, type RtcCredentials, type ServerMessage, type ShopperSessionResponse } from '../../protocol/index';
import { rtcCredentials, shopperSession, waitFor, type Stack } from './server';
import { openRealtime, type RealtimeClient } from './sockets';

export function callRequest(
  opts: { productId?: number | null; pageUrl?: string; media?: MediaKind } = {},
): ClientMessageOf<'call.request'> {
  return {
    type: 'call.request',
    media: opts.media ?? MediaKind.Video,
    context: { productId: opts.productId ?? null, pageUrl: opts.pageUrl ?? 'http://shop.test/' },
  };
}

type Answer = Extract<ServerMessage, { type: 'call.queued' | 'call.ringing' }>;

/**
 * Sends the request and waits for the first `call.queued` or `call.ringing` after it, without
 * consuming it (a test may still `next()` it). Fails at once if the server answers with an error.
 */
export async function requestCall(rt: RealtimeClient, msg: ClientMessageOf<'call.request'> = callRequest()): Promise<Answer> {
  const from = rt.received.length;
  rt.send(msg);
  return waitFor(() => {
    const after = rt.received.slice(from);
    const err = after.find((m) => m.type === 'error');
    if (err) throw new Error(`call.request refused: ${JSON.stringify(err)}`);
    return (after.find((m): m is Answer => m.type === 'call.queued' || m.type === 'call.ringing') ?? null);
  }, 'call.queued or call.ringing after call.request');
}

export type ShopperInCall = {
  session: ShopperSessionResponse;
  shopperId: string;
  token: string;
  rt: RealtimeClient;
  callId: string;
  /** The first answer to the request (`call.queued` or `call.ringing`). */
  answer: Answer;
  creds: RtcCredentials;
};

/** A shopper session with a live call request and the credentials of its server-minted peer id. */
export async function shopperInCall(
  stack: Stack,
  opts: { customerId?: number; request?: ClientMessageOf<'call.request'> } = {},
): Promise<ShopperInCall> {
  const session = await shopperSession(stack.url, opts.customerId === undefined ? {} : { customerId: opts.customerId });
  const rt = await openRealtime(stack, session.token);
  const answer = await requestCall(rt, opts.request);
  const creds = await rtcCredentials(stack.url, session.token);
  return { session, shopperId: session.shopperId, token: session.token, rt, callId: answer.callId, answer, creds };
}
