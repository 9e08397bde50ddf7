import { Role, sameParty, type ChatMessage, type ConversationView, type Party } from '../../protocol/index';
import type { Mark, MessageView, WidgetView } from './view';

/** The conversation's agent: the one in it now, else the last one who was. */
export const agentOf = (v: ConversationView) =>
  v.participants.find((p) => p.party.role === Role.Agent && p.leftAt === null) ?? v.participants.find((p) => p.party.role === Role.Agent);

/** Delivered / read marks on the shopper's own messages, from the others' marks. */
export function markOwn(view: WidgetView, v: ConversationView, me: Party | null): void {
  const others = v.participants.filter((p) => me && !sameParty(p.party, me));
  const read = Math.max(0, ...others.map((p) => p.readSeq));
  const delivered = Math.max(0, ...others.map((p) => p.deliveredSeq));
  if (delivered) view.markUpTo(delivered, 'delivered');
  if (read) view.markUpTo(read, 'read');
}

/** A chat message as the view shows it: the shopper's own as "You", marked sent. */
export function messageView(view: WidgetView, m: ChatMessage, me: Party | null): MessageView {
  const mine = Boolean(m.sender && me && sameParty(m.sender, me));
  const mark: Mark | null = mine ? 'sent' : null;
  return { id: m.id, clientId: m.clientId, seq: m.seq, mine, senderName: mine ? view.t.chat.you : m.senderName, kind: m.kind, text: m.text, file: m.file, at: m.at, mark };
}
