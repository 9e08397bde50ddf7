import { mount, unmount } from 'svelte';
import { OVERLAY_MATCHES } from '../../lib/hosts';
import Overlay from './Overlay.svelte';

/** Caller context and compact call controls on the shop's admin pages, in a shadow root. */
export default defineContentScript({
  matches: OVERLAY_MATCHES,
  cssInjectionMode: 'ui',
  async main(ctx) {
    const ui = await createShadowRootUi(ctx, {
      name: 'counterpart-overlay',
      position: 'inline',
      anchor: 'body',
      append: 'last',
      onMount: (container) => mount(Overlay, { target: container }),
      onRemove: (app) => app && unmount(app),
    });
    ui.mount();
  },
});
