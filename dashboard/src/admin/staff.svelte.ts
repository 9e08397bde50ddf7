/**
 * The staff accounts as the Staff pages show them (list and one account), kept while the dashboard
 * is open: an account changed on its page is replaced in the list with the server's answer.
 */
import type { StaffAccount } from '../../../protocol/index';
import { adminErrorOf, type AdminApi, type AdminError } from './admin-api';

export class StaffStore {
  /** Null until the first answer. */
  staff = $state<StaffAccount[] | null>(null);
  loading = $state(false);
  error = $state<AdminError | null>(null);
  /** The site's chats per agent (the capacity an agent without their own has); null when not known. */
  siteMaxChats = $state<number | null>(null);

  #seq = 0;

  constructor(readonly api: AdminApi) {}

  async load(): Promise<void> {
    const seq = ++this.#seq;
    this.loading = true;
    this.error = null;
    // The site default only labels capacities: its failure is not the page's.
    void this.api.settings().then(
      (s) => (this.siteMaxChats = s.maxChats),
      () => {},
    );
    try {
      const { staff } = await this.api.staff();
      if (seq === this.#seq) this.staff = staff;
    } catch (err) {
      if (seq === this.#seq) this.error = adminErrorOf(err);
    } finally {
      if (seq === this.#seq) this.loading = false;
    }
  }

  byId(id: number): StaffAccount | undefined {
    return this.staff?.find((s) => s.id === id);
  }

  /** Puts the server's answer for one account in the list (a new one at the end). */
  put(account: StaffAccount): void {
    this.#seq++; // a list still on its way is older than this answer
    this.loading = false;
    const list = this.staff ?? [];
    this.staff = list.some((s) => s.id === account.id) ? list.map((s) => (s.id === account.id ? account : s)) : [...list, account];
  }
}
