import { OVERLAY_PORT, type OverlayCommand } from '../../lib/bridge';
import type { AgentConsole } from './agent.svelte';
import { overlayStateOf } from './overlay-state.svelte';

type Port = ReturnType<typeof browser.runtime.connect>;

const RING: ReadonlySet<unknown> = new Set<OverlayCommand['type']>(['accept', 'decline']);
const CALL: ReadonlySet<unknown> = new Set<OverlayCommand['type']>(['hangup', 'toggle-mute', 'toggle-camera']);
const isCommand = (v: unknown): v is OverlayCommand => {
  if (typeof v !== 'object' || v === null) return false;
  const { type, conversationId } = v as { type?: unknown; conversationId?: unknown };
  return RING.has(type) || (CALL.has(type) && typeof conversationId === 'string');
};

/** Serves admin-page overlays: pushes every state change, takes their commands. */
export function serveOverlays(agent: AgentConsole): () => void {
  const ports = new Set<Port>();
  const onConnect = (port: Port) => {
    if (port.name !== OVERLAY_PORT || port.sender?.id !== browser.runtime.id) return;
    ports.add(port);
    port.onMessage.addListener((cmd: unknown) => isCommand(cmd) && agent.command(cmd));
    port.onDisconnect.addListener(() => ports.delete(port));
    port.postMessage(overlayStateOf(agent));
  };
  browser.runtime.onConnect.addListener(onConnect);
  const stop = $effect.root(() => {
    $effect(() => {
      const state = overlayStateOf(agent);
      for (const p of ports) p.postMessage(state);
    });
  });
  return () => {
    stop();
    browser.runtime.onConnect.removeListener(onConnect);
    for (const p of ports) p.disconnect();
  };
}
