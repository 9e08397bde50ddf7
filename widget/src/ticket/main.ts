import { CounterpartError, ErrorCode, type ShopperTicketView, type TicketFile } from '../../../protocol/index';
import { button, el } from '../dom';
import { LOCALES, catalogue, errorText, pickLanguage } from '../i18n/index';
import type { RatingInput } from '../rating';
import { TicketApi } from './api';
import { TicketCompose } from './compose';
import { TicketConversations } from './conversations';
import { TicketDetails } from './details';
import { css } from './styles';

/**
 * The ticket page, `/ticket/#<link token>`: the shopper follows the ticket left behind their
 * conversation — its status, what was added — adds a message or a file, and rates a conversation
 * not rated yet. The token rides in the fragment (never in a request line or a log) and goes to the
 * API as a bearer. Every state has its own screen: loading, a link that is not valid (any 401),
 * a failure to load (try again), the ticket.
 */
type PageState = 'loading' | 'invalid' | 'error' | 'ready';

const lang = pickLanguage({ navigatorLanguages: navigator.languages });
const t = catalogue(lang);

function tokenOf(hash: string): string {
  try {
    return decodeURIComponent(hash.replace(/^#/, '')).trim();
  } catch {
    return '';
  }
}

class TicketPage {
  readonly root = el('main', { class: 'page', 'data-testid': 'tk-page', 'data-state': 'loading' });
  private readonly loading = el('section', { class: 'card state loading', 'data-testid': 'tk-loading', role: 'status' });
  private readonly invalid = el('section', { class: 'card state invalid', 'data-testid': 'tk-invalid' });
  private readonly failed = el('section', { class: 'card state failed', 'data-testid': 'tk-error' });
  private readonly failedWhy = el('p', { class: 'note' });
  private readonly details = new TicketDetails(t, lang, (f) => this.download(f));
  private readonly conversations = new TicketConversations(t, lang, (id, r) => this.rate(id, r));
  private readonly compose = new TicketCompose(t, {
    message: async (body) => this.show(await this.guard((api) => api.message(body))),
    upload: async (file) => this.show(await this.guard((api) => api.upload(file))),
  });
  private api: TicketApi | null = null;
  /** Bumped on every load: an answer for an earlier link (the fragment changed) is dropped. */
  private generation = 0;

  constructor() {
    this.loading.append(el('span', { class: 'spinner', 'aria-hidden': 'true' }), el('span', {}, t.ticket.loading));
    this.invalid.append(el('h1', {}, t.ticket.invalidTitle), el('p', {}, t.ticket.invalid));
    this.failed.append(el('h1', {}, t.ticket.failed), this.failedWhy, button('tk-retry', 'act primary', t.ticket.retry, () => void this.load()));
    this.root.append(this.loading, this.invalid, this.failed, this.details.root, this.conversations.root, this.compose.root);
    this.setState('loading');
  }

  private setState(s: PageState): void {
    this.root.dataset.state = s;
    this.loading.hidden = s !== 'loading';
    this.invalid.hidden = s !== 'invalid';
    this.failed.hidden = s !== 'error';
    this.details.root.hidden = this.compose.root.hidden = s !== 'ready';
    if (s !== 'ready') this.conversations.root.hidden = true;
  }

  async load(): Promise<void> {
    const generation = ++this.generation;
    const token = tokenOf(location.hash);
    this.api = token ? new TicketApi(location.origin, token) : null;
    if (!this.api) return this.setState('invalid');
    this.setState('loading');
    try {
      const view = await this.api.view();
      if (generation === this.generation) this.show(view);
    } catch (err) {
      if (generation !== this.generation) return;
      const code = err instanceof CounterpartError ? err.code : null;
      if (code === ErrorCode.Unauthorized) return this.setState('invalid');
      this.failedWhy.textContent = errorText(t, code);
      this.setState('error');
    }
  }

  private show(v: ShopperTicketView): void {
    document.title = `${t.ticket.title(v.id)} · ${t.ticket.pageTitle}`;
    this.details.render(v);
    this.conversations.render(v);
    this.compose.setFiles(v.files);
    this.setState('ready');
  }

  /** A call with the link; a link refused on the way (it expired while the page was open) shows the invalid-link screen. */
  private async guard<T>(call: (api: TicketApi) => Promise<T>): Promise<T> {
    if (!this.api) throw new CounterpartError(ErrorCode.Unauthorized, 'No ticket link');
    try {
      return await call(this.api);
    } catch (err) {
      if (err instanceof CounterpartError && err.code === ErrorCode.Unauthorized) this.setState('invalid');
      throw err;
    }
  }

  private async rate(conversationId: string, r: RatingInput): Promise<void> {
    try {
      this.show(await this.guard((api) => api.rate(conversationId, r)));
    } catch (err) {
      // Rated already (from the widget, another tab): show the rating as stored.
      if (err instanceof CounterpartError && err.code === ErrorCode.Conflict) void this.guard((api) => api.view()).then((v) => this.show(v), () => {});
      throw err;
    }
  }

  /** Fetched with the bearer, handed to the browser as a download under its own name. */
  private async download(file: TicketFile): Promise<void> {
    const blob = await this.guard((api) => api.download(file));
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: file.name, hidden: '' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

document.documentElement.lang = LOCALES[lang];
document.title = t.ticket.pageTitle;
const style = el('style');
style.textContent = css;
document.head.append(style);
const top = el('header', { class: 'top' }, t.panel.title);
const page = new TicketPage();
document.body.append(top, page.root);
window.addEventListener('hashchange', () => void page.load());
void page.load();
