import { ConversationState as S, CounterpartError, EndReason, EndedBy, ErrorCode } from '../../../protocol/index';

/** What can happen to a conversation. */
export enum Event {
  /** Ring an agent. */
  Offer = 'offer',
  /** The offer stopped without an answer: declined, rang out, the agent went away. */
  Unoffer = 'unoffer',
  Accept = 'accept',
  ShopperEnd = 'shopper_end',
  AgentEnd = 'agent_end',
  /** The queue's maximum wait passed. */
  WaitDeadline = 'wait_deadline',
  /** A participant's reconnect grace ended without it coming back. */
  ShopperGone = 'shopper_gone',
  AgentGone = 'agent_gone',
  /** An agent hands it on: back to the queue (to one agent or an issue type's queue). */
  Transfer = 'transfer',
}

/** The transition table: state → event → next state. Anything missing is refused. */
export const TRANSITIONS: Readonly<Record<S, Partial<Record<Event, S>>>> = {
  [S.Queued]: { [Event.Offer]: S.Offered, [Event.ShopperEnd]: S.Abandoned, [Event.ShopperGone]: S.Abandoned, [Event.WaitDeadline]: S.TimedOut },
  [S.Offered]: {
    [Event.Unoffer]: S.Queued,
    [Event.AgentGone]: S.Queued,
    [Event.Accept]: S.Active,
    [Event.ShopperEnd]: S.Abandoned,
    [Event.ShopperGone]: S.Abandoned,
    [Event.WaitDeadline]: S.TimedOut,
  },
  [S.Active]: { [Event.Transfer]: S.Queued, [Event.ShopperEnd]: S.Closed, [Event.AgentEnd]: S.Closed, [Event.ShopperGone]: S.Closed, [Event.AgentGone]: S.Closed },
  [S.Closed]: {},
  [S.Abandoned]: {},
  [S.TimedOut]: {},
};

/** The next state, or an `invalid_transition` error naming both. */
export function next(state: S, event: Event): S {
  const to = TRANSITIONS[state][event];
  if (!to) throw new CounterpartError(ErrorCode.InvalidTransition, `A ${state.replace('_', ' ')} conversation cannot take "${event.replace('_', ' ')}"`);
  return to;
}

/** The states from which an event is allowed (the CAS's `where state in (…)`). */
export function sourcesOf(event: Event): S[] {
  return (Object.keys(TRANSITIONS) as S[]).filter((s) => TRANSITIONS[s][event] !== undefined);
}

/** Who ended a conversation and why, for the events that end one. */
export function endingOf(event: Event, from: S): { by: EndedBy; reason: EndReason } | null {
  const answered = from === S.Active;
  switch (event) {
    case Event.ShopperEnd:
      return { by: EndedBy.Shopper, reason: answered ? EndReason.Hangup : EndReason.Abandoned };
    case Event.AgentEnd:
      return { by: EndedBy.Agent, reason: EndReason.Hangup };
    case Event.ShopperGone:
      return { by: EndedBy.Shopper, reason: answered ? EndReason.Disconnected : EndReason.Abandoned };
    case Event.AgentGone:
      return answered ? { by: EndedBy.Agent, reason: EndReason.Disconnected } : null;
    case Event.WaitDeadline:
      return { by: EndedBy.System, reason: EndReason.QueueTimeout };
    default:
      return null;
  }
}
