/**
 * One ticket as the detail page shows it, and the supervisor's edits: a status change against the
 * version read (a conflict reloads what is stored and says so) and notes.
 */
import { TicketStatus, type TicketView } from '../../protocol/index';
import { failureOf, type TicketApi, type TicketFailure } from './ticket-api';

/** What the last edit did: stored, or refused because someone else changed the ticket first. */
export type EditOutcome = 'saved' | 'noted' | 'conflict';

export class TicketStore {
  ticket = $state<TicketView | null>(null);
  loading = $state(false);
  /** Reading the ticket failed. */
  error = $state<TicketFailure | null>(null);
  /** An edit is on its way. */
  busy = $state(false);
  outcome = $state<EditOutcome | null>(null);
  /** The last edit failed (other than a conflict). */
  editError = $state<TicketFailure | null>(null);

  #seq = 0;

  constructor(
    private readonly api: TicketApi,
    readonly id: number,
  ) {}

  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    this.error = null;
    try {
      const view = await this.api.get(this.id);
      if (seq === this.#seq) this.ticket = view;
    } catch (err) {
      if (seq === this.#seq) this.error = failureOf(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  setStatus(status: TicketStatus): Promise<boolean> {
    const t = this.ticket;
    if (!t || t.status === status) return Promise.resolve(false);
    return this.edit(() => this.api.update(t.id, { version: t.version, status }), 'saved');
  }

  addNote(body: string): Promise<boolean> {
    const t = this.ticket;
    if (!t || !body.trim()) return Promise.resolve(false);
    return this.edit(() => this.api.note(t.id, body.trim()), 'noted');
  }

  private async edit(run: () => Promise<TicketView>, done: EditOutcome): Promise<boolean> {
    if (this.busy) return false;
    this.busy = true;
    this.outcome = null;
    this.editError = null;
    try {
      this.ticket = await run();
      this.#seq++; // a read still out is older than this answer
      this.outcome = done;
      return true;
    } catch (err) {
      const failure = failureOf(err);
      if (failure === 'conflict') {
        this.outcome = 'conflict';
        await this.load();
      } else {
        this.editError = failure;
      }
      return false;
    } finally {
      this.busy = false;
    }
  }
}
