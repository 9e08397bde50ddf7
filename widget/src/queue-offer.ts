import { ConversationState, TERMINAL_STATES, type ConversationView } from '../../protocol/index';
import { button, el } from './dom';
import { OfflineForm } from './offline';
import type { WidgetView } from './view';

/** Until the server says (`GET /api/shopper/availability`): how long a request waits with no agent before the offer. */
export const DEFAULT_OFFLINE_AFTER_MS = 120_000;

export type QueueOfferOptions = {
  baseUrl: string;
  /** The session's token and the request's id (the form sends both). */
  token(): string | null;
  conversationId(): string | null;
  /** How long a request waits with no agent before the offer (the server's OFFLINE_AFTER_MS). */
  offlineAfterMs(): number;
  /** The conversation as it is now (the offer is shown only while nobody has answered). */
  current(): ConversationView | null;
  /** The message is a ticket: the server ended the request. */
  sent(): void;
  /** "Keep waiting": back to the queue. */
  back(): void;
};

/** Waiting, and nobody has answered yet (a request handed on by an agent does not count: it was answered). */
export const unanswered = (v: ConversationView): boolean =>
  v.answeredAt === null && (v.state === ConversationState.Queued || v.state === ConversationState.Offered);

/**
 * While a request waits with no agent: after OFFLINE_AFTER_MS (counted from the request, so a
 * reload or another page does not restart it) the offer to leave a message instead; taking it opens
 * the form while the request waits on — an agent who answers meanwhile still gets the shopper —
 * and sending it ends the request (the server does, as it makes the ticket).
 */
export class QueueOffer {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private shown = false;
  /** The message form is open instead of the queue. */
  writing = false;

  constructor(
    private readonly view: WidgetView,
    private readonly opts: QueueOfferOptions,
  ) {}

  /** Arms the offer for this waiting request (once). */
  arm(v: ConversationView): void {
    if (this.timer !== null || this.shown || this.writing) return;
    const due = Date.parse(v.requestedAt) + this.opts.offlineAfterMs() - Date.now();
    this.timer = setTimeout(() => {
      this.timer = null;
      const now = this.opts.current();
      if (this.writing || !now || !unanswered(now) || TERMINAL_STATES.has(now.state)) return;
      const { t } = this.view;
      const box = el('div', { class: 'offer', 'data-testid': 'cp-offline-offer' });
      box.append(el('p', { class: 'note' }, now.callbackAt ? t.callback.messageOffer : t.offline.offer), button('cp-offline-leave', 'act', t.offline.offerButton, () => this.open()));
      this.shown = true;
      this.view.setEndedExtra(box);
    }, Math.max(0, due));
  }

  /** Nothing to offer (answered, ended): the timer and a shown offer go. */
  disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.shown) this.view.setEndedExtra(null);
    this.shown = false;
  }

  /** An agent answered while the form was open: the conversation is here, the form goes. */
  stopWriting(): void {
    this.writing = false;
    this.view.setEndedExtra(null);
  }

  private open(): void {
    const { view, opts } = this;
    const token = opts.token();
    const conversationId = opts.conversationId();
    if (!token || !conversationId) return;
    this.disarm();
    this.writing = true;
    view.show('offline');
    const form = new OfflineForm(view.t, view.lang, { baseUrl: opts.baseUrl, token: async () => token, conversationId, issueType: view.issueType }, {
      sent: () => opts.sent(),
      back: () => {
        this.stopWriting();
        opts.back();
      },
    });
    view.setEndedExtra(form.root);
  }
}
