import type { FileRef } from '../../protocol/index';
import { el } from './dom';
import { formatSize, formatTime, type Catalogue, type Lang } from './i18n/index';

/** How far one of the shopper's own messages got. */
export type Mark = 'sending' | 'sent' | 'delivered' | 'read';

/** One chat line as the view shows it; the controller builds it from a protocol `ChatMessage`. */
export type MessageView = {
  /** The server's message id, or the client's own id while the message is not stored yet. */
  id: string;
  /** The sender's own id: a stored message replaces the pending line that carried it as `id`. */
  clientId?: string | null;
  /** Null while the message is not stored yet (shown last, in the order sent). */
  seq: number | null;
  mine: boolean;
  senderName: string;
  kind: 'text' | 'file' | 'system';
  text: string;
  file: FileRef | null;
  at: string;
  /** For the shopper's own messages; null for the others'. */
  mark: Mark | null;
};

const RANK: Record<Mark, number> = { sending: 0, sent: 1, delivered: 2, read: 3 };
const MARK_GLYPH: Record<Mark, string> = { sending: '○', sent: '✓', delivered: '✓✓', read: '✓✓' };

/** Only URLs that cannot run script may become a `src` or `href`. */
const safeUrl = (url: string): string | null => {
  try {
    return ['blob:', 'https:', 'http:'].includes(new URL(url, location.href).protocol) ? url : null;
  } catch {
    return null;
  }
};

/**
 * The chat history: one `<li>` per message in `seq` order, each message once (a resend or a
 * resume that repeats an id or a seq replaces or is dropped), plus the typing line.
 */
export class ChatLog {
  readonly list = el('ul', { class: 'log', 'data-testid': 'cp-chat-log', role: 'log', 'aria-live': 'polite' });
  readonly typing = el('p', { class: 'typing', 'data-testid': 'cp-typing', 'aria-live': 'polite' });
  private readonly byId = new Map<string, HTMLLIElement>();
  private readonly bySeq = new Map<number, HTMLLIElement>();
  private readonly urls = new Map<string, Promise<string>>();
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly t: Catalogue,
    private readonly lang: Lang,
    private readonly resolveFileUrl: (fileId: string) => Promise<string>,
  ) {
    this.typing.hidden = true;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Removes the pending lines (never stored: the server refused them) whose ids are not in `keep`. */
  dropPending(keep: ReadonlySet<string>): void {
    for (const [id, li] of [...this.byId]) if (li.dataset.mark === 'sending' && !this.hasSeq(li) && !keep.has(id)) this.forget(li);
  }

  private hasSeq(li: HTMLLIElement): boolean {
    for (const v of this.bySeq.values()) if (v === li) return true;
    return false;
  }

  /** Adds a message, or replaces the line with the same id (or the pending line with its clientId). */
  add(m: MessageView): void {
    const old = this.byId.get(m.id) ?? (m.clientId ? this.byId.get(m.clientId) : undefined);
    if (m.seq !== null && this.bySeq.has(m.seq) && this.bySeq.get(m.seq) !== old) return;
    const stick = this.atBottom() || m.mine;
    const li = this.render(m);
    if (old) {
      const oldMark = old.dataset.mark as Mark | undefined;
      if (m.mine && oldMark && (!m.mark || RANK[oldMark] > RANK[m.mark])) this.setMark(li, oldMark);
      this.forget(old);
    }
    this.insert(li, m.seq);
    this.byId.set(m.id, li);
    if (m.seq !== null) this.bySeq.set(m.seq, li);
    if (stick) this.scrollToEnd();
    if (!m.mine && m.kind !== 'system') this.setTyping(null);
  }

  /** Sets the mark of one of the shopper's own messages (never back from read to delivered). */
  updateMark(id: string, mark: Mark): void {
    const li = this.byId.get(id);
    const now = li?.dataset.mark as Mark | undefined;
    if (li && now && RANK[mark] > RANK[now]) this.setMark(li, mark);
  }

  /** Every own message up to `seq` has at least this mark (from a participant's delivered/read seq). */
  markUpTo(seq: number, mark: Mark): void {
    for (const [s, li] of this.bySeq) if (s <= seq && li.dataset.mark && RANK[mark] > RANK[li.dataset.mark as Mark]) this.setMark(li, mark);
  }

  /** "Anna is typing…" until null, a message from them, or six quiet seconds. */
  setTyping(name: string | null): void {
    clearTimeout(this.typingTimer);
    this.typing.hidden = name === null;
    this.typing.textContent = name === null ? '' : this.t.chat.typing(name);
    if (name !== null) this.typingTimer = setTimeout(() => this.setTyping(null), 6000);
  }

  clear(): void {
    this.list.replaceChildren();
    this.byId.clear();
    this.bySeq.clear();
    this.urls.clear();
    this.setTyping(null);
  }

  private forget(li: HTMLLIElement): void {
    li.remove();
    for (const [k, v] of this.byId) if (v === li) this.byId.delete(k);
    for (const [k, v] of this.bySeq) if (v === li) this.bySeq.delete(k);
  }

  /** Before the first line with a higher seq or none yet (pending lines stay last). */
  private insert(li: HTMLLIElement, seq: number | null): void {
    let after: Element | null = this.list.lastElementChild;
    if (seq !== null) {
      while (after) {
        const s = (after as HTMLElement).dataset.seq;
        if (s && Number(s) < seq) break;
        after = after.previousElementSibling;
      }
    }
    if (after) after.after(li);
    else this.list.prepend(li);
  }

  private atBottom(): boolean {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
  }

  /** Scrolls the log only (scrollIntoView would scroll the shop's page too). */
  private scrollToEnd(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }

  private setMark(li: HTMLLIElement, mark: Mark): void {
    li.dataset.mark = mark;
    const span = li.querySelector<HTMLElement>('.mark');
    if (!span) return;
    span.dataset.mark = mark;
    span.textContent = MARK_GLYPH[mark];
    span.title = this.t.chat[mark];
    span.setAttribute('aria-label', this.t.chat[mark]);
  }

  private render(m: MessageView): HTMLLIElement {
    const time = el('time', { datetime: m.at, 'data-testid': 'cp-chat-time' }, formatTime(this.lang, m.at));
    if (m.kind === 'system') {
      const li = el('li', { class: 'msg system', 'data-testid': 'cp-chat-system', 'data-kind': 'system' });
      li.append(el('span', { class: 'text' }, m.text), time);
      return this.stamp(li, m);
    }
    const li = el('li', { class: `msg ${m.mine ? 'mine' : 'theirs'}`, 'data-testid': 'cp-chat-item', 'data-kind': m.kind });
    const meta = el('div', { class: 'meta' });
    meta.append(el('span', { class: 'who', 'data-testid': 'cp-chat-sender' }, m.mine ? this.t.chat.you : m.senderName), time);
    const body = m.kind === 'file' && m.file ? this.renderFile(m.file) : el('div', { class: 'bubble', 'data-testid': 'cp-chat-text', dir: 'auto' }, m.text);
    li.append(meta, body);
    if (m.mine) {
      li.append(el('span', { class: 'mark', 'data-testid': 'cp-chat-mark' }));
      this.setMark(li, m.mark ?? 'sending');
    }
    return this.stamp(li, m);
  }

  private stamp(li: HTMLLIElement, m: MessageView): HTMLLIElement {
    li.dataset.id = m.id;
    if (m.seq !== null) li.dataset.seq = String(m.seq);
    return li;
  }

  private url(fileId: string): Promise<string> {
    let p = this.urls.get(fileId);
    if (!p) {
      p = this.resolveFileUrl(fileId).then((u) => safeUrl(u) ?? Promise.reject(new Error('unsafe file URL')));
      p.catch(() => this.urls.delete(fileId));
      this.urls.set(fileId, p);
    }
    return p;
  }

  /** Images inline (the URL comes from the controller, e.g. a blob: of an authorised fetch); other files as a download link. */
  private renderFile(f: FileRef): HTMLElement {
    const box = el('div', { class: 'bubble file', 'data-testid': 'cp-chat-file' });
    const failed = () => box.replaceChildren(el('span', { class: 'name' }, f.name), el('span', { class: 'failed' }, this.t.chat.fileUnavailable));
    if (f.type.startsWith('image/')) {
      const link = el('a', { target: '_blank', rel: 'noopener noreferrer' });
      const img = el('img', { alt: f.name, 'data-testid': 'cp-chat-image' });
      link.append(img);
      box.append(link);
      this.url(f.id).then((u) => {
        const stick = this.atBottom();
        img.src = link.href = u;
        if (stick) img.addEventListener('load', () => this.scrollToEnd(), { once: true });
      }, failed);
      return box;
    }
    const a = el('a', { class: 'download', href: '#', download: f.name, rel: 'noopener noreferrer', 'data-testid': 'cp-chat-download', 'aria-label': this.t.chat.download(f.name) });
    a.append(el('span', { class: 'name' }, f.name), el('span', { class: 'size' }, formatSize(this.lang, f.size)));
    a.addEventListener('click', (ev) => {
      if (a.dataset.ready) return;
      ev.preventDefault();
      this.url(f.id).then((u) => {
        a.href = u;
        a.dataset.ready = 'true';
        a.click();
      }, failed);
    });
    box.append(a);
    return box;
  }
}
