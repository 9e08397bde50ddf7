import { CONSOLE_PATH, OPEN_CONSOLE, type OpenConsoleMessage } from '../lib/bridge';

/** Opens the agent console in its own window (or focuses it): the call lives there. */
async function openConsole(): Promise<void> {
  const url = browser.runtime.getURL(CONSOLE_PATH);
  const [existing] = await browser.runtime.getContexts({ contextTypes: ['TAB'], documentUrls: [url] });
  if (existing && existing.windowId >= 0) {
    await browser.windows.update(existing.windowId, { focused: true });
    return;
  }
  await browser.windows.create({ url, type: 'popup', width: 440, height: 820 });
}

export default defineBackground(() => {
  browser.action.onClicked.addListener(() => void openConsole());
  browser.runtime.onMessage.addListener((msg: unknown) => {
    if ((msg as Partial<OpenConsoleMessage> | null)?.type === OPEN_CONSOLE) void openConsole();
  });
});
