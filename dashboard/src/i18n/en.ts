import { AgentState, ConversationState, MediaKind, Role } from '../../../protocol/index';

const role = {
  [Role.Agent]: 'Agent',
  [Role.Shopper]: 'Shopper',
  [Role.Supervisor]: 'Supervisor',
} satisfies Record<Role, string>;

/** Every string of the supervisor dashboard, in English. This object defines the keys. */
export const en = {
  brand: 'Counterpart',
  /** The browser tab's title. */
  pageTitle: 'Counterpart · Supervisor',
  signIn: {
    title: 'Counterpart supervisor',
    hint: 'Sign in with a supervisor account to watch agents and conversations live.',
    email: 'Email',
    password: 'Password',
    submit: 'Sign in',
    busy: 'Signing in…',
    expired: 'Session expired. Please sign in again.',
  },
  /** Why a sign-in failed (session.ts `LoginFailure`). */
  signInErrors: {
    missing: 'Enter your email and password',
    invalidEmail: 'Enter a valid email address',
    invalidRequest: 'Enter a valid email address and password',
    wrongCredentials: 'Wrong email or password',
    notSupervisor: 'This account is not a supervisor account. Only supervisors can use the dashboard.',
    forbidden: 'This account may not use the dashboard.',
    rateLimited: 'Too many attempts. Wait a minute and try again.',
    accountLocked: 'Too many failed sign-ins for this account. Wait a few minutes and try again.',
    unavailable: 'The server is busy. Try again in a few seconds.',
    unreachable: 'Cannot reach the Counterpart server. Check your connection.',
    serverError: 'The server had a problem. Please try again.',
    unexpected: 'Something went wrong. Please try again.',
    failed: 'Sign-in failed. Please try again.',
  },
  header: {
    sub: 'Supervisor',
    signOut: 'Sign out',
  },
  connection: {
    connecting: 'Connecting…',
    reconnecting: 'Reconnecting… Live data may be out of date.',
    replaced: 'The dashboard was opened in another tab or window, so this one stopped updating.',
    useHere: 'Use it here',
  },
  summary: {
    label: 'Summary',
    available: 'Agents available',
    busy: 'Agents busy',
    away: 'Agents away',
    active: 'Active conversations',
    waiting: 'Waiting conversations',
    longestWait: 'Longest wait',
  },
  agents: {
    title: 'Agents',
    empty: 'No agents yet.',
    agent: 'Agent',
    state: 'State',
    since: 'Since',
    /** How long the agent has been in this state (a `duration`). */
    for: (duration: string) => `for ${duration}`,
  },
  conversations: {
    title: 'Live conversations',
    empty: 'No conversations right now.',
    tableLabel: 'Live conversations; select a row to chart its quality',
    state: 'State',
    channel: 'Channel',
    customerProduct: 'Customer · product',
    agents: 'Agents',
    requested: 'Requested',
    answered: 'Answered',
    rtt: 'RTT',
    jitter: 'Jitter',
    loss: 'Loss',
    reconnecting: 'Reconnecting',
    runningNow: 'Running now',
    guest: 'Guest',
    noProduct: 'No product',
    left: 'Left',
    /** One participant being restored: `who` is `withRole`'s text or a role. */
    why: (who: string, connection: boolean, media: boolean) =>
      `${who}: ${[connection ? 'connection lost' : '', media ? 'media reconnecting' : ''].filter(Boolean).join(', ')}`,
    /** Several `why` texts together. */
    whyList: (items: readonly string[]) => items.join('; '),
  },
  chart: {
    title: 'Conversation quality',
    /** Who the charted conversation is between; `agents` is '' before an agent took it. */
    subject: (customer: string, agents: string) => (agents ? `${customer} with ${agents}` : `${customer}, no agent yet`),
    canvasLabel: 'Round-trip time, jitter and packet loss of the selected conversation, per participant',
    rtt: 'RTT (ms)',
    jitter: 'Jitter (ms)',
    loss: 'Loss (%)',
    msAxis: 'ms',
    lossAxis: 'loss %',
    noneSelected: 'No conversation selected. Quality appears here while a voice or video conversation is live.',
    noMedia: 'No voice or video running in this conversation.',
    waiting: 'Waiting for quality samples…',
  },
  /** Agent and conversation states (the badges). */
  state: {
    [AgentState.Available]: 'Available',
    [AgentState.Away]: 'Away',
    [AgentState.Offline]: 'Offline',
    [AgentState.Ringing]: 'Ringing',
    [AgentState.Busy]: 'Busy',
    [AgentState.WrapUp]: 'Wrap up',
    [ConversationState.Queued]: 'Queued',
    [ConversationState.Offered]: 'Offered',
    [ConversationState.Active]: 'Active',
    [ConversationState.Closed]: 'Closed',
    [ConversationState.Abandoned]: 'Abandoned',
    [ConversationState.TimedOut]: 'Timed out',
  } satisfies Record<AgentState | ConversationState, string>,
  channel: {
    [MediaKind.Chat]: 'Chat',
    [MediaKind.Voice]: 'Voice',
    [MediaKind.Video]: 'Video',
  } satisfies Record<MediaKind, string>,
  role,
  /** A participant's name with its role: "Ana (agent)". */
  withRole: (name: string, r: Role) => `${name} (${role[r].toLowerCase()})`,
  /** Names in a row. */
  list: (items: readonly string[]) => items.join(', '),
  /** Between names shown one by one (a space follows it in English, see ConversationsTable). */
  comma: ',',
  units: {
    ms: 'ms',
    seconds: (n: number) => `${n}s`,
    minutes: (n: number) => `${n}m`,
    hoursMinutes: (h: number, m: number) => `${h}h ${m}m`,
  },
};
