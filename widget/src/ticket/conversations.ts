import { MediaKind, type ShopperTicketView } from '../../../protocol/index';
import { el } from '../dom';
import { formatDateTime, type Catalogue, type Lang } from '../i18n/index';
import { RatingForm, staticStars, type RatingInput } from '../rating';

type Conversation = ShopperTicketView['conversations'][number];

/**
 * The ticket's conversations: when, on which channel, and their rating — given already (stars and
 * comment), or a form for one that can still be rated. A form being filled in survives a re-render.
 */
export class TicketConversations {
  readonly root = el('section', { class: 'card conversations', 'data-testid': 'tk-conversations' });
  private readonly list = el('ul', { class: 'plain' });
  private readonly forms = new Map<string, RatingForm>();
  /** Rated from this page: the thank-you stays beside the stars. */
  private readonly thanked = new Set<string>();

  constructor(
    private readonly t: Catalogue,
    private readonly lang: Lang,
    private readonly rate: (conversationId: string, r: RatingInput) => Promise<void>,
  ) {
    this.root.append(el('h2', {}, t.ticket.conversations), this.list);
  }

  render(v: ShopperTicketView): void {
    this.root.hidden = v.conversations.length === 0;
    // Newest first: the one just ended is what the shopper came to rate.
    this.list.replaceChildren(...[...v.conversations].reverse().map((c) => this.item(c)));
    for (const id of [...this.forms.keys()]) if (!v.conversations.some((c) => c.id === id && c.canRate)) this.forms.delete(id);
  }

  private async send(id: string, r: RatingInput): Promise<void> {
    this.thanked.add(id);
    try {
      await this.rate(id, r);
    } catch (err) {
      this.thanked.delete(id);
      throw err;
    }
  }

  private channel(kind: MediaKind): string {
    return kind === MediaKind.Video ? this.t.start.video : kind === MediaKind.Voice ? this.t.start.voice : this.t.start.chat;
  }

  private item(c: Conversation): HTMLLIElement {
    const { t } = this;
    const li = el('li', { class: 'conversation', 'data-conversation': c.id, 'data-testid': 'tk-conversation' });
    li.append(el('p', { class: 'when' }, `${this.channel(c.channel)} · ${formatDateTime(this.lang, c.requestedAt)}`));
    if (c.rating) {
      const given = el('div', { class: 'given', 'data-testid': 'tk-rated', 'data-score': String(c.rating.score) });
      given.append(el('span', { class: 'label' }, t.rating.label), staticStars(t, c.rating.score));
      li.append(given);
      if (c.rating.comment) li.append(el('p', { class: 'comment-text', 'data-testid': 'tk-rated-comment' }, c.rating.comment));
      if (this.thanked.has(c.id)) li.append(el('p', { class: 'thanks', role: 'status' }, t.rating.thanks));
    } else if (c.canRate) {
      let form = this.forms.get(c.id);
      if (!form) this.forms.set(c.id, (form = new RatingForm(t, 'tk', t.ticket.rate, (r) => this.send(c.id, r))));
      li.append(form.root);
    }
    return li;
  }
}
