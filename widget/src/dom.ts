/** Small DOM builders for the widget (shadow root on the shop's page). */

/** A DOM element with attributes and text. Text is always `textContent`: names and messages are hostile input. */
export const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = ''): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
};

/** A button with a test id; `onClick` when given. */
export function button(testid: string, cls: string, text = '', onClick?: () => void): HTMLButtonElement {
  const b = el('button', { type: 'button', class: cls, 'data-testid': testid }, text);
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

/** Makes a button a pressed/unpressed toggle: `pressed` is the label while pressed (e.g. "Unmute"). */
export function toggle(btn: HTMLButtonElement, pressed: string, unpressed: string, apply: (pressed: boolean) => void): void {
  btn.setAttribute('aria-pressed', 'false');
  btn.textContent = unpressed;
  btn.addEventListener('click', () => {
    const now = btn.getAttribute('aria-pressed') !== 'true';
    btn.setAttribute('aria-pressed', String(now));
    btn.textContent = now ? pressed : unpressed;
    apply(now);
  });
}

/** A paperclip drawn as SVG (no icon font or emoji needed on the shop's page). */
export function paperclip(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const path = document.createElementNS(ns, 'path');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', width: '18', height: '18', fill: 'none', stroke: 'currentColor', 'stroke-width': '2', 'stroke-linecap': 'round', 'aria-hidden': 'true' })) svg.setAttribute(k, v);
  path.setAttribute('d', 'M21 11l-9 9a6 6 0 0 1-8.5-8.5l9-9a4 4 0 0 1 5.7 5.7l-9 9a2 2 0 0 1-2.8-2.8l8.3-8.3');
  svg.append(path);
  return svg;
}
