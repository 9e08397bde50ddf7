/** What the shop's script tag says, read by the loader and handed to the app. */
export type WidgetConfig = {
  /** The Counterpart server, taken from the script's own src. */
  baseUrl: string;
  siteKey: string;
  productId: number | null;
  /** Same-origin URL where the shop vouches for its signed-in customer (fresh signature each time). */
  vouchUrl: string | null;
  /** The site's language setting (`data-lang`), as written; `pickLanguage` decides with the page's and the browser's. */
  lang: string | null;
};

export type Mount = (root: ShadowRoot, launcher: HTMLButtonElement, config: WidgetConfig) => void;
