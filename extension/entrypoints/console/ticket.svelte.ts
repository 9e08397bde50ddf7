import { CounterpartError, ErrorCode, TicketStatus, TicketView, apiRequest, type TicketUpdate } from '../../../protocol/index';
import { errorText, type Catalogue } from '../../lib/i18n/index';

type Auth = () => { baseUrl: string; token: string | null };

/**
 * The ticket of one of the agent's conversations, edited from the console: opened when the
 * conversation is answered, kept after it ends (wrap-up is when notes get finished) until the agent
 * closes its tab. Every edit states the version it read; a conflict reloads.
 */
export class TicketEditor {
  ticket = $state<TicketView | null>(null);
  /** The conversation whose ticket this is (set before the ticket arrives). */
  conversationId = $state<string | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  /** The last edit was stored (cleared by the next one). */
  saved = $state(false);

  constructor(
    private readonly auth: Auth,
    private readonly t: () => Catalogue,
  ) {}

  private request(path: string, init: { method?: string; body?: unknown } = {}): Promise<TicketView> {
    const { baseUrl, token } = this.auth();
    if (!token) return Promise.reject(new CounterpartError(ErrorCode.Unauthorized, 'Signed out'));
    return apiRequest(baseUrl, `/api${path}`, TicketView, { ...init, token });
  }

  /** Opens the ticket of a conversation this agent answered. */
  async open(conversationId: string): Promise<void> {
    if (this.conversationId === conversationId && this.ticket) return;
    Object.assign(this, { conversationId, ticket: null, error: null, saved: false });
    await this.run(() => this.request(`/conversations/${encodeURIComponent(conversationId)}/ticket`), conversationId);
    // Opening is not an edit: nothing to say "saved" about yet.
    if (this.conversationId === conversationId) this.saved = false;
  }

  /** Changes fields; resolving also ends the agent's wrap-up on the server. */
  async save(patch: Omit<TicketUpdate, 'version'>): Promise<boolean> {
    const t = this.ticket;
    if (!t) return false;
    return this.run(() => this.request(`/tickets/${t.id}`, { method: 'PATCH', body: { ...patch, version: t.version } }), this.conversationId);
  }

  resolve(resolution: string | null): Promise<boolean> {
    return this.save({ status: TicketStatus.Resolved, resolution });
  }

  async note(body: string): Promise<boolean> {
    const t = this.ticket;
    if (!t || !body.trim()) return false;
    return this.run(() => this.request(`/tickets/${t.id}/notes`, { body: { body } }), this.conversationId);
  }

  /** Runs one request; its answer counts only if the editor still shows that conversation. */
  private async run(call: () => Promise<TicketView>, conversationId: string | null): Promise<boolean> {
    this.busy = true;
    this.saved = false;
    this.error = null;
    try {
      const view = await call();
      if (this.conversationId !== conversationId) return false;
      this.ticket = view;
      this.saved = true;
      return true;
    } catch (err) {
      if (this.conversationId !== conversationId) return false;
      const code = err instanceof CounterpartError ? err.code : null;
      const conflict = code === ErrorCode.Conflict;
      this.error = conflict ? this.t().ticket.conflict : code === ErrorCode.BadRequest ? this.t().ticket.invalid : errorText(this.t(), err);
      // Someone else changed it: show what is stored now (the agent's drafts stay in the form).
      if (conflict && this.ticket) this.ticket = await this.request(`/tickets/${this.ticket.id}`).catch(() => this.ticket);
      return false;
    } finally {
      if (this.conversationId === conversationId) this.busy = false;
    }
  }
}
