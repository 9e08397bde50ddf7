import { CounterpartError, ErrorCode } from '../../../protocol/index';
import { QUEUED_STATES, type Conversation } from './model';

export type QueueLimits = { maxPerSite: number; maxWaitMs: number };

/** How many waiting requests one network (an address, an IPv6 /64) may hold: a tenth of the queue, at least 3. */
export const networkShare = (q: QueueLimits): number => Math.max(3, Math.ceil(q.maxPerSite / 10));

/**
 * Whether a new conversation may join the queue: one live conversation per shopper, a cap per
 * site, and a share per network so that one address cannot fill a shop's queue. Throws the
 * refusal the shopper sees.
 */
export function admitRequest(
  live: Iterable<Pick<Conversation, 'shopperId' | 'siteId' | 'net' | 'state'>>,
  req: { shopperId: string; siteId: number; net: string; pending: boolean },
  q: QueueLimits,
): void {
  const all = [...live];
  if (req.pending || all.some((c) => c.shopperId === req.shopperId))
    throw new CounterpartError(ErrorCode.AlreadyInConversation, 'You already have a conversation going');
  const waiting = all.filter((c) => c.siteId === req.siteId && QUEUED_STATES.includes(c.state));
  if (waiting.length >= q.maxPerSite)
    throw new CounterpartError(ErrorCode.QueueFull, 'All our agents are busy and the queue is full. Please try again in a few minutes.');
  if (waiting.filter((c) => c.net === req.net).length >= networkShare(q))
    throw new CounterpartError(ErrorCode.QueueFull, 'Too many requests from your network are waiting. Please try again in a few minutes.');
}
