import { CounterpartError, ErrorCode, MAX_RATING_COMMENT_CHARS } from '../../protocol/index';
import { button, el } from './dom';
import { errorText, type Catalogue } from './i18n/index';

/**
 * Rating a conversation from 1 to 5 stars, with an optional comment: the widget's ended screen
 * and the ticket page share it. The stars are a radio group (Tab reaches the group, arrow keys
 * move and choose, Home/End the ends); the score's word stands beside them.
 */
const SCORES = [1, 2, 3, 4, 5] as const;
type Score = (typeof SCORES)[number];

function starSvg(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  const shape = document.createElementNS(ns, 'path');
  for (const [k, v] of Object.entries({ viewBox: '0 0 24 24', 'aria-hidden': 'true', focusable: 'false' })) svg.setAttribute(k, v);
  shape.setAttribute('d', 'M12 2.5l2.9 6.1 6.6.8-4.9 4.6 1.3 6.6L12 17.3l-5.9 3.3 1.3-6.6-4.9-4.6 6.6-.8z');
  svg.append(shape);
  return svg;
}

/** Five stars, the first `score` lit: a rating given already (read only). */
export function staticStars(t: Catalogue, score: number): HTMLSpanElement {
  const s = el('span', { class: 'stars static', role: 'img', 'aria-label': t.rating.star(score), 'data-score': String(score) });
  for (const n of SCORES) {
    const star = el('span', { class: 'star', 'data-on': String(n <= score) });
    star.append(starSvg());
    s.append(star);
  }
  return s;
}

/** The five star buttons; `onChange` on every choice. */
export class StarRating {
  readonly root: HTMLDivElement;
  private readonly stars: HTMLButtonElement[];
  private readonly word = el('span', { class: 'word', 'aria-hidden': 'true' });
  private value = 0;

  constructor(
    private readonly t: Catalogue,
    testid: string,
    private readonly onChange: (score: Score) => void,
  ) {
    this.root = el('div', { class: 'stars', role: 'radiogroup', 'aria-label': t.rating.label, 'data-testid': `${testid}-stars` });
    this.stars = SCORES.map((n) => {
      const b = button(`${testid}-star-${n}`, 'star', '', () => this.choose(n));
      b.setAttribute('role', 'radio');
      b.setAttribute('aria-label', `${t.rating.star(n)}: ${t.rating.scores[n]}`);
      b.append(starSvg());
      b.addEventListener('mouseenter', () => this.paint(n));
      return b;
    });
    this.root.addEventListener('mouseleave', () => this.paint(this.value));
    this.root.addEventListener('keydown', (ev) => this.key(ev));
    this.root.append(...this.stars, this.word);
    this.paint(0);
  }

  get score(): number {
    return this.value;
  }

  set disabled(on: boolean) {
    for (const b of this.stars) b.disabled = on;
  }

  private choose(n: Score): void {
    this.value = n;
    this.paint(n);
    this.onChange(n);
  }

  private key(ev: KeyboardEvent): void {
    const step: Record<string, number> = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1 };
    // From the focused star (the chosen one, or the first while none is): the next or previous, round the ends.
    const from = this.stars.indexOf(ev.target as HTMLButtonElement) + 1 || this.value || 1;
    let to: number | null = null;
    if (ev.key in step) to = ((from - 1 + step[ev.key]! + 5) % 5) + 1;
    else if (ev.key === 'Home') to = 1;
    else if (ev.key === 'End') to = 5;
    if (to === null) return;
    ev.preventDefault();
    this.choose(to as Score);
    this.stars[to - 1]!.focus();
  }

  /** Lights the first `upTo` stars (the choice, or the one under the pointer); the chosen one is the group's tab stop. */
  private paint(upTo: number): void {
    this.stars.forEach((b, i) => {
      b.dataset.on = String(i < upTo);
      b.setAttribute('aria-checked', String(i + 1 === this.value));
      b.tabIndex = i + 1 === (this.value || 1) ? 0 : -1;
    });
    this.word.textContent = upTo ? this.t.rating.scores[upTo as Score] : '';
  }
}

export type RatingInput = { score: number; comment?: string };

/**
 * Stars, then (once a score is chosen) a comment and Send; a thank-you after. `submit` rejects with
 * a CounterpartError: `conflict` means it was rated already (a thank-you too), others are shown.
 */
export class RatingForm {
  readonly root: HTMLFormElement;
  private readonly stars: StarRating;
  private readonly more = el('div', { class: 'more' });
  private readonly comment = el('textarea', { rows: '2', maxlength: String(MAX_RATING_COMMENT_CHARS) });
  private readonly send: HTMLButtonElement;
  private readonly error = el('p', { class: 'note error', role: 'alert' });
  private readonly thanks = el('p', { class: 'thanks', role: 'status' });

  constructor(
    private readonly t: Catalogue,
    testid: string,
    title: string,
    private readonly submit: (r: RatingInput) => Promise<void>,
  ) {
    this.root = el('form', { class: 'rating', 'data-testid': `${testid}-rating` });
    this.stars = new StarRating(t, `${testid}-rating`, () => (this.more.hidden = false));
    this.comment.dataset.testid = `${testid}-rating-comment`;
    this.error.dataset.testid = `${testid}-rating-error`;
    this.thanks.dataset.testid = `${testid}-rating-thanks`;
    this.send = el('button', { type: 'submit', class: 'act primary', 'data-testid': `${testid}-rating-send` }, t.rating.send);
    const label = el('label', { class: 'comment' }, t.rating.comment);
    label.append(this.comment);
    this.more.append(label, this.send);
    this.more.hidden = this.error.hidden = this.thanks.hidden = true;
    this.root.append(el('p', { class: 'title' }, title), this.stars.root, this.more, this.error, this.thanks);
    this.root.addEventListener('submit', (ev) => {
      ev.preventDefault();
      void this.go();
    });
  }

  private async go(): Promise<void> {
    const score = this.stars.score;
    if (!score || this.send.disabled) return;
    const comment = this.comment.value.trim();
    this.busy(true);
    try {
      await this.submit({ score, ...(comment ? { comment } : {}) });
      this.done(this.t.rating.thanks);
    } catch (err) {
      const code = err instanceof CounterpartError ? err.code : null;
      if (code === ErrorCode.Conflict) return this.done(this.t.rating.already);
      this.busy(false);
      this.error.hidden = false;
      this.error.textContent = errorText(this.t, code);
    }
  }

  private busy(on: boolean): void {
    this.send.disabled = this.comment.disabled = on;
    this.stars.disabled = on;
    this.send.textContent = on ? this.t.rating.sending : this.t.rating.send;
    if (on) this.error.hidden = true;
  }

  private done(text: string): void {
    this.root.dataset.done = 'true';
    for (const part of [this.stars.root, this.more, this.error]) part.hidden = true;
    this.thanks.hidden = false;
    this.thanks.textContent = text;
    this.thanks.tabIndex = -1;
    this.thanks.focus();
  }
}

/** The rating's styles: in the widget's shadow root and on the ticket page. */
export const ratingCss = `
.stars{display:flex;align-items:center;gap:2px;flex-wrap:wrap}
.stars .star{border:0;background:none;padding:3px;margin:0;cursor:pointer;color:#b9c4c0;line-height:0;border-radius:6px}
.stars .star[data-on=true]{color:#c98500}
.stars .star svg{width:28px;height:28px;fill:currentColor;display:block}
.stars.static .star{padding:0;cursor:default}
.stars.static .star svg{width:18px;height:18px}
.stars .star:disabled{cursor:default}
.stars .star:focus-visible{outline:3px solid #7fd3c4;outline-offset:0}
.stars .word{margin-left:8px;font-size:13px;color:#4a5551}
.rating{display:flex;flex-direction:column;gap:8px;margin:0}
.rating .title{margin:0;font-weight:600}
.rating .more{display:flex;flex-direction:column;gap:8px}
.rating .comment{display:flex;flex-direction:column;gap:4px;font-size:13px;color:#4a5551}
.rating textarea{font:inherit;font-size:14px;color:#1d2421;padding:8px;border:1px solid #c5d1cd;border-radius:8px;resize:vertical;min-height:52px}
.rating textarea:focus-visible{outline:3px solid #7fd3c4;outline-offset:1px}
.rating .thanks{margin:0;font-weight:600;color:#0b6b5d}
.rating .thanks:focus{outline:none}
`;
