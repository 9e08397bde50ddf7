import { CounterpartError, ErrorCode, MAX_NOTE_CHARS, MAX_UPLOAD_BYTES, UPLOAD_TYPES } from '../../../protocol/index';
import { el } from '../dom';
import { errorText, type Catalogue } from '../i18n/index';

export type ComposeActions = {
  /** Resolve once the message is on the ticket; reject with a CounterpartError. */
  message(body: string): Promise<void>;
  upload(file: File): Promise<void>;
};

const errorOf = (t: Catalogue, err: unknown) => errorText(t, err instanceof CounterpartError ? err.code : null);

/**
 * What the link's holder can add to the ticket: a message, and files (accepted types and size
 * checked here first; the server checks again), with how many files the ticket holds of its limit.
 */
export class TicketCompose {
  readonly root = el('section', { class: 'card compose' });
  private readonly input = el('textarea', { id: 'tk-message', rows: '3', maxlength: String(MAX_NOTE_CHARS), 'data-testid': 'tk-message-input' });
  private readonly send: HTMLButtonElement;
  private readonly messageError = el('p', { class: 'note error', role: 'alert', 'data-testid': 'tk-message-error' });
  private readonly fileInput = el('input', { type: 'file', id: 'tk-file', accept: UPLOAD_TYPES.join(','), class: 'visually-hidden', 'data-testid': 'tk-file-input' });
  private readonly pick: HTMLLabelElement;
  private readonly count = el('span', { class: 'count', 'data-testid': 'tk-files-count' });
  private readonly uploading = el('p', { class: 'note', 'data-testid': 'tk-uploading', role: 'status' });
  private readonly fileError = el('p', { class: 'note error', role: 'alert', 'data-testid': 'tk-file-error' });
  private full = false;

  constructor(
    private readonly t: Catalogue,
    private readonly on: ComposeActions,
  ) {
    this.input.placeholder = t.ticket.messagePlaceholder;
    this.send = el('button', { type: 'submit', class: 'act primary', 'data-testid': 'tk-message-send' }, t.ticket.send);
    const form = el('form', { class: 'message' });
    const actions = el('div', { class: 'row' });
    actions.append(this.send);
    form.append(el('label', { for: 'tk-message', class: 'h2' }, t.ticket.messageLabel), this.input, actions, this.messageError);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.postMessage();
    });

    // The label is the visible control: a real file input stays in the tab order and opens the picker.
    this.pick = el('label', { for: 'tk-file', class: 'act file-pick', 'data-testid': 'tk-file-pick' }, t.ticket.fileLabel);
    const files = el('div', { class: 'files' });
    const row = el('div', { class: 'row' });
    row.append(this.fileInput, this.pick, this.count);
    files.append(el('h2', {}, t.ticket.filesTitle), row, el('p', { class: 'note' }, t.ticket.fileHint), this.uploading, this.fileError);
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (file) void this.postFile(file);
    });
    this.messageError.hidden = this.fileError.hidden = this.uploading.hidden = true;
    this.root.append(form, files);
  }

  /** How many files the ticket holds of its limit; at the limit, no more can be added. */
  setFiles(files: { used: number; max: number }): void {
    this.full = files.used >= files.max;
    this.count.textContent = this.full ? `${this.t.ticket.files(files.used, files.max)} · ${this.t.ticket.filesFull}` : this.t.ticket.files(files.used, files.max);
    this.fileInput.disabled = this.full;
    this.pick.setAttribute('aria-disabled', String(this.full));
  }

  private async postMessage(): Promise<void> {
    const body = this.input.value.trim();
    if (this.send.disabled) return;
    if (!body) {
      // Said, not ignored: the box is where to write.
      this.messageError.hidden = false;
      this.messageError.textContent = this.t.ticket.messageEmpty;
      this.input.focus();
      return;
    }
    this.send.disabled = true;
    this.send.textContent = this.t.ticket.sending;
    this.messageError.hidden = true;
    try {
      await this.on.message(body);
      this.input.value = '';
    } catch (err) {
      this.messageError.hidden = false;
      this.messageError.textContent = errorOf(this.t, err);
    } finally {
      this.send.disabled = false;
      this.send.textContent = this.t.ticket.send;
    }
  }

  private async postFile(file: File): Promise<void> {
    const { t } = this;
    this.fileError.hidden = true;
    const typeOk = (UPLOAD_TYPES as readonly string[]).includes(file.type);
    if (!typeOk || file.size > MAX_UPLOAD_BYTES) {
      this.fileError.hidden = false;
      this.fileError.textContent = t.errors[typeOk ? ErrorCode.TooLarge : ErrorCode.UnsupportedType];
      return;
    }
    if (this.full) return;
    this.uploading.hidden = false;
    this.uploading.textContent = t.ticket.uploading(file.name);
    this.fileInput.disabled = true;
    try {
      await this.on.upload(file);
    } catch (err) {
      this.fileError.hidden = false;
      this.fileError.textContent = errorOf(t, err);
    } finally {
      this.uploading.hidden = true;
      this.fileInput.disabled = this.full;
    }
  }
}
