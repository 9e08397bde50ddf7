import { apiUpload } from '../../client/http';
import {
  Availability,
  CounterpartError,
  ErrorCode,
  IssueType,
  MAX_OFFLINE_EMAIL_CHARS,
  MAX_OFFLINE_NAME_CHARS,
  MAX_OFFLINE_TEXT_CHARS,
  MAX_UPLOAD_BYTES,
  TicketLink,
  UPLOAD_TYPES,
  apiRequest,
} from '../../protocol/index';
import type { WidgetConfig } from './config';
import { button, el, paperclip } from './dom';
import { onServer } from './feedback';
import { closedText, errorText, formatSize, type Catalogue, type Lang } from './i18n/index';
import type { WidgetView } from './view';

/** Files one message carries (the ticket takes more later, through its link). */
export const MAX_OFFLINE_FILES = 5;

/** Where the message goes: the shopper session's token, and the request waited in (if any). */
export type OfflineTarget = { baseUrl: string; token: () => Promise<string>; conversationId: string | null; issueType: IssueType };
/** `sent`: the ticket exists (a request waited in has ended); `back`: return to the queue (offered only from it). */
export type OfflineActions = { sent?(): void; back?(): void };

type State = 'editing' | 'sending' | 'sent' | 'error';
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * "Leave us a message": name, e-mail, the message, what it is about and optional files. Sending it
 * makes a ticket (`POST /api/shopper/offline-message`); the files then go to the ticket through
 * its signed link, like on the ticket page. The confirmation gives the ticket's link (on this
 * widget's own server). Every state has its words: sending, sent, refused (the error catalogue,
 * rate limits included), a file that could not be added.
 */
export class OfflineForm {
  readonly root = el('div', { class: 'offline', 'data-testid': 'cp-offline', 'data-state': 'editing' });
  private readonly form = el('form', { class: 'offline-form', novalidate: '' });
  private readonly name = el('input', { 'data-testid': 'cp-offline-name', autocomplete: 'name', maxlength: String(MAX_OFFLINE_NAME_CHARS) });
  private readonly email = el('input', { type: 'email', 'data-testid': 'cp-offline-email', autocomplete: 'email', maxlength: String(MAX_OFFLINE_EMAIL_CHARS) });
  private readonly text = el('textarea', { rows: '4', 'data-testid': 'cp-offline-text', maxlength: String(MAX_OFFLINE_TEXT_CHARS) });
  private readonly topic = el('select', { class: 'topic', 'data-testid': 'cp-offline-topic' });
  private readonly fileInput = el('input', { type: 'file', multiple: '', accept: UPLOAD_TYPES.join(','), 'data-testid': 'cp-offline-file-input', hidden: '' });
  private readonly fileList = el('ul', { class: 'files', 'data-testid': 'cp-offline-files' });
  private readonly send = el('button', { type: 'submit', class: 'act primary', 'data-testid': 'cp-offline-send' });
  private readonly error = el('p', { class: 'note error', role: 'alert', 'data-testid': 'cp-offline-error' });
  private readonly actions = el('div', { class: 'row' });
  private readonly sent = el('div', { class: 'sent', role: 'status', tabindex: '-1', 'data-testid': 'cp-offline-sent' });
  private files: File[] = [];

  constructor(
    private readonly t: Catalogue,
    private readonly lang: Lang,
    private readonly target: OfflineTarget,
    private readonly on: OfflineActions = {},
  ) {
    const o = t.offline;
    this.text.placeholder = o.messagePlaceholder;
    for (const type of Object.values(IssueType)) this.topic.append(Object.assign(el('option', {}, t.start.topics[type]), { value: type }));
    this.topic.value = target.issueType;
    this.send.textContent = o.send;
    const field = (label: string, input: HTMLElement) => {
      const l = el('label', { class: 'field' }, label);
      l.append(input);
      return l;
    };
    const attach = button('cp-offline-attach', 'act attach', o.files, () => this.fileInput.click());
    attach.prepend(paperclip());
    this.actions.append(this.send);
    if (on.back) this.actions.append(button('cp-offline-back', 'act', o.keepWaiting, () => on.back?.()));
    // From the queue the panel's status says "Leave us a message"; outside hours it says when the shop opens.
    if (!on.back) this.form.append(el('p', { class: 'label' }, o.title));
    this.form.append(
      el('p', { class: 'note' }, o.intro),
      field(o.name, this.name),
      field(o.email, this.email),
      field(t.start.topic, this.topic),
      field(o.message, this.text),
      attach,
      this.fileInput,
      el('p', { class: 'note' }, o.fileHint),
      this.fileList,
      this.error,
      this.actions,
    );
    this.error.hidden = this.sent.hidden = true;
    this.fileInput.addEventListener('change', () => this.pick([...(this.fileInput.files ?? [])]));
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.submit();
    });
    this.root.append(this.form, this.sent);
  }

  private setState(s: State): void {
    this.root.dataset.state = s;
    const busy = s === 'sending';
    this.send.disabled = busy;
    this.send.textContent = busy ? this.t.offline.sending : this.t.offline.send;
  }

  /** An error under the field it is about (focused, marked invalid), else above Send; null clears it. */
  private showError(text: string | null, field?: HTMLInputElement | HTMLTextAreaElement): void {
    this.error.hidden = text === null;
    this.error.textContent = text ?? '';
    for (const f of [this.name, this.email, this.text]) f.removeAttribute('aria-invalid');
    if (field?.parentElement) field.parentElement.after(this.error);
    else this.actions.before(this.error);
    if (field) {
      field.setAttribute('aria-invalid', 'true');
      field.focus();
    }
  }

  /** Accepted types and sizes only (the server checks again), at most MAX_OFFLINE_FILES. */
  private pick(chosen: File[]): void {
    this.fileInput.value = '';
    const t = this.t;
    for (const f of chosen) {
      const typeOk = (UPLOAD_TYPES as readonly string[]).includes(f.type);
      if (!typeOk || f.size > MAX_UPLOAD_BYTES) return this.showError(t.offline.fileFailed(f.name, t.errors[typeOk ? ErrorCode.TooLarge : ErrorCode.UnsupportedType]));
    }
    if (this.files.length + chosen.length > MAX_OFFLINE_FILES) return this.showError(t.offline.tooManyFiles(MAX_OFFLINE_FILES));
    this.showError(null);
    this.files.push(...chosen);
    this.listFiles();
  }

  private listFiles(): void {
    this.fileList.replaceChildren(
      ...this.files.map((f, i) => {
        const li = el('li', { 'data-testid': 'cp-offline-file' });
        const remove = button('cp-offline-file-remove', 'icon', '×', () => {
          this.files.splice(i, 1);
          this.listFiles();
        });
        remove.setAttribute('aria-label', this.t.offline.removeFile(f.name));
        li.append(el('span', { class: 'name' }, f.name), el('span', { class: 'size' }, formatSize(this.lang, f.size)), remove);
        return li;
      }),
    );
  }

  private async submit(): Promise<void> {
    const o = this.t.offline;
    if (this.root.dataset.state === 'sending') return;
    const name = this.name.value.trim();
    const email = this.email.value.trim();
    const text = this.text.value.trim();
    if (!name) return this.showError(o.missingName, this.name);
    if (!EMAIL.test(email)) return this.showError(o.invalidEmail, this.email);
    if (!text) return this.showError(o.missingText, this.text);
    this.showError(null);
    this.setState('sending');
    const { baseUrl, conversationId } = this.target;
    try {
      const body = { name, email, text, issueType: this.topic.value, ...(conversationId ? { conversationId } : {}) };
      const link = await apiRequest(baseUrl, '/api/shopper/offline-message', TicketLink, { token: await this.target.token(), body });
      this.on.sent?.();
      await this.confirm(link, email);
    } catch (err) {
      this.setState('error');
      const code = err instanceof CounterpartError ? err.code : null;
      // The server's e-mail check is stricter than ours: say which field.
      const emailRefused = code === ErrorCode.BadRequest && err instanceof CounterpartError && err.message.startsWith('email');
      this.showError(emailRefused ? o.invalidEmail : errorText(this.t, code), emailRefused ? this.email : undefined);
    }
  }

  /** The ticket exists: thanks, its link, then each file added to it through the link. */
  private async confirm(link: TicketLink, email: string): Promise<void> {
    const { t } = this;
    this.setState('sent');
    this.form.hidden = true;
    this.sent.hidden = false;
    const href = onServer(link.url, this.target.baseUrl);
    const a = el('a', { class: 'ticket-link', 'data-testid': 'cp-offline-ticket-link', target: '_blank', rel: 'noopener', 'data-ticket-id': String(link.ticketId) }, t.feedback.ticketLink(link.ticketId));
    if (href) a.href = href;
    const files = el('ul', { class: 'files' });
    const ticket = el('div', { class: 'ticket' });
    ticket.append(el('p', { class: 'label' }, t.feedback.follow), a, el('p', { class: 'note' }, t.feedback.ticketHint));
    this.sent.append(el('p', { class: 'banner ok' }, t.offline.sent), el('p', { class: 'note' }, t.offline.sentDetail(email)), files, ticket);
    this.sent.focus();
    for (const f of this.files) {
      const li = el('li', { 'data-testid': 'cp-offline-upload', 'data-state': 'uploading' }, t.offline.uploading(f.name));
      files.append(li);
      try {
        await apiUpload(this.target.baseUrl, `/api/public/ticket/files?name=${encodeURIComponent(f.name)}`, f, { token: link.token, contentType: f.type });
        li.dataset.state = 'done';
        li.textContent = t.offline.added(f.name);
      } catch (err) {
        li.dataset.state = 'failed';
        li.className = 'error';
        li.textContent = t.offline.fileFailed(f.name, errorText(t, err instanceof CounterpartError ? err.code : null));
      }
    }
  }
}

/**
 * Whether the shop is open (`GET /api/shopper/availability`, with `token`: the session the next
 * start will use, or a resumed conversation's). Closed: the panel says when it opens again and shows the message form — on the start
 * screen only (nothing begun: `busy` false, state idle), or at once when the server refused a start
 * as `closed` (`refused`; a shop that has just opened goes back to the start screen). Resolves with
 * what the server said, null when it could not be asked (the start screen stays: a start outside
 * hours is refused with `closed` all the same).
 */
export async function showIfClosed(view: WidgetView, config: WidgetConfig, token: () => Promise<string>, opts: { refused: boolean; busy(): boolean }): Promise<Availability | null> {
  let a: Availability | null = null;
  try {
    a = await apiRequest(config.baseUrl, '/api/shopper/availability', Availability, { token: await token() });
  } catch {
    if (!opts.refused) return null;
  }
  if (opts.busy() || (!opts.refused && view.state !== 'idle')) return a;
  if (a?.open) {
    if (opts.refused) view.reset();
    return a;
  }
  view.show('offline', closedText(view.t, view.lang, a?.nextOpening ?? null));
  const target = { baseUrl: config.baseUrl, token, conversationId: null, issueType: view.issueType };
  view.setEndedExtra(new OfflineForm(view.t, view.lang, target).root);
  return a;
}
