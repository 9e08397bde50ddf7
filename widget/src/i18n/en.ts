import { IssueType, EndReason, ErrorCode, MAX_CHAT_CHARS, MAX_UPLOAD_BYTES, MediaEndReason, TicketStatus } from '../../../protocol/index';
import { launcherText } from './launcher';

const MAX_MB = MAX_UPLOAD_BYTES / (1024 * 1024);

/**
 * Every string the shopper sees, in English. This object defines the catalogue's keys (see
 * `Catalogue` in ./index): every other language must have exactly these. Strings with a value in
 * them are functions.
 */
export const en = {
  launcher: launcherText.en,

  panel: {
    title: 'Talk to the shop',
    close: 'Close',
    /** Stands in for the agent's name when it is not known yet. */
    agent: 'the shop assistant',
  },

  start: {
    topic: 'What is it about?',
    topics: {
      [IssueType.PreSale]: 'A question before buying',
      [IssueType.Order]: 'My order or delivery',
      [IssueType.AfterSales]: 'Returns, repairs or warranty',
      [IssueType.Technical]: 'Technical help with a product',
    } satisfies Record<IssueType, string>,
    intro: 'Chat, call or video call a shop assistant. No sign-up needed.',
    chat: 'Chat',
    voice: 'Voice call',
    video: 'Video call',
    startingVideo: 'Starting your camera and microphone…',
    startingVoice: 'Starting your microphone…',
    deniedVideo: 'We need your camera and microphone for a video call. Allow them in your browser and try again, or continue without video.',
    deniedVoice: 'We need your microphone for a voice call. Allow it in your browser and try again, or chat with us instead.',
    fallbackVoice: 'Voice call instead',
    fallbackChat: 'Chat instead',
    retry: 'Try again',
    again: 'Start again',
  },

  wait: {
    /** The place in line and, when known, the expected wait (computed by the server). */
    estimate: (n: number, ms: number | null) =>
      `${n <= 1 ? 'You are next in line.' : `You are number ${n} in line.`}${ms === null ? '' : ms < 60_000 ? ' Expected wait: under a minute.' : ` Expected wait: about ${Math.round(ms / 60_000)} min.`}`,
    connecting: 'Connecting you to the shop…',
    noAgent: 'No agent is available right now. Stay here and we will connect you as soon as one is free.',
    offered: 'Calling an agent…',
    transferring: 'Transferring you to another agent. Your conversation stays here.',
    placeholder: 'Write your question while you wait',
    cancel: 'Cancel',
  },

  call: {
    connecting: (name: string) => `Connecting to ${name}…`,
    inVideo: (name: string) => `In a video call with ${name}`,
    inVoice: (name: string) => `In a voice call with ${name}`,
    voiceLabel: 'Voice call',
    mute: 'Mute',
    unmute: 'Unmute',
    cameraOff: 'Camera off',
    cameraOn: 'Camera on',
    toChat: 'Switch to chat',
    end: 'End',
    reconnecting: 'Reconnecting…',
    reconnectingMedia: 'The call is reconnecting…',
    agentReconnecting: (name: string) => `${name}'s connection dropped. Waiting for it to come back…`,
  },

  chatting: {
    status: (name: string) => `You are chatting with ${name}.`,
    proposeVideo: 'Video call',
    proposeVoice: 'Voice call',
    proposingVideo: 'Asking to start a video call…',
    proposingVoice: 'Asking to start a voice call…',
    proposalVideo: (name: string) => `${name} would like to start a video call.`,
    proposalVoice: (name: string) => `${name} would like to start a voice call.`,
    accept: 'Accept',
    decline: 'Decline',
  },

  chat: {
    you: 'You',
    label: 'Message',
    placeholder: 'Type a message',
    send: 'Send',
    attach: 'Send a file',
    typing: (name: string) => `${name} is typing…`,
    uploading: (fileName: string) => `Sending ${fileName}…`,
    download: (fileName: string) => `Download ${fileName}`,
    fileUnavailable: 'This file is no longer available.',
    sending: 'Sending',
    sent: 'Sent',
    delivered: 'Delivered',
    read: 'Read',
  },

  /**
   * Outside business hours, or after waiting with no agent: when the shop opens again (the day and
   * time in the shopper's language and time zone) and the message form that becomes a ticket.
   */
  offline: {
    closed: 'We are closed right now.',
    closedToday: (time: string) => `We are closed right now. We open again today at ${time}.`,
    closedTomorrow: (time: string) => `We are closed right now. We open again tomorrow at ${time}.`,
    closedOn: (day: string, time: string) => `We are closed right now. We open again on ${day} at ${time}.`,
    title: 'Leave us a message',
    intro: 'Tell us how we can help and we will reply by e-mail.',
    offer: 'No one is free to answer yet. Keep waiting, or leave a message and we will reply by e-mail.',
    offerButton: 'Leave a message instead',
    keepWaiting: 'Keep waiting',
    name: 'Your name',
    email: 'Your e-mail',
    message: 'Your message',
    messagePlaceholder: 'How can we help?',
    files: 'Add files (optional)',
    fileHint: `Images (PNG, JPEG, GIF, WebP), PDF or text files, up to ${MAX_MB} MB each.`,
    tooManyFiles: (max: number) => `You can add up to ${max} files.`,
    removeFile: (fileName: string) => `Remove ${fileName}`,
    send: 'Send message',
    sending: 'Sending your message…',
    uploading: (fileName: string) => `Adding ${fileName}…`,
    missingName: 'Please tell us your name.',
    invalidEmail: 'Please enter a valid e-mail address.',
    missingText: 'Please write your message.',
    sent: 'Thank you! We have your message.',
    sentDetail: (email: string) => `We will reply to ${email}.`,
    added: (fileName: string) => `${fileName} added to your ticket.`,
    fileFailed: (fileName: string, reason: string) => `${fileName} could not be added: ${reason}`,
  },

  /**
   * Instead of watching the queue: an agent calls the shopper back on this page (chat, voice or
   * video, as they asked) as soon as one is free. The request keeps its place.
   */
  callback: {
    intro: 'Rather not watch the queue? Keep browsing and we will call you back right here.',
    request: 'Call me back instead',
    asking: 'Asking for a callback…',
    waiting: 'We will call you back here as soon as an agent is free. You can keep browsing this shop — keep this tab open.',
    browse: 'Keep browsing',
    /** The launcher's tooltip while the shopper waits to be called back. */
    launcher: 'Waiting for an agent to call you back',
    answered: 'An agent is calling you back.',
    /** The offer to leave a message, when a callback was asked for. */
    messageOffer: 'Still no one free. If you cannot keep this tab open, leave a message and we will reply by e-mail.',
  },

  /** After a conversation an agent answered: rate it, follow its ticket (the widget's ended screen). */
  feedback: {
    title: 'How did we do?',
    follow: 'Follow your ticket',
    opening: 'Getting your link…',
    ticketLink: (id: number) => `Open ticket #${id}`,
    ticketHint: 'It opens in a new tab. Keep the link to add messages or files later.',
  },

  /** The 1–5 star rating: the widget's ended screen and the ticket page. */
  rating: {
    label: 'Your rating',
    star: (n: number) => `${n} of 5 stars`,
    scores: { 1: 'Very poor', 2: 'Poor', 3: 'Okay', 4: 'Good', 5: 'Excellent' },
    comment: 'Anything to add? (optional)',
    send: 'Send rating',
    sending: 'Sending…',
    thanks: 'Thank you for your rating!',
    already: 'This conversation has been rated already. Thank you!',
  },

  /** The ticket page (`/ticket/#<link>`): the shopper follows their request after the conversation. */
  ticket: {
    pageTitle: 'Your support ticket',
    title: (id: number) => `Ticket #${id}`,
    loading: 'Loading your ticket…',
    invalidTitle: 'This link does not work',
    invalid: 'This ticket link is not valid or has expired. Start a chat on the shop’s website and ask for a new link.',
    failed: 'We could not load your ticket.',
    retry: 'Try again',
    statusLabel: 'Status',
    status: {
      [TicketStatus.Open]: 'Open',
      [TicketStatus.Pending]: 'Waiting for a reply',
      [TicketStatus.Resolved]: 'Resolved',
    } satisfies Record<TicketStatus, string>,
    topicLabel: 'About',
    created: 'Opened',
    updated: 'Last update',
    resolution: 'How it was resolved',
    history: 'History',
    empty: 'Nothing here yet. Add a message or a file below if there is more we should know.',
    you: 'You',
    shop: 'The shop',
    statusChanged: (status: string) => `Status changed: ${status}`,
    download: 'Download',
    messageLabel: 'Add a message',
    messagePlaceholder: 'Write to the shop about this ticket',
    send: 'Send',
    sending: 'Sending…',
    messageEmpty: 'Write your message first.',
    filesTitle: 'Files',
    fileLabel: 'Add a file',
    fileHint: `Images (PNG, JPEG, GIF, WebP), PDF or text files, up to ${MAX_MB} MB each.`,
    files: (used: number, max: number) => `${used} of ${max} added`,
    filesFull: 'This ticket holds as many files as it can.',
    uploading: (fileName: string) => `Adding ${fileName}…`,
    conversations: 'Your conversations',
    rate: 'Rate this conversation',
  },

  /** Why something failed, by protocol error code (shown in the error state or under the chat). */
  errors: {
    [ErrorCode.BadRequest]: 'Something went wrong with that request. Please try again.',
    [ErrorCode.Unauthorized]: 'Your session has expired. Please start again.',
    [ErrorCode.Forbidden]: 'That is not allowed here.',
    [ErrorCode.NotFound]: 'We could not find that. Please try again.',
    [ErrorCode.InvalidCredentials]: 'We could not sign you in. Please try again.',
    [ErrorCode.OriginNotAllowed]: 'Chat and calls are not enabled on this site.',
    [ErrorCode.UnknownSite]: 'Chat and calls are not enabled on this site.',
    [ErrorCode.InvalidIdentity]: 'We could not confirm your shop account. Reload the page and try again.',
    [ErrorCode.ConversationNotFound]: 'This conversation has ended or is no longer available. Please start again.',
    [ErrorCode.NotOffered]: 'This conversation is no longer available.',
    [ErrorCode.AlreadyInConversation]: 'You already have a conversation open, perhaps in another tab.',
    [ErrorCode.InvalidTransition]: 'That is not possible at this point of the conversation.',
    [ErrorCode.TooLarge]: `That is too large. Files can be up to ${MAX_MB} MB and messages up to ${MAX_CHAT_CHARS} characters.`,
    [ErrorCode.UnsupportedType]: 'This type of file cannot be sent. You can send images (PNG, JPEG, GIF, WebP), PDF and text files.',
    [ErrorCode.PeerNotOwned]: 'We could not connect the call. Please try again.',
    [ErrorCode.ShopUnavailable]: 'The shop cannot be reached right now. Please try again later.',
    [ErrorCode.RateLimited]: 'Too many attempts from your connection. Please wait a minute and try again.',
    [ErrorCode.AccountLocked]: 'Too many attempts. Please wait a few minutes and try again.',
    [ErrorCode.Conflict]: 'This was changed or done already. Reload and try again.',
    [ErrorCode.AgentInCall]: 'The agent is in another call right now. You can keep chatting and try again in a moment.',
    [ErrorCode.QueueFull]: 'All our agents are busy and the queue is full. Please try again in a few minutes.',
    [ErrorCode.Closed]: 'We are closed right now. Leave us a message and we will reply by e-mail.',
    [ErrorCode.Unavailable]: 'Our service is restarting. Please try again in a moment.',
    [ErrorCode.Internal]: 'We could not reach our service. Please try again.',
  } satisfies Record<ErrorCode, string>,
  errorGeneric: 'Something went wrong. Please try again.',

  /** Why the conversation ended, by protocol end reason; a hang-up says who hung up when known. */
  ended: {
    [EndReason.Hangup]: 'The conversation has ended. Thank you!',
    [EndReason.Abandoned]: 'Cancelled before an agent answered.',
    [EndReason.Disconnected]: 'The connection was lost and the conversation ended.',
    [EndReason.ServerShutdown]: 'The conversation was interrupted. Please start again.',
    [EndReason.ConnectFailed]: 'We could not connect the call. Please try again.',
    [EndReason.QueueTimeout]: 'Sorry, no one could answer in time. Please try again later.',
    [EndReason.ServerRestart]: 'The conversation was interrupted. Please start again.',
  } satisfies Record<EndReason, string>,
  endedByYou: 'You ended the conversation. Thank you!',
  endedByAgent: 'The agent ended the conversation. Thank you!',
  endedDefault: 'The conversation has ended.',

  /** Why a voice or video call inside the conversation ended; the chat goes on. */
  mediaEnded: {
    [MediaEndReason.Stopped]: 'The call has ended. You can keep chatting here.',
    [MediaEndReason.Declined]: 'The call was declined. You can keep chatting here.',
    [MediaEndReason.ConnectFailed]: 'We could not connect the call. You can keep chatting here.',
    [MediaEndReason.ConversationEnded]: 'The call has ended.',
  } satisfies Record<MediaEndReason, string>,
};
