import { apiBlob, apiUpload } from '../../../client/http';
import { ShopperTicketView, apiRequest, type TicketFile } from '../../../protocol/index';
import type { RatingInput } from '../rating';

/**
 * The ticket link's REST calls, each with the link's token as the bearer (it came in the page's
 * fragment, so it never reached a server log). Every write answers with the ticket as it is now.
 * Failures reject with a CounterpartError (`unauthorized`: the link is not valid any more).
 */
export class TicketApi {
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {}

  view(): Promise<ShopperTicketView> {
    return apiRequest(this.base, '/api/public/ticket', ShopperTicketView, { token: this.token });
  }

  message(body: string): Promise<ShopperTicketView> {
    return apiRequest(this.base, '/api/public/ticket/messages', ShopperTicketView, { token: this.token, body: { body } });
  }

  /** The file's bytes as the request body, its type as the content type (the server checks both). */
  async upload(file: File): Promise<ShopperTicketView> {
    const path = `/api/public/ticket/files?name=${encodeURIComponent(file.name)}`;
    return ShopperTicketView.parse(await apiUpload(this.base, path, file, { token: this.token, contentType: file.type }));
  }

  download(file: TicketFile): Promise<Blob> {
    return apiBlob(this.base, `/api/public/ticket/files/${encodeURIComponent(file.id)}`, this.token);
  }

  rate(conversationId: string, r: RatingInput): Promise<ShopperTicketView> {
    return apiRequest(this.base, '/api/public/ticket/rating', ShopperTicketView, { token: this.token, body: { conversationId, ...r } });
  }
}
