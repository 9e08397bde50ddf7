import { Role, type ClientMessageOf, type ConversationView, type ChatMessage, type AgentView, type AgentDirectory } from '../../../protocol/index';
import { partyOfPrincipal, type Principal } from '../auth/tokens';
import type { Logger } from '../log';
import type { ShopAdapter } from '../shop/adapter';
import { requestContext } from '../shop/context';
import { agentView } from './agents';
import { Chat } from './chat';
import { Core, type Actor, type ConversationOptions } from './core';
import { Lifecycle } from './lifecycle';
import { Media } from './media';
import { participantOf, type Conversation } from './model';
import { sanitizePageUrl } from './page-url';
import { Transfers } from './transfer';
import { Callbacks } from './callback';
import type { ConversationStore } from './store';

export type { ConversationOptions };

/** The actor a principal is in the domain: its party and display name. */
export function actorOf(p: Principal): Actor {
  return { party: partyOfPrincipal(p), name: p.role === Role.Shopper ? '' : p.name };
}

type Shopper = Extract<Principal, { role: Role.Shopper }>;
type Sync = { conversation: ConversationView; messages: ChatMessage[]; more: boolean };

/**
 * The conversation domain as the transports see it: lifecycle (queue, offers, reconnect grace),
 * chat and media, over one store and one event bus. `events` is what transports subscribe to.
 */
export class Conversations {
  readonly core: Core;
  readonly lifecycle: Lifecycle;
  readonly chat: Chat;
  readonly media: Media;
  readonly transfers: Transfers;
  readonly callbacks: Callbacks;

  constructor(
    store: ConversationStore,
    private readonly shop: ShopAdapter,
    log: Logger,
    opts: ConversationOptions,
    now: () => number = Date.now,
  ) {
    this.core = new Core(store, log, opts, now);
    this.lifecycle = new Lifecycle(this.core);
    this.chat = new Chat(this.core);
    this.media = new Media(this.core, this.lifecycle);
    this.transfers = new Transfers(this.core, this.lifecycle);
    this.callbacks = new Callbacks(this.core);
  }

  get events() {
    return this.core.events;
  }

  /** At start: agents with their stored presence, then every live conversation taken over. Returns how many. */
  async init(agents: { id: number; name: string; email: string }[]): Promise<number> {
    const rows = await this.core.store.agentRows(agents.map((a) => a.id), this.core.iso());
    for (const a of agents) this.core.addAgent(a, rows.get(a.id));
    const n = await this.lifecycle.takeOver();
    this.media.indexLive();
    this.lifecycle.dispatch();
    return n;
  }

  /** An agent account made or changed at runtime (an admin's invite, a role change): routing knows them from now on. */
  async addAgent(a: { id: number; name: string; email: string }): Promise<void> {
    const known = this.core.agents.get(a.id);
    if (known) {
      Object.assign(known, { name: a.name, email: a.email });
      return this.core.reloadAgent(a.id);
    }
    const rows = await this.core.store.agentRows([a.id], this.core.iso());
    this.core.addAgent(a, rows.get(a.id));
  }

  /** Starts a conversation; a shopper who already has one (a resend, another tab) gets that one back. */
  async start(p: Shopper, msg: ClientMessageOf<'conversation.start'>): Promise<Sync> {
    const existing = this.liveOf(p)[0];
    if (existing) return this.chat.sync(actorOf(p), existing.id, 0);
    const c = await this.lifecycle.start(
      {
        shopper: actorOf(p), siteId: p.siteId, net: p.net, channel: msg.channel, issueType: msg.issueType, language: msg.language,
        customer: null, product: null, pageUrl: sanitizePageUrl(msg.context.pageUrl) ?? '',
      },
      async () => requestContext(this.shop, this.core.log, { customerId: p.customerId, productId: msg.context.productId }),
    );
    return { conversation: this.core.view(c), messages: [], more: false };
  }

  resume(p: Principal, id: string, afterSeq: number): Promise<Sync> {
    return this.chat.sync(actorOf(p), id, afterSeq);
  }

  /** Who a conversation can be transferred to: the active agent accounts (a deactivated one is not), with their state. */
  directory(): AgentDirectory['agents'] {
    return [...this.core.agents.values()].filter((a) => a.enrolled).map((a) => ({ id: a.id, name: a.name, state: this.core.agentStateOf(a) }));
  }

  snapshot(): { agents: AgentView[]; conversations: ConversationView[] } {
    return {
      agents: [...this.core.agents.values()].map((a) => agentView(a, this.core.agentStateOf(a))),
      conversations: [...this.core.live.values()].map((c) => this.core.view(c)),
    };
  }

  /** The shop context of a live conversation, for its agents. */
  contextFor(p: Principal, id: string): Pick<Conversation, 'customer' | 'product'> {
    const c = this.core.participantIn(actorOf(p), id);
    return { customer: c.customer, product: c.product };
  }

  /** Ends an agent's wrap-up now (they resolved the ticket): offers resume. */
  endWrapUp(agentId: number): Promise<boolean> {
    return this.lifecycle.slots.endWrapUp(agentId);
  }

  /** The live conversations a principal is present in (a reconnecting client resumes these). */
  liveOf(p: Principal): Conversation[] {
    const { party } = actorOf(p);
    return [...this.core.live.values()].filter((c) => participantOf(c, party)?.leftAt === null);
  }

  /** Resolves when no change is in flight on this node (dispatch and every conversation's queue). */
  settled(): Promise<void> {
    return this.lifecycle.settled();
  }

  async stop(): Promise<void> {
    this.lifecycle.stop();
    await this.core.locks.idle();
  }
}
