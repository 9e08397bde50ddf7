import type { ChatLine } from '../../client/call';
import { css } from './styles';

/** Every state the shopper can reach, each with its own words and controls. */
export type WidgetState =
  | 'idle'
  | 'starting'
  | 'media-denied'
  | 'queued'
  | 'no-agent'
  | 'ringing'
  | 'connecting'
  | 'in-call'
  | 'ended'
  | 'error';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text = '') => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
};

/** The widget's DOM inside its shadow root; the controller only calls these methods. */
export class WidgetView {
  readonly panel = el('section', { class: 'panel', role: 'dialog', 'aria-label': 'Talk to the shop', 'data-testid': 'cp-panel', 'data-state': 'idle' });
  readonly status = el('p', { class: 'status', 'data-testid': 'cp-status', 'aria-live': 'polite' });
  readonly videos = el('div', { class: 'videos' });
  readonly remoteVideo = el('video', { class: 'remote', 'data-testid': 'cp-remote-video', playsinline: '' });
  readonly localVideo = el('video', { class: 'self', 'data-testid': 'cp-local-video', playsinline: '' });
  readonly start = el('button', { class: 'act primary', 'data-testid': 'cp-start-video' }, 'Start video call');
  readonly retry = el('button', { class: 'act primary', 'data-testid': 'cp-retry' }, 'Try again');
  readonly mute = el('button', { class: 'act', 'data-testid': 'cp-mute', 'aria-pressed': 'false' }, 'Mute');
  readonly camera = el('button', { class: 'act', 'data-testid': 'cp-camera', 'aria-pressed': 'false' }, 'Camera off');
  readonly hangup = el('button', { class: 'act danger', 'data-testid': 'cp-hangup' }, 'Hang up');
  readonly close = el('button', { 'aria-label': 'Close', 'data-testid': 'cp-close' }, '×');
  readonly chatLog = el('ul', { class: 'log', 'data-testid': 'cp-chat-log', 'aria-live': 'polite' });
  readonly chatInput = el('input', { 'data-testid': 'cp-chat-input', 'aria-label': 'Message', maxlength: '2000', placeholder: 'Type a message' });
  readonly chatForm = el('form');
  readonly chat = el('div', { class: 'chat' });
  readonly controls = el('div', { class: 'controls' });

  constructor(root: ShadowRoot) {
    const style = el('style');
    style.textContent = css;
    const header = el('header', {}, '');
    header.append(el('span', {}, 'Talk to us face to face'), this.close);
    this.localVideo.muted = true;
    this.videos.append(this.remoteVideo, this.localVideo);
    this.controls.append(this.mute, this.camera, this.hangup);
    this.chatForm.append(this.chatInput, el('button', { class: 'act', type: 'submit', 'data-testid': 'cp-chat-send' }, 'Send'));
    this.chat.append(this.chatLog, this.chatForm);
    const body = el('div', { class: 'body' });
    body.append(this.status, this.videos, this.start, this.retry, this.controls, this.chat);
    this.panel.append(header, body);
    root.append(style, this.panel);
  }

  show(state: WidgetState, text: string): void {
    this.panel.dataset.state = state;
    this.status.textContent = text;
    const live = state === 'connecting' || state === 'in-call';
    const waiting = state === 'queued' || state === 'no-agent' || state === 'ringing' || state === 'starting';
    this.videos.hidden = !(live || waiting);
    this.start.hidden = state !== 'idle' && state !== 'ended';
    this.start.textContent = state === 'ended' ? 'Call again' : 'Start video call';
    this.retry.hidden = state !== 'media-denied' && state !== 'error';
    this.controls.hidden = !(live || waiting);
    this.mute.hidden = this.camera.hidden = !live;
    this.hangup.textContent = live ? 'Hang up' : 'Cancel';
    this.chat.hidden = state !== 'in-call';
  }

  addChat(line: ChatLine): void {
    const li = el('li', { class: line.from }, line.text);
    this.chatLog.append(li);
    li.scrollIntoView({ block: 'end' });
  }

  reset(): void {
    this.remoteVideo.srcObject = null;
    this.localVideo.srcObject = null;
    this.chatLog.replaceChildren();
    this.mute.setAttribute('aria-pressed', 'false');
    this.mute.textContent = 'Mute';
    this.camera.setAttribute('aria-pressed', 'false');
    this.camera.textContent = 'Camera off';
  }
}
