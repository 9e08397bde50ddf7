import { MediaPath } from '../../../protocol/index';
import type { OverlayState } from '../../lib/bridge';
import type { AgentConsole } from './agent.svelte';

/** What the admin-page overlays mirror of the console. */
export function overlayStateOf(agent: AgentConsole): OverlayState {
  const c = agent.conv;
  return {
    signedIn: agent.user !== null,
    agentName: agent.user?.name ?? null,
    presence: agent.presence,
    agentState: agent.agentState,
    ring: agent.offer ? { conversationId: agent.offer.conversationId, customerName: agent.offer.customer?.name ?? null, productName: agent.offer.product?.name ?? null } : null,
    conversation: c
      ? {
          conversationId: c.id,
          remoteName: agent.shopperName(),
          phase: !c.view?.media ? 'chat' : c.playing ? 'in-call' : 'connecting',
          kind: c.view?.media?.kind ?? null,
          reconnecting: c.mediaPath === MediaPath.Reconnecting || c.view?.participants.some((p) => p.state === 'reconnecting' || p.media === MediaPath.Reconnecting) === true,
          muted: c.muted,
          cameraOff: c.cameraOff,
          context: $state.snapshot(c.context),
        }
      : null,
  };
}
