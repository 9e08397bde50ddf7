/** Constants, paths and enums of the wire protocol. */
export const PROTOCOL_VERSION = 1;

/** Paths shared by the server and every client. */
export const Paths = {
  realtime: '/ws',
  peer: '/peerjs',
  /** PeerJS appends `/peerjs` to its `path` option for the WebSocket. */
  peerSocket: '/peerjs/peerjs',
  peerKey: 'peerjs',
  widgetLoader: '/widget.js',
  dashboard: '/dashboard/',
} as const;

/** Signaling messages above this size are refused by the PeerServer (the socket is closed). */
export const MAX_SIGNAL_BYTES = 64 * 1024;
/** Realtime channel messages above this size are refused. */
export const MAX_REALTIME_BYTES = 16 * 1024;
/** How often both ends of a call report getStats() samples. */
export const QOS_INTERVAL_MS = 2000;

export enum ErrorCode {
  BadRequest = 'bad_request',
  Unauthorized = 'unauthorized',
  Forbidden = 'forbidden',
  NotFound = 'not_found',
  InvalidCredentials = 'invalid_credentials',
  OriginNotAllowed = 'origin_not_allowed',
  UnknownSite = 'unknown_site',
  InvalidIdentity = 'invalid_identity',
  CallNotFound = 'call_not_found',
  CallNotRinging = 'call_not_ringing',
  CallAlreadyRequested = 'call_already_requested',
  PeerNotOwned = 'peer_not_owned',
  ShopUnavailable = 'shop_unavailable',
  RateLimited = 'rate_limited',
  /** Too many failed sign-ins for this account: wait, then try again. */
  AccountLocked = 'account_locked',
  /** The queue for this shop is full: try again later. */
  QueueFull = 'queue_full',
  /** The server is shutting down or saturated: try again shortly. */
  Unavailable = 'unavailable',
  Internal = 'internal',
}

export enum Role {
  Agent = 'agent',
  Supervisor = 'supervisor',
  Shopper = 'shopper',
}

/** What an agent chose. */
export enum Presence {
  Available = 'available',
  Away = 'away',
  Offline = 'offline',
}

/** What an agent is doing, as the supervisor sees it. */
export enum AgentState {
  Available = 'available',
  Away = 'away',
  Offline = 'offline',
  Ringing = 'ringing',
  Busy = 'busy',
}

export enum CallState {
  Queued = 'queued',
  Ringing = 'ringing',
  Connecting = 'connecting',
  Active = 'active',
  Ended = 'ended',
}

export enum MediaKind {
  Video = 'video',
  Voice = 'voice',
  Chat = 'chat',
}

export enum EndedBy {
  Shopper = 'shopper',
  Agent = 'agent',
  System = 'system',
}

export enum EndReason {
  Hangup = 'hangup',
  /** The shopper left before an agent answered. */
  Abandoned = 'abandoned',
  /** A party's realtime connection dropped and did not come back. */
  Disconnected = 'disconnected',
  ServerShutdown = 'server_shutdown',
  /** Accepted, but media never flowed (ICE failed) within the connect timeout. */
  ConnectFailed = 'connect_failed',
  /** Waited in the queue longer than the shop's maximum wait. */
  QueueTimeout = 'queue_timeout',
  /** The server stopped without ending the call (crash, kill): closed when it started again. */
  ServerRestart = 'server_restart',
}

export enum RingEndReason {
  Declined = 'declined',
  Timeout = 'timeout',
  Cancelled = 'cancelled',
  Accepted = 'accepted',
  ServerRestart = 'server_restart',
}

/**
 * Close codes of the realtime channel (4000–4999 are ours). Oversize frames close with 1009 and
 * invalid UTF-8 with 1007, as RFC 6455 says.
 */
export enum CloseCode {
  /** The session expired or was revoked (signed out, refresh reused): get a new ticket or sign in. */
  Unauthorized = 4401,
  Replaced = 4409,
  /** Repeated invalid messages. */
  PolicyViolation = 4400,
  /** Too many messages, or the client reads too slowly: reconnect later. */
  TooManyMessages = 4429,
  ServerShutdown = 4503,
}

/** Realtime tickets are single-use and this short-lived; the socket they open lives until the session's token expires. */
export const TICKET_TTL_SECONDS = 30;
