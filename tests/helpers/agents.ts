/**
 * An agent's side of conversations, as the agent console does it: open the realtime channel, set
 * a presence, take an offer, join the media session with a PeerJS peer. Presence is stored by the
 * server, so a console always sets the presence it wants instead of trusting what an earlier
 * test left behind.
 */
import { AgentState, ConversationState, Presence, type RtcCredentials, type ServerMessageOf } from '../../protocol/index';
import { login, rtcCredentials, waitFor, type Stack } from './server';
import { openRealtime, type RealtimeClient } from './sockets';

export type AgentConsole = { id: number; name: string; token: string; rt: RealtimeClient };

/** Signs in, opens the realtime channel and sets this presence (waiting for the server's `agent.self` saying so). */
export async function agentConsole(
  stack: Pick<Stack, 'url'>,
  user: { email: string; password: string },
  presence: Presence.Available | Presence.Away = Presence.Available,
  track?: (rt: RealtimeClient) => void,
): Promise<AgentConsole> {
  const l = await login(stack.url, user);
  const rt = await openRealtime(stack.url, l.token);
  track?.(rt);
  await rt.next('agent.self');
  const agent = { id: l.user.id, name: l.user.name, token: l.token, rt };
  await setPresence(agent, presence);
  return agent;
}

export async function setPresence(agent: Pick<AgentConsole, 'rt'>, presence: Presence.Available | Presence.Away): Promise<void> {
  agent.rt.send({ type: 'presence.set', presence });
  const state = presence === Presence.Available ? [AgentState.Available, AgentState.Ringing, AgentState.Busy] : [AgentState.Away, AgentState.Busy];
  await agent.rt.next('agent.self', { where: (m) => m.presence === presence && state.includes(m.state) });
}

/** Waits for the offer of this conversation (or the next offer), accepts it, and waits until it is active. */
export async function acceptOffer(agent: Pick<AgentConsole, 'rt'>, conversationId?: string): Promise<ServerMessageOf<'offer'>> {
  const offer = await agent.rt.next('offer', conversationId ? { where: (m) => m.conversationId === conversationId } : {});
  agent.rt.send({ type: 'offer.accept', conversationId: offer.conversationId });
  await agent.rt.next('conversation.update', { where: (m) => m.conversation.id === offer.conversationId && m.conversation.state === ConversationState.Active });
  return offer;
}

/**
 * Fresh PeerJS credentials, sent as this client's peer in the conversation's running media
 * session; resolves with them and the `media.peers` that answers the join (fails on an error).
 */
export async function joinMedia(
  stack: Pick<Stack, 'url'>,
  who: { token: string; rt: RealtimeClient },
  conversationId: string,
): Promise<{ creds: RtcCredentials; peers: ServerMessageOf<'media.peers'> }> {
  const creds = await rtcCredentials(stack.url, who.token);
  const from = who.rt.received.length;
  who.rt.send({ type: 'media.join', conversationId, peerId: creds.peerId });
  const peers = await waitFor(() => {
    const after = who.rt.received.slice(from);
    const err = after.find((m) => m.type === 'error');
    if (err) throw new Error(`media.join refused: ${JSON.stringify(err)}`);
    return after.find((m): m is ServerMessageOf<'media.peers'> => m.type === 'media.peers' && m.conversationId === conversationId) ?? null;
  }, 'media.peers after media.join');
  return { creds, peers };
}
