import { z } from 'zod';
import { CounterpartError, ErrorCode, TicketLink, apiRequest } from '../../protocol/index';
import { button, el } from './dom';
import { errorText, type Catalogue } from './i18n/index';
import { RatingForm, type RatingInput } from './rating';

/** Where the shopper's feedback goes: their session's token and the conversation that ended. */
export type FeedbackTarget = { baseUrl: string; token: string; conversationId: string };

/** The rating answers 204: no body to read. */
const NoBody = z.unknown();

/**
 * The ticket page on the widget's own server (the origin its script came from, which the shopper's
 * browser reaches by construction): the path and fragment of the link the server made. The origin
 * of `url` is not trusted: it may name the shop's page (a server that reads the request's Origin)
 * or anything else; only an http(s) server origin ever becomes the `href`.
 */
export const onServer = (url: string, baseUrl: string): string | null => {
  try {
    const link = new URL(url, baseUrl);
    const server = new URL(baseUrl);
    if (!['https:', 'http:'].includes(server.protocol)) return null;
    return `${server.origin}${link.pathname}${link.search}${link.hash}`;
  } catch {
    return null;
  }
};

/**
 * The widget's ended screen after a conversation an agent answered: rate it (1–5 stars and an
 * optional comment, once), and follow its ticket — a signed link to the ticket page, opened in a
 * new tab, where the shopper sees its status and can add messages and files later.
 */
export class Feedback {
  readonly root = el('div', { class: 'feedback', 'data-testid': 'cp-feedback' });
  private readonly follow: HTMLButtonElement;
  private readonly link = el('a', { class: 'ticket-link', 'data-testid': 'cp-ticket-link', target: '_blank', rel: 'noopener' });
  private readonly hint: HTMLParagraphElement;
  private readonly error = el('p', { class: 'note error', 'data-testid': 'cp-ticket-error', role: 'alert' });

  constructor(
    private readonly t: Catalogue,
    private readonly target: FeedbackTarget,
  ) {
    const rating = new RatingForm(t, 'cp', t.feedback.title, (r) => this.rate(r));
    this.follow = button('cp-ticket-follow', 'act', t.feedback.follow, () => void this.openLink());
    this.hint = el('p', { class: 'note' }, t.feedback.ticketHint);
    this.link.hidden = this.hint.hidden = this.error.hidden = true;
    const ticket = el('div', { class: 'ticket' });
    ticket.append(this.follow, this.link, this.hint, this.error);
    this.root.append(rating.root, ticket);
  }

  private path(what: 'rating' | 'ticket-link'): string {
    return `/api/shopper/conversations/${encodeURIComponent(this.target.conversationId)}/${what}`;
  }

  private async rate(r: RatingInput): Promise<void> {
    const { baseUrl, token } = this.target;
    await apiRequest(baseUrl, this.path('rating'), NoBody, { token, body: r });
  }

  /** Asks for the signed link, then shows it (opening a tab after an await would be blocked as a pop-up). */
  private async openLink(): Promise<void> {
    const { baseUrl, token } = this.target;
    this.follow.disabled = true;
    this.follow.textContent = this.t.feedback.opening;
    this.error.hidden = true;
    try {
      const link = await apiRequest(baseUrl, this.path('ticket-link'), TicketLink, { method: 'POST', token });
      const href = onServer(link.url, baseUrl);
      if (!href) throw new CounterpartError(ErrorCode.Internal, 'The ticket link is not a web address');
      this.link.href = href;
      this.link.textContent = this.t.feedback.ticketLink(link.ticketId);
      this.link.dataset.ticketId = String(link.ticketId);
      this.follow.hidden = true;
      this.link.hidden = this.hint.hidden = false;
      this.link.focus();
    } catch (err) {
      this.follow.disabled = false;
      this.follow.textContent = this.t.feedback.follow;
      this.error.hidden = false;
      this.error.textContent = errorText(this.t, err instanceof CounterpartError ? err.code : null);
    }
  }
}
