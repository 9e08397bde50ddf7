import { CounterpartError, Role, TicketEntryKind, TicketStatus, type ShopperTicketView, type TicketEntry, type TicketFile } from '../../../protocol/index';
import { el } from '../dom';
import { errorText, formatDateTime, formatSize, type Catalogue, type Lang } from '../i18n/index';

/** What the ticket page lists: the shopper's messages and files, and status changes (notes never arrive; skipped if one did). */
const SHOWN: ReadonlySet<TicketEntryKind> = new Set([TicketEntryKind.Message, TicketEntryKind.File, TicketEntryKind.Status]);

/**
 * The ticket as the link's holder sees it: number, status, issue type, dates, resolution, and the
 * history of what was added. Everything from the server is set as text, never as HTML.
 */
export class TicketDetails {
  readonly root = el('div', { class: 'details' });
  private readonly title = el('h1', { 'data-testid': 'tk-title' });
  private readonly status = el('span', { class: 'badge', 'data-testid': 'tk-status' });
  private readonly topic = el('dd', { 'data-testid': 'tk-topic' });
  private readonly created = el('dd', { 'data-testid': 'tk-created' });
  private readonly updated = el('dd', { 'data-testid': 'tk-updated' });
  private readonly resolution = el('section', { class: 'card resolution', 'data-testid': 'tk-resolution' });
  private readonly resolutionText = el('p', { class: 'text' });
  private readonly entries = el('ol', { class: 'entries', 'data-testid': 'tk-entries' });
  private readonly empty: HTMLParagraphElement;
  private readonly error = el('p', { class: 'note error', role: 'alert', 'data-testid': 'tk-download-error' });

  constructor(
    private readonly t: Catalogue,
    private readonly lang: Lang,
    /** Fetches a file with the link's bearer and hands it to the browser (rejects with a CounterpartError). */
    private readonly download: (file: TicketFile) => Promise<void>,
  ) {
    const head = el('section', { class: 'card head' });
    const titleRow = el('div', { class: 'title-row' });
    titleRow.append(this.title, this.status);
    const facts = el('dl', { class: 'facts' });
    facts.append(el('dt', {}, t.ticket.topicLabel), this.topic, el('dt', {}, t.ticket.created), this.created, el('dt', {}, t.ticket.updated), this.updated);
    head.append(el('p', { class: 'kicker' }, t.ticket.pageTitle), titleRow, facts);
    this.resolution.append(el('h2', {}, t.ticket.resolution), this.resolutionText);
    this.empty = el('p', { class: 'note empty', 'data-testid': 'tk-empty' }, t.ticket.empty);
    this.error.hidden = true;
    const history = el('section', { class: 'card history' });
    history.append(el('h2', {}, t.ticket.history), this.entries, this.empty, this.error);
    this.root.append(head, this.resolution, history);
  }

  render(v: ShopperTicketView): void {
    const { t, lang } = this;
    this.title.textContent = t.ticket.title(v.id);
    this.title.dataset.ticketId = String(v.id);
    this.status.textContent = this.statusWord(v.status);
    this.status.dataset.status = v.status;
    this.status.setAttribute('aria-label', `${t.ticket.statusLabel}: ${this.status.textContent}`);
    this.topic.textContent = t.start.topics[v.issueType] ?? v.issueType;
    this.created.textContent = formatDateTime(lang, v.createdAt);
    this.updated.textContent = formatDateTime(lang, v.updatedAt);
    this.resolution.hidden = !v.resolution;
    this.resolutionText.textContent = v.resolution ?? '';
    const shown = v.entries.filter((e) => SHOWN.has(e.kind));
    this.entries.replaceChildren(...shown.map((e) => this.entry(e)));
    this.entries.hidden = shown.length === 0;
    this.empty.hidden = shown.length > 0;
  }

  /** The status in words (a status this page does not know yet: as sent). */
  private statusWord(s: string): string {
    return Object.hasOwn(this.t.ticket.status, s) ? this.t.ticket.status[s as TicketStatus] : s;
  }

  private who(e: TicketEntry): string {
    if (!e.author) return this.t.ticket.shop;
    return e.author.role === Role.Shopper ? this.t.ticket.you : e.author.name || this.t.ticket.shop;
  }

  private entry(e: TicketEntry): HTMLLIElement {
    const { t, lang } = this;
    const li = el('li', { class: `entry ${e.kind}`, 'data-kind': e.kind, 'data-testid': 'tk-entry' });
    const time = el('time', { datetime: e.at }, formatDateTime(lang, e.at));
    if (e.kind === TicketEntryKind.Status) {
      li.append(el('span', { class: 'text', 'data-testid': 'tk-entry-text' }, t.ticket.statusChanged(this.statusWord(e.body))), time);
      return li;
    }
    const meta = el('div', { class: 'meta' });
    meta.append(el('span', { class: 'who' }, this.who(e)), time);
    li.append(meta);
    if (e.kind === TicketEntryKind.File && e.file) li.append(this.fileRow(e.file));
    else li.append(el('p', { class: 'body', 'data-testid': 'tk-entry-text' }, e.body));
    return li;
  }

  private fileRow(file: TicketFile): HTMLElement {
    const row = el('div', { class: 'file-row' });
    const name = el('span', { class: 'name', 'data-testid': 'tk-entry-text' }, file.name);
    const size = el('span', { class: 'size' }, formatSize(this.lang, file.size));
    const get = el('button', { type: 'button', class: 'act', 'data-testid': 'tk-download', 'data-file-id': file.id }, this.t.ticket.download);
    get.setAttribute('aria-label', this.t.chat.download(file.name));
    get.addEventListener('click', () => {
      get.disabled = true;
      this.error.hidden = true;
      this.download(file)
        .catch((err: unknown) => {
          this.error.hidden = false;
          this.error.textContent = errorText(this.t, err instanceof CounterpartError ? err.code : null);
        })
        .finally(() => (get.disabled = false));
    });
    const label = el('span', { class: 'label' });
    label.append(name, size);
    row.append(label, get);
    return row;
  }
}
