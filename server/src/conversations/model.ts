import {
  ConversationState,
  IssueType,
  MediaKind,
  Role,
  TERMINAL_STATES,
  type ChatMessage,
  type ConversationView,
  type CustomerSummary,
  type EndReason,
  type EndedBy,
  type MediaEndReason,
  type MediaPath,
  type ParticipantState,
  type Party,
  type ProductSummary,
  partyKey,
} from '../../../protocol/index';
import { iso } from '../db/index';
import type { Load } from './agent-load';

export type { Party };
export { sameParty } from '../../../protocol/index';

/** One participant as the domain holds it (a `participants` row). */
export type Participant = {
  party: Party;
  name: string;
  state: ParticipantState;
  joinedAt: string;
  leftAt: string | null;
  /** Epoch ms: the conversation waits for this participant until then. */
  graceDeadline: number | null;
  peerId: string | null;
  peerJoinedAt: string | null;
  mediaPath: MediaPath | null;
  deliveredSeq: number;
  readSeq: number;
  /** The agent slot this participant holds (`call` while media runs, else `chat`); null for shoppers. */
  load: Load | null;
};

export type MediaSession = {
  id: string;
  kind: MediaKind.Voice | MediaKind.Video;
  startedAt: string;
  connectedAt: string | null;
  endedAt: string | null;
  endReason: MediaEndReason | null;
  connectDeadline: number | null;
  resumes: number;
};

/** A conversation (a `conversations` row with its participants and running media session). */
export type Conversation = {
  id: string;
  siteId: number;
  shopperId: string;
  net: string;
  state: ConversationState;
  channel: MediaKind;
  /** What the request is about, its language and the shopper's VIP level: what routing reads. */
  issueType: IssueType;
  language: string;
  vip: number;
  categoryIds: number[];
  customer: CustomerSummary | null;
  product: ProductSummary | null;
  pageUrl: string;
  lastSeq: number;
  offeredAgentId: number | null;
  /** The peer the ringing agent's console warmed up for this offer (pre-connect); null outside a ring. */
  ringPeerId: string | null;
  proposal: { kind: MediaKind.Voice | MediaKind.Video; by: Party } | null;
  requestedAt: string;
  offeredAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  endedBy: EndedBy | null;
  endReason: EndReason | null;
  waitDeadline: number | null;
  offerDeadline: number | null;
  participants: Participant[];
  media: MediaSession | null;
  /** The last hand-on by an agent: back in the queue, directed to `toAgentId` (null: the issue type's queue). */
  transfer: Transfer | null;
  /** The shopper asked to be called back then. */
  callbackAt: string | null;
};

export type Transfer = { fromId: number; fromName: string; toAgentId: number | null; note: string; at: string };

export type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = <T extends string>(v: unknown): T | null => (v === null || v === undefined ? null : (String(v) as T));

export const isLive = (c: Pick<Conversation, 'state'>): boolean => !TERMINAL_STATES.has(c.state);
export const partyOfRow = (role: unknown, id: unknown): Party => ({ role: role as Role, id: String(id) });
/** How a party is stored in one column (the same text as its owner key). */
export const encodeParty = (p: Party): string => partyKey(p);
export function decodeParty(v: unknown): Party | null {
  const s = str(v);
  const i = s?.indexOf(':') ?? -1;
  return s && i > 0 ? { role: s.slice(0, i) as Role, id: s.slice(i + 1) } : null;
}

// ---- rows ↔ domain: the one mapping ---------------------------------------------------------

export function conversationFromRows(row: Row, participants: Row[], media: Row | undefined): Conversation {
  const context = JSON.parse(String(row.context)) as { customer: CustomerSummary | null; product: ProductSummary | null };
  const by = decodeParty(row.proposal_by);
  return {
    id: String(row.id),
    siteId: Number(row.site_id),
    shopperId: String(row.shopper_id),
    net: String(row.net),
    state: row.state as ConversationState,
    channel: row.channel as MediaKind,
    issueType: row.issue_type as IssueType,
    language: String(row.language),
    vip: Number(row.vip),
    categoryIds: (JSON.parse(String(row.category_ids)) as unknown[]).map(Number).filter(Number.isSafeInteger),
    customer: context.customer,
    product: context.product,
    pageUrl: String(row.page_url),
    lastSeq: Number(row.last_seq),
    offeredAgentId: num(row.offered_agent_id),
    ringPeerId: str(row.ring_peer_id),
    proposal: row.proposal_kind && by ? { kind: row.proposal_kind as MediaKind.Voice | MediaKind.Video, by } : null,
    requestedAt: iso(row.requested_at)!,
    offeredAt: iso(row.offered_at),
    answeredAt: iso(row.answered_at),
    endedAt: iso(row.ended_at),
    endedBy: str<EndedBy>(row.ended_by),
    endReason: str<EndReason>(row.end_reason),
    waitDeadline: num(row.wait_deadline),
    offerDeadline: num(row.offer_deadline),
    participants: participants.map(participantFromRow),
    media: media ? mediaFromRow(media) : null,
    callbackAt: iso(row.callback_at),
    transfer:
      row.transferred_at != null
        ? { fromId: Number(row.transfer_from), fromName: String(row.transfer_from_name ?? ''), toAgentId: num(row.transfer_to), note: String(row.transfer_note ?? ''), at: iso(row.transferred_at)! }
        : null,
  };
}

export function conversationRow(c: Conversation): Row {
  return {
    id: c.id,
    site_id: c.siteId,
    shopper_id: c.shopperId,
    net: c.net,
    customer_id: c.customer?.id ?? null,
    customer_name: c.customer?.name ?? null,
    product_id: c.product?.id ?? null,
    product_name: c.product?.name ?? null,
    context: JSON.stringify({ customer: c.customer, product: c.product }),
    page_url: c.pageUrl,
    channel: c.channel,
    issue_type: c.issueType,
    language: c.language,
    vip: c.vip,
    category_ids: JSON.stringify(c.categoryIds),
    state: c.state,
    last_seq: c.lastSeq,
    requested_at: c.requestedAt,
    wait_deadline: c.waitDeadline,
  };
}

export function participantFromRow(r: Row): Participant {
  return {
    party: partyOfRow(r.role, r.party_id),
    name: String(r.name),
    state: r.state as ParticipantState,
    joinedAt: iso(r.joined_at)!,
    leftAt: iso(r.left_at),
    graceDeadline: num(r.grace_deadline),
    peerId: str(r.peer_id),
    peerJoinedAt: iso(r.peer_joined_at),
    mediaPath: str<MediaPath>(r.media_path),
    deliveredSeq: Number(r.delivered_seq),
    readSeq: Number(r.read_seq),
    load: str<Load>(r.load),
  };
}

export function participantRow(conversationId: string, p: Participant): Row {
  return {
    conversation_id: conversationId,
    role: p.party.role,
    party_id: p.party.id,
    name: p.name,
    state: p.state,
    joined_at: p.joinedAt,
    left_at: p.leftAt,
    grace_deadline: p.graceDeadline,
    peer_id: p.peerId,
    peer_joined_at: p.peerJoinedAt,
    media_path: p.mediaPath,
    delivered_seq: p.deliveredSeq,
    read_seq: p.readSeq,
    load: p.load,
  };
}

export function mediaFromRow(r: Row): MediaSession {
  return {
    id: String(r.id),
    kind: r.kind as MediaKind.Voice | MediaKind.Video,
    startedAt: iso(r.started_at)!,
    connectedAt: iso(r.connected_at),
    endedAt: iso(r.ended_at),
    endReason: str<MediaEndReason>(r.end_reason),
    connectDeadline: num(r.connect_deadline),
    resumes: Number(r.resumes),
  };
}

export function messageFromRow(r: Row, file: Row | undefined): ChatMessage {
  return {
    id: String(r.id),
    conversationId: String(r.conversation_id),
    seq: Number(r.seq),
    sender: r.sender_role ? partyOfRow(r.sender_role, r.sender_id) : null,
    senderName: String(r.sender_name),
    kind: r.kind as ChatMessage['kind'],
    text: String(r.text),
    file: file ? { id: String(file.id), name: String(file.name), type: file.type as NonNullable<ChatMessage['file']>['type'], size: Number(file.size) } : null,
    at: iso(r.created_at)!,
    clientId: str(r.client_id),
  };
}

// ---- domain → view --------------------------------------------------------------------------

export function conversationView(c: Conversation, lastQos: ConversationView['lastQos'] = null): ConversationView {
  return {
    id: c.id,
    state: c.state,
    channel: c.channel,
    customerName: c.customer?.name ?? null,
    productName: c.product?.name ?? null,
    issueType: c.issueType,
    language: c.language,
    vip: c.vip,
    participants: c.participants.map((p) => ({
      party: p.party,
      name: p.name,
      state: p.state,
      media: c.media && !c.media.endedAt ? p.mediaPath : null,
      joinedAt: p.joinedAt,
      leftAt: p.leftAt,
      deliveredSeq: p.deliveredSeq,
      readSeq: p.readSeq,
    })),
    media: c.media && !c.media.endedAt
      ? { id: c.media.id, kind: c.media.kind, startedAt: c.media.startedAt, connectedAt: c.media.connectedAt, endedAt: null, endReason: null, resumes: c.media.resumes }
      : null,
    proposal: c.proposal,
    requestedAt: c.requestedAt,
    offeredAt: c.offeredAt,
    answeredAt: c.answeredAt,
    endedAt: c.endedAt,
    endedBy: c.endedBy,
    endReason: c.endReason,
    callbackAt: c.callbackAt,
    lastQos,
  };
}

/** The participant a party is in this conversation (left ones included). */
export const participantOf = (c: Conversation, party: Party): Participant | undefined =>
  c.participants.find((p) => p.party.role === party.role && p.party.id === party.id);

/** Parties still in the conversation (not left). */
export const presentParties = (c: Conversation): Party[] => c.participants.filter((p) => p.leftAt === null).map((p) => p.party);

export const agentParty = (userId: number): Party => ({ role: Role.Agent, id: String(userId) });
export const shopperParty = (shopperId: string): Party => ({ role: Role.Shopper, id: shopperId });
export const QUEUED_STATES = [ConversationState.Queued, ConversationState.Offered];
