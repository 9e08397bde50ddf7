/** What the dashboard reads out of a ConversationView: agents, the channel shown, who is reconnecting. */
import {
  ConversationState,
  MediaKind,
  MediaPath,
  ParticipantState,
  Role,
  TERMINAL_STATES,
  sameParty,
  type ConversationView,
  type Party,
  type ParticipantView,
} from '../../protocol/index';
import type { Catalogue } from './i18n/index';

export const isTerminal = (c: ConversationView): boolean => TERMINAL_STATES.has(c.state);

/** Waiting for an agent: in the queue or ringing one. */
export const isWaiting = (c: ConversationView): boolean =>
  c.state === ConversationState.Queued || c.state === ConversationState.Offered;

/** The agents of a conversation (every participant with the agent role), present ones first. */
export function agentsOf(c: ConversationView): ParticipantView[] {
  const agents = c.participants.filter((p) => p.party.role === Role.Agent);
  return [...agents.filter((p) => p.state !== ParticipantState.Left), ...agents.filter((p) => p.state === ParticipantState.Left)];
}

/** The channel asked for, and the media running now when it differs (escalated, or back to chat). */
export function channelText(t: Catalogue, c: ConversationView): { asked: string; now: string | null } {
  const asked = t.channel[c.channel];
  if (c.media && c.media.endedAt === null) return { asked, now: c.media.kind === c.channel ? null : t.channel[c.media.kind] };
  // Voice or video asked for, taken, but no media running: the conversation goes on in chat.
  if (c.channel !== MediaKind.Chat && c.state === ConversationState.Active) return { asked, now: t.channel[MediaKind.Chat] };
  return { asked, now: null };
}

/** The media kind running now ('' for chat only). */
export const runningMedia = (c: ConversationView): string => (c.media && c.media.endedAt === null ? c.media.kind : '');

export interface Reconnecting {
  participant: ParticipantView;
  /** The realtime connection dropped, and/or the media path stalled. */
  connection: boolean;
  media: boolean;
}

/** Participants of a live conversation whose connection or media path is being restored. */
export function reconnectingOf(c: ConversationView): Reconnecting[] {
  if (isTerminal(c)) return [];
  const out: Reconnecting[] = [];
  for (const p of c.participants) {
    if (p.state === ParticipantState.Left) continue;
    const connection = p.state === ParticipantState.Reconnecting;
    const media = p.media === MediaPath.Reconnecting;
    if (connection || media) out.push({ participant: p, connection, media });
  }
  return out;
}

/** A participant's name, or its role when it has none. */
export const whoText = (t: Catalogue, p: ParticipantView): string => p.name || t.role[p.party.role];

/** "Ana (agent): connection lost, media reconnecting" for every reconnecting participant. */
export function reconnectingText(t: Catalogue, list: Reconnecting[]): string {
  return t.conversations.whyList(
    list.map(({ participant: p, connection, media }) =>
      t.conversations.why(p.name ? t.withRole(p.name, p.party.role) : t.role[p.party.role], connection, media),
    ),
  );
}

/** A party's name in this conversation, with its role: "Ana (agent)"; its role alone when it has no name. */
export function partyName(t: Catalogue, c: ConversationView | null, party: Party): string {
  const name = c?.participants.find((p) => sameParty(p.party, party))?.name;
  return name ? t.withRole(name, party.role) : t.role[party.role];
}
