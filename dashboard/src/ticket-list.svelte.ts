/** The ticket list page's data: the latest tickets of one status (or all), newest change first. */
import type { TicketStatus, TicketSummary } from '../../protocol/index';
import { LIST_LIMIT, failureOf, type TicketApi, type TicketFailure } from './ticket-api';

export class TicketListStore {
  /** Null until the first answer. */
  tickets = $state<TicketSummary[] | null>(null);
  loading = $state(false);
  error = $state<TicketFailure | null>(null);
  /** The server had more than the page asked for. */
  limited = $state(false);

  /** Only the latest request's answer counts (the filter may change while one is out). */
  #seq = 0;

  constructor(private readonly api: TicketApi) {}

  async load(status: TicketStatus | null): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    this.error = null;
    try {
      const { tickets } = await this.api.list(status);
      if (seq !== this.#seq) return;
      this.tickets = [...tickets].sort((a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || b.id - a.id);
      this.limited = tickets.length >= LIST_LIMIT;
    } catch (err) {
      if (seq === this.#seq) this.error = failureOf(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }
}
