import type { OverlayState } from '../../lib/bridge';
import type { AgentConsole } from './agent.svelte';

/** What the admin-page overlays mirror of the console: the call, else the conversation shown, and how many more there are. */
export function overlayStateOf(agent: AgentConsole): OverlayState {
  const live = agent.live;
  const c = agent.focus();
  return {
    signedIn: agent.user !== null,
    agentName: agent.user?.name ?? null,
    presence: agent.presence,
    agentState: agent.agentState,
    ring: agent.offer ? { conversationId: agent.offer.conversationId, customerName: agent.offer.customer?.name ?? null, productName: agent.offer.product?.name ?? null } : null,
    conversation: c
      ? {
          conversationId: c.id,
          remoteName: c.shopperName,
          phase: c.phase === 'none' ? 'chat' : c.phase,
          kind: c.mediaKind,
          reconnecting: c.reconnecting,
          muted: c.muted,
          cameraOff: c.cameraOff,
          context: $state.snapshot(c.context),
        }
      : null,
    others: Math.max(0, live.length - 1),
  };
}
