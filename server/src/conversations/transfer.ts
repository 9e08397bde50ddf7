import { ConversationState as S, CounterpartError, ErrorCode, MediaEndReason, ParticipantState, type IssueType } from '../../../protocol/index';
import type { Actor, Core } from './core';
import type { Lifecycle } from './lifecycle';
import { participantOf } from './model';
import { Event, next } from './states';

export type TransferTarget = { agentId: number } | { issueType: IssueType };

/**
 * Transfer: an agent hands an active conversation on, to one agent or to an issue type's queue,
 * with a note for the next agent. The conversation goes back to the queue (the same conversation:
 * the shopper keeps it and its chat; the next agent is offered it with the history); the agent
 * leaves and wraps up, and is not offered it again for a while. A call in progress stops first.
 */
export class Transfers {
  constructor(
    private readonly core: Core,
    private readonly lifecycle: Lifecycle,
  ) {}

  transfer(actor: Actor, id: string, to: TransferTarget, note: string): Promise<void> {
    const { core, lifecycle } = this;
    const from = core.requireAgent(actor);
    return core.withConversation(
      id,
      async (c) => {
        next(c.state, Event.Transfer);
        const target = 'agentId' in to ? core.agents.get(to.agentId) : undefined;
        if ('agentId' in to && (!target || !target.enrolled || target.id === from.id)) throw new CounterpartError(ErrorCode.BadRequest, 'Transfer to another agent of this service');
        if (c.media) await lifecycle.endMedia(c, MediaEndReason.Stopped);
        const issueType = 'issueType' in to ? to.issueType : c.issueType;
        const at = core.iso();
        const wrapUpMs = core.opts.routing.wrapUpMs;
        const wrapUntil = wrapUpMs > 0 ? core.now() + wrapUpMs : null;
        const waitDeadline = core.now() + core.opts.queue.maxWaitMs;
        const t = { to: target?.id ?? null, issueType, note };
        if (!(await core.store.transfer(c.id, { id: from.id, name: from.name }, t, at, waitDeadline, wrapUntil))) {
          await core.reload(c.id);
          await core.reloadAgent(from.id);
          throw new CounterpartError(ErrorCode.InvalidTransition, 'The conversation changed before it could be transferred');
        }
        lifecycle.slots.release(c, wrapUntil, from.id);
        const p = participantOf(c, actor.party)!;
        Object.assign(p, { leftAt: at, state: ParticipantState.Left, graceDeadline: null, mediaPath: null });
        Object.assign(c, { state: S.Queued, issueType, waitDeadline, proposal: null, transfer: { fromId: from.id, fromName: from.name, toAgentId: t.to, note, at } });
        lifecycle.armDeadlines(c);
        lifecycle.dispatcher.refuse(c.id, from.id);
        lifecycle.dispatcher.retell(c.id);
        core.events.publish('transferred', c, { id: from.id, name: from.name }, note);
        core.events.publish('changed', c);
        core.publishAgent(from);
        lifecycle.dispatch();
      },
      actor,
    );
  }
}
