import { MediaKind, partyKey, type ServerMessage } from '../../../protocol/index';
import type { Conversations } from '../conversations/service';
import { agentParty, presentParties, shopperParty, type Conversation } from '../conversations/model';
import type { Hub } from './hub';

/**
 * The realtime channel's subscription to the conversation domain: each stored change becomes the
 * messages its participants, its agents and supervisors get. Nothing here decides anything.
 */
export function bridgeToHub(conversations: Conversations, hub: Hub): () => void {
  const ev = conversations.events;
  const toParticipants = (c: Conversation, msg: ServerMessage) => {
    // Left participants are told too (they see how it ended), once: `presentParties` then drops them.
    for (const p of c.participants) hub.send(partyKey(p.party), msg);
  };
  const offs = [
    ev.on('changed', (c) => {
      const msg: ServerMessage = { type: 'conversation.update', conversation: conversations.core.view(c) };
      toParticipants(c, msg);
      hub.toSupervisors(msg);
    }),
    ev.on('queued', (c, position, agentAvailable, expectedWaitMs) =>
      hub.send(partyKey(shopperParty(c.shopperId)), { type: 'conversation.queued', conversationId: c.id, position, agentAvailable, expectedWaitMs }),
    ),
    ev.on('offer', (c, agentId, preview, timeoutMs) =>
      hub.send(partyKey(agentParty(agentId)), {
        type: 'offer', conversationId: c.id, channel: c.channel, customer: c.customer, product: c.product, preview, timeoutMs,
        issueType: c.issueType, language: c.language, vip: c.vip, callback: c.callbackAt !== null, transfer: c.transfer ? { fromName: c.transfer.fromName, note: c.transfer.note } : null,
      }),
    ),
    ev.on('offerEnded', (c, agentId, reason, setAway) =>
      hub.send(partyKey(agentParty(agentId)), { type: 'offer.end', conversationId: c.id, reason, ...(setAway ? { setAway: true } : {}) }),
    ),
    ev.on('message', (c, message) => {
      for (const p of presentParties(c)) hub.send(partyKey(p), { type: 'chat.message', message });
    }),
    ev.on('typing', (c, from, name) => {
      for (const p of presentParties(c)) if (partyKey(p) !== partyKey(from)) hub.send(partyKey(p), { type: 'chat.typing', conversationId: c.id, party: from, name });
    }),
    // Without a media session the peers are the ring's warm connection (pre-connect): no media id.
    ev.on('mediaPeers', (c, to, peers) => {
      const kind = c.media?.kind ?? c.channel;
      if (kind !== MediaKind.Chat) hub.send(partyKey(to), { type: 'media.peers', conversationId: c.id, mediaId: c.media?.id ?? null, kind, peers });
    }),
    ev.on('agent', (agent, presence) => {
      hub.toSupervisors({ type: 'agent.update', agent });
      hub.send(partyKey(agentParty(agent.id)), { type: 'agent.self', state: agent.state, presence, wrapUpUntil: agent.wrapUpUntil });
    }),
    ev.on('queueStats', (agentId, stats) => hub.send(partyKey(agentParty(agentId)), { type: 'queue.stats', ...stats })),
    ev.on('qos', (c, from, at, sample) => hub.toSupervisors({ type: 'qos.update', conversationId: c.id, from, at, sample })),
  ];
  return () => offs.forEach((off) => off());
}
