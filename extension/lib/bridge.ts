import type { AgentState, ConversationContext, MediaKind, Presence } from '../../protocol/index';

/**
 * Messages inside the extension only (console page ↔ admin-page overlay ↔ background). The
 * console owns the conversation; overlays mirror its state and send commands over a runtime Port.
 */
export const OVERLAY_PORT = 'counterpart-overlay';
export const OPEN_CONSOLE = 'counterpart:open-console';
export const CONSOLE_PATH = '/console.html';

export type OverlayState = {
  signedIn: boolean;
  agentName: string | null;
  presence: Presence;
  agentState: AgentState;
  ring: { conversationId: string; customerName: string | null; productName: string | null } | null;
  conversation: {
    conversationId: string;
    remoteName: string;
    phase: 'chat' | 'connecting' | 'in-call';
    /** The running call's kind (null: chat only). */
    kind: MediaKind.Voice | MediaKind.Video | null;
    reconnecting: boolean;
    muted: boolean;
    cameraOff: boolean;
    context: ConversationContext | null;
  } | null;
  /** Other conversations the console holds besides the one shown here (chats beside a call). */
  others: number;
};

/** What an overlay asks of the console; call commands name the conversation the overlay showed. */
export type OverlayCommand =
  | { type: 'accept' }
  | { type: 'decline' }
  | { type: 'hangup' | 'toggle-mute' | 'toggle-camera'; conversationId: string };

export type OpenConsoleMessage = { type: typeof OPEN_CONSOLE };
