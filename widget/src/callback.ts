import { ConversationState, TERMINAL_STATES, type ConversationView } from '../../protocol/index';
import { button, el } from './dom';
import { unanswered } from './queue-offer';
import type { WidgetView } from './view';

/** How long "An agent is calling you back" stays after the answer; a page loaded this soon after the answer says it too. */
const ANSWERED_SHOWN_MS = 30_000;
/** Asked, and no word from the server this long after (the socket dropped, a refusal): the action is offered again. */
const ASK_TIMEOUT_MS = 10_000;

export type CallbackOptions = {
  /** Sends the request's `conversation.callback` (over the session's realtime client); false when it could not be sent. */
  request(): boolean;
  /** Opens or collapses the panel (remembered for the shop's next page). */
  setOpen(open: boolean): void;
};

/** Where the callback is, as `data-callback` on the panel and `data-phase` on its box. */
type Phase = 'none' | 'offer' | 'asking' | 'waiting' | 'answered';

/**
 * Instead of watching the queue, the shopper asks to be called back on this page. While the
 * request waits unanswered the box offers it; once the server says so (`callbackAt` on the
 * conversation) it confirms, the panel may be collapsed and the launcher shows a waiting dot.
 * When an agent answers, the conversation comes forward: the panel opens, says an agent is
 * calling back, and chimes. The request keeps its place either way; if the page is gone before an
 * agent is free, the server makes the callback a ticket.
 */
export class Callback {
  private readonly box = el('div', { class: 'callback', 'data-testid': 'cp-callback' });
  private readonly intro = el('p', { class: 'note' });
  private readonly ask = button('cp-callback-request', 'act', '', () => this.request());
  private readonly waiting = el('p', { class: 'banner ok', role: 'status', 'data-testid': 'cp-callback-waiting' });
  private readonly browse = button('cp-callback-browse', 'act', '', () => this.opts.setOpen(false));
  private readonly answeredNote = el('p', { class: 'banner ok', role: 'alert', 'data-testid': 'cp-callback-answered' });
  private readonly chime = new Chime();
  private phase: Phase | null = null;
  private last: ConversationView | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly view: WidgetView,
    private readonly launcher: HTMLElement,
    private readonly opts: CallbackOptions,
  ) {
    const t = view.t.callback;
    this.intro.textContent = t.intro;
    this.waiting.textContent = t.waiting;
    this.browse.textContent = t.browse;
    this.answeredNote.textContent = t.answered;
    this.box.append(this.intro, this.ask, this.waiting, this.browse, this.answeredNote);
    view.notice.replaceChildren(this.box);
    this.set('none');
  }

  /** Every view of the conversation, in order. */
  update(v: ConversationView): void {
    const before = this.last;
    this.last = v;
    if (TERMINAL_STATES.has(v.state)) return this.stop();
    if (unanswered(v)) return this.set(v.callbackAt ? 'waiting' : this.phase === 'asking' ? 'asking' : 'offer');
    if (v.state !== ConversationState.Active || !v.callbackAt) return this.set('none');
    // Answered: a callback this page waited for, or one answered just before this page loaded (another page of the shop).
    const waited = before ? unanswered(before) : v.answeredAt !== null && Date.now() - Date.parse(v.answeredAt) < ANSWERED_SHOWN_MS;
    if (waited) this.answered();
  }

  /** The conversation is over here: nothing shown, no dot, no sound. */
  stop(): void {
    this.set('none');
    this.chime.close();
  }

  private request(): void {
    // A click: the one moment some browsers let a page start audio, for the chime later.
    this.chime.prime();
    if (!this.opts.request()) return;
    this.set('asking');
    this.timer = setTimeout(() => this.phase === 'asking' && this.set('offer'), ASK_TIMEOUT_MS);
  }

  private answered(): void {
    this.set('answered');
    if (this.view.panel.hidden) this.opts.setOpen(true);
    void this.chime.play().then((played) => (this.box.dataset.chime = played ? 'played' : 'silent'));
    this.timer = setTimeout(() => this.phase === 'answered' && this.set('none'), ANSWERED_SHOWN_MS);
  }

  private set(phase: Phase): void {
    if (phase === this.phase) return;
    const t = this.view.t.callback;
    const confirmed = this.phase === 'asking' && phase === 'waiting';
    this.phase = phase;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.box.dataset.phase = phase;
    this.box.hidden = phase === 'none';
    if (phase === 'none') delete this.view.panel.dataset.callback;
    else this.view.panel.dataset.callback = phase;
    if (phase === 'waiting') {
      this.launcher.dataset.callback = 'waiting';
      this.launcher.title = t.launcher;
    } else {
      delete this.launcher.dataset.callback;
      this.launcher.removeAttribute('title');
    }
    const asking = phase === 'asking';
    this.intro.hidden = this.ask.hidden = !(asking || phase === 'offer');
    this.ask.disabled = asking;
    this.ask.textContent = asking ? t.asking : t.request;
    this.waiting.hidden = this.browse.hidden = phase !== 'waiting';
    this.answeredNote.hidden = phase !== 'answered';
    // The shopper's own click was just confirmed: the keyboard goes on from the next step (the disabled button lost it).
    if (confirmed && !this.view.panel.hidden && !(this.box.getRootNode() as ShadowRoot | Document).activeElement) this.browse.focus();
  }
}

/**
 * A short rising two-note chime made with Web Audio (no sound file in the bundle). Silent where
 * audio cannot start (no device, or the browser does not let this page play yet): better no
 * sound than a late one.
 */
class Chime {
  private ctx: AudioContext | null = null;

  /** In a click handler: the context is made while the page may start audio, then rests until `play`. */
  prime(): void {
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.suspend().catch(() => {});
    } catch {
      this.ctx = null;
    }
  }

  /** Plays once (true) or stays silent (false); the context is closed after. */
  async play(): Promise<boolean> {
    try {
      const ctx = (this.ctx ??= new AudioContext());
      if (ctx.state !== 'running') await Promise.race([ctx.resume(), new Promise((r) => setTimeout(r, 300))]);
      if (ctx.state !== 'running') return (this.close(), false);
      const start = ctx.currentTime + 0.02;
      [660, 880].forEach((frequency, i) => {
        const at = start + i * 0.16;
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = frequency;
        gain.gain.setValueAtTime(0.0001, at);
        gain.gain.exponentialRampToValueAtTime(0.18, at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.45);
        osc.connect(gain).connect(ctx.destination);
        osc.start(at);
        osc.stop(at + 0.5);
      });
      setTimeout(() => this.ctx === ctx && this.close(), 1000);
      return true;
    } catch {
      this.close();
      return false;
    }
  }

  close(): void {
    void this.ctx?.close().catch(() => {});
    this.ctx = null;
  }
}

/** The box (green once confirmed), the launcher's waiting dot, and the status the confirmation replaces ("stay here" no longer holds). */
export const callbackCss = `
.callback{display:flex;flex-direction:column;gap:8px;padding:10px 12px;border:1px solid #dbe4e1;border-radius:10px;background:#f7faf9}
.callback button.act{flex:none;align-self:flex-start}
.callback[data-phase=waiting]{background:#e3f3ef;border-color:#c3e2da}
.callback[data-phase=waiting] .banner{padding:0;background:none}
.callback[data-phase=waiting] button.act{background:#fff}
.callback[data-phase=answered]{padding:0;border:0;background:none}
.panel[data-callback=answered] .notice{order:-1}
.panel:not([data-state=queued]):not([data-state=no-agent]):not([data-state=offered]) .callback:not([data-phase=answered]){display:none}
.panel[data-callback=waiting][data-state=no-agent] .status{display:none}
.launcher[data-callback=waiting]::after{content:"";position:absolute;top:-3px;right:-3px;width:14px;height:14px;border-radius:50%;
  background:#f2a516;border:2px solid #fff;animation:cp-pulse 1.6s ease-in-out infinite}
@keyframes cp-pulse{50%{transform:scale(.75);opacity:.65}}
@media (prefers-reduced-motion:reduce){.launcher[data-callback=waiting]::after{animation:none}}`;
