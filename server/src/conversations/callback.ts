import { ConversationState as S, CounterpartError, ErrorCode, Role } from '../../../protocol/index';
import type { Actor, Core } from './core';

/**
 * Callback: a waiting shopper asks to be called back instead of watching the queue. The request
 * keeps its place; an agent who takes it reaches the shopper's page if it is still open (the
 * widget brings the conversation forward). If the shopper leaves first (their reconnect grace
 * ends, or the queue's maximum wait passes), the conversation ends as usual and a subscriber
 * turns it into a ticket (source `callback`, server/src/tickets/desk.ts). A shopper who ends it
 * themselves (cancel, a message left instead) withdraws it first: no ticket for that.
 */
export class Callbacks {
  constructor(private readonly core: Core) {}

  request(actor: Actor, id: string): Promise<void> {
    const { core } = this;
    if (actor.party.role !== Role.Shopper) throw new CounterpartError(ErrorCode.Forbidden, 'Only the shopper asks to be called back');
    return core.withConversation(
      id,
      async (c) => {
        if (c.state !== S.Queued && c.state !== S.Offered) throw new CounterpartError(ErrorCode.InvalidTransition, 'A callback is for a request still waiting for an agent');
        if (c.callbackAt) return;
        const at = core.iso();
        if (!(await core.store.setCallback(c.id, at))) {
          await core.reload(c.id);
          throw new CounterpartError(ErrorCode.InvalidTransition, 'The request is no longer waiting');
        }
        c.callbackAt = at;
        core.events.publish('changed', c);
      },
      actor,
    );
  }

  /**
   * The shopper ends the request themselves (cancel, or a message left instead): no callback is
   * owed any more, so no callback ticket. Nothing happens when none was asked or it is not waiting.
   */
  withdraw(actor: Actor, id: string): Promise<void> {
    const { core } = this;
    const c = core.live.get(id);
    if (actor.party.role !== Role.Shopper || !c?.callbackAt) return Promise.resolve();
    return core.withConversation(
      id,
      async (live) => {
        if (!live.callbackAt || (live.state !== S.Queued && live.state !== S.Offered)) return;
        if (await core.store.setCallback(live.id, null)) live.callbackAt = null;
      },
      actor,
    );
  }
}
