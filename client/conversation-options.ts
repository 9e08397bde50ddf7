/** The events and options of a ConversationSession (client/conversation.ts). */
import type { ChatMessage, ConversationView, CounterpartError, MediaPath, Party } from '../protocol/index';
import type { MediaLinkPort, MediaSessionKind } from './conversation-media';
import { getLocalMedia } from './local-media';
import { MediaLink } from './media-link';
import type { PendingMessage } from './message-log';
import type { RealtimeClient } from './realtime';

/** Where a waiting shopper stands: place in line, whether anyone who can help is at work, the expected wait (null: unknown). */
export type QueuedInfo = { position: number; agentAvailable: boolean; expectedWaitMs: number | null };
/** What a page stores to resume the conversation after a reload. */
export type Persisted = { conversationId: string; lastSeq: number };

export type ConversationEvents = {
  /** The conversation's state, participants, media session or proposal changed. */
  conversation: (view: ConversationView) => void;
  queued: (info: QueuedInfo) => void;
  /** Each message exactly once, in seq order. */
  message: (message: ChatMessage) => void;
  /** Sent messages not yet confirmed by the server (the whole list, on change). */
  pending: (list: readonly PendingMessage[]) => void;
  typing: (who: { party: Party; name: string }) => void;
  /** This client's camera/microphone while a media session runs; null when it ends. */
  localStream: (stream: MediaStream | null) => void;
  remoteStream: (party: Party, stream: MediaStream) => void;
  remoteLeft: (party: Party) => void;
  /** This client's media path (also reported to the server), on change, while a media session runs. */
  mediaPath: (path: MediaPath) => void;
  /** Local media refused (the media session is stopped), or the media link failed. */
  mediaError: (err: CounterpartError) => void;
  /** Store this (null: forget it) to resume after a reload. */
  persist: (state: Persisted | null) => void;
  error: (err: CounterpartError) => void;
  /** The conversation no longer exists on the server (e.g. a stored one after a restart). */
  gone: () => void;
};

export type ConversationOptions = {
  rt: RealtimeClient;
  baseUrl: string;
  token: () => string | null;
  me: Party;
  /** A conversation to resume (after a reload) or just accepted (agent). */
  conversationId: string | undefined;
  /** Messages up to this seq are already held by the page: resume after it. */
  lastSeq: number;
  getLocalMedia: (kind: MediaSessionKind) => Promise<MediaStream>;
  openLink: (o: { baseUrl: string; token: string; localStream: MediaStream; sending: boolean }) => Promise<MediaLinkPort>;
  typingIntervalMs: number;
  seenIntervalMs: number;
};
export type Needed = 'rt' | 'baseUrl' | 'token' | 'me';
export const DEFAULTS: Readonly<Omit<ConversationOptions, Needed>> = {
  conversationId: undefined,
  lastSeq: 0,
  getLocalMedia,
  openLink: (o) => MediaLink.open(o),
  typingIntervalMs: 2000,
  seenIntervalMs: 1000,
};
