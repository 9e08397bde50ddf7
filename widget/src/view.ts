import { IssueType, MAX_CHAT_CHARS, MAX_UPLOAD_BYTES, MediaKind, UPLOAD_TYPES, ErrorCode } from '../../protocol/index';
import { ChatLog, type Mark, type MessageView } from './chat-log';
import { button, el, paperclip, toggle } from './dom';
import { LOCALES, catalogue, type Catalogue, type Lang } from './i18n/index';
import { css } from './styles';

export type { Mark, MessageView } from './chat-log';

/** Every state the shopper can reach; `data-state` on the panel. `offline`: the message form (outside business hours, or instead of waiting). */
export type WidgetState =
  | 'idle'
  | 'starting'
  | 'media-denied'
  | 'queued'
  | 'no-agent'
  | 'offered'
  | 'connecting'
  | 'in-call'
  | 'chatting'
  | 'ended'
  | 'error'
  | 'offline';

export type CallKind = MediaKind.Voice | MediaKind.Video;

/** What is reconnecting: our realtime connection, the call's media path, or the agent's connection. */
export type ReconnectReason = 'connection' | 'media' | 'agent';

/** What the shopper did. The view has no protocol logic: the controller decides what each means. */
export type ViewActions = {
  start(channel: MediaKind): void;
  /** After the camera or microphone was refused: go on with less. */
  fallback(channel: MediaKind.Voice | MediaKind.Chat): void;
  /** Return false to keep the text in the input (not sent). */
  send(text: string): boolean | void;
  /** The shopper is typing (every input event: throttle it). */
  typing(): void;
  /** A file of an accepted type and size (others are refused in the view). */
  attach(file: File): void;
  /** A URL the view may use as `<img src>` or download link (e.g. a blob: URL of an authorised fetch). */
  resolveFileUrl(fileId: string): Promise<string>;
  acceptProposal(): void;
  declineProposal(): void;
  propose(kind: CallKind): void;
  /** Stop the call, keep chatting. */
  stopMedia(): void;
  /** Cancel the request or end the conversation (the button says which). */
  hangup(): void;
  mute(muted: boolean): void;
  camera(off: boolean): void;
  retry(): void;
  startAgain(): void;
  /** The panel was closed (it hides itself). */
  close(): void;
};

const WAITING: ReadonlySet<WidgetState> = new Set(['queued', 'no-agent', 'offered']);
const LIVE: ReadonlySet<WidgetState> = new Set(['connecting', 'in-call']);
const TERMINAL: ReadonlySet<WidgetState> = new Set(['idle', 'ended', 'error', 'offline']);
/** States where a conversation exists and the shopper can write. */
const TALKING: ReadonlySet<WidgetState> = new Set([...WAITING, ...LIVE, 'chatting']);
const REASONS: readonly ReconnectReason[] = ['connection', 'media', 'agent'];

/** The widget's DOM inside its shadow root; the controller only calls these methods. */
export class WidgetView {
  readonly t: Catalogue;
  readonly panel = el('section', { class: 'panel', role: 'dialog', 'data-testid': 'cp-panel', 'data-state': 'idle' });
  readonly remoteVideo = el('video', { class: 'remote', 'data-testid': 'cp-remote-video', playsinline: '', autoplay: '' });
  readonly localVideo = el('video', { class: 'self', 'data-testid': 'cp-local-video', playsinline: '', autoplay: '' });
  private readonly log: ChatLog;
  private readonly status = el('p', { class: 'status', 'data-testid': 'cp-status', 'aria-live': 'polite' });
  private readonly reconnecting = el('p', { class: 'banner reconnecting', 'data-testid': 'cp-reconnecting', role: 'status' });
  private readonly choices = el('div', { class: 'row choices' });
  /** What the request is about: its skill queue. */
  private readonly topic = el('select', { 'data-testid': 'cp-topic', class: 'topic' });
  private readonly denied = el('div', { class: 'row' });
  private readonly fallbackVoice = button('cp-fallback-voice', 'act');
  private readonly retryBtn = button('cp-retry', 'act primary');
  private readonly again = button('cp-start-again', 'act primary');
  private readonly extra = el('div', { class: 'extra' });
  /** Under the status, owned by another part (the callback's action and notes, callback.ts): it shows and hides its own content. */
  readonly notice = el('div', { class: 'notice' });
  private readonly media = el('div', { class: 'media', 'data-testid': 'cp-media' });
  private readonly voiceCard = el('div', { class: 'voice-card', 'data-testid': 'cp-voice-card' });
  private readonly avatar = el('span', { class: 'avatar', 'aria-hidden': 'true' });
  private readonly voiceName = el('span', { class: 'name', 'data-testid': 'cp-voice-name' });
  private readonly proposal = el('div', { class: 'banner proposal', 'data-testid': 'cp-proposal', role: 'alert' });
  private readonly proposalText = el('span');
  private readonly proposing = el('p', { class: 'note', 'data-testid': 'cp-proposing' });
  private readonly controls = el('div', { class: 'row controls' });
  private readonly muteBtn = button('cp-mute', 'act');
  private readonly cameraBtn = button('cp-camera', 'act');
  private readonly toChat = button('cp-to-chat', 'act');
  private readonly hangupBtn = button('cp-hangup', 'act danger');
  private readonly proposeVoice = button('cp-propose-voice', 'act');
  private readonly proposeVideo = button('cp-propose-video', 'act');
  private readonly chat = el('div', { class: 'chat' });
  private readonly form = el('form', { class: 'compose' });
  private readonly input = el('input', { 'data-testid': 'cp-chat-input', maxlength: String(MAX_CHAT_CHARS), autocomplete: 'off', enterkeyhint: 'send' });
  private readonly fileInput = el('input', { type: 'file', accept: UPLOAD_TYPES.join(','), 'data-testid': 'cp-file-input', hidden: '' });
  private readonly uploading = el('p', { class: 'note', 'data-testid': 'cp-uploading' });
  private readonly chatError = el('p', { class: 'note error', 'data-testid': 'cp-chat-error', role: 'alert' });

  private current: WidgetState = 'idle';
  private kind: CallKind | null = null;
  private agent: string | null = null;
  private proposalKind: CallKind | null = null;
  private proposingKind: CallKind | null = null;
  private readonly reasons = new Set<ReconnectReason>();
  private composing = false;

  constructor(
    root: ShadowRoot,
    /** The widget's language: its text, and the language a request asks for. */
    readonly lang: Lang,
    private readonly on: ViewActions,
  ) {
    const t = (this.t = catalogue(lang));
    this.log = new ChatLog(t, lang, (id) => on.resolveFileUrl(id));
    const style = el('style');
    style.textContent = css;
    this.panel.lang = LOCALES[lang];
    this.panel.setAttribute('aria-label', t.panel.title);

    const close = button('cp-close', 'close', '×', () => {
      this.panel.hidden = true;
      on.close();
    });
    close.setAttribute('aria-label', t.panel.close);
    const header = el('header');
    header.append(el('span', {}, t.panel.title), close);

    const topicLabel = el('label', { class: 'topic-label' }, t.start.topic);
    for (const type of Object.values(IssueType)) this.topic.append(Object.assign(el('option', {}, t.start.topics[type]), { value: type }));
    topicLabel.append(this.topic);
    this.choices.append(
      topicLabel,
      button('cp-start-chat', 'act', t.start.chat, () => on.start(MediaKind.Chat)),
      button('cp-start-voice', 'act', t.start.voice, () => on.start(MediaKind.Voice)),
      button('cp-start-video', 'act primary', t.start.video, () => on.start(MediaKind.Video)),
    );
    this.fallbackVoice.textContent = t.start.fallbackVoice;
    this.fallbackVoice.addEventListener('click', () => on.fallback(MediaKind.Voice));
    this.denied.append(this.fallbackVoice, button('cp-fallback-chat', 'act', t.start.fallbackChat, () => on.fallback(MediaKind.Chat)));
    this.retryBtn.textContent = t.start.retry;
    this.retryBtn.addEventListener('click', () => on.retry());
    this.again.textContent = t.start.again;
    this.again.addEventListener('click', () => on.startAgain());
    this.localVideo.muted = true;
    this.voiceCard.append(this.avatar, this.voiceName, el('span', { class: 'label' }, t.call.voiceLabel));
    this.media.append(this.remoteVideo, this.localVideo, this.voiceCard);

    this.proposal.append(
      this.proposalText,
      button('cp-proposal-accept', 'act primary', t.chatting.accept, () => on.acceptProposal()),
      button('cp-proposal-decline', 'act', t.chatting.decline, () => on.declineProposal()),
    );
    this.proposeVoice.textContent = t.chatting.proposeVoice;
    this.proposeVoice.addEventListener('click', () => on.propose(MediaKind.Voice));
    this.proposeVideo.textContent = t.chatting.proposeVideo;
    this.proposeVideo.addEventListener('click', () => on.propose(MediaKind.Video));

    toggle(this.muteBtn, t.call.unmute, t.call.mute, (p) => on.mute(p));
    toggle(this.cameraBtn, t.call.cameraOn, t.call.cameraOff, (p) => on.camera(p));
    this.toChat.textContent = t.call.toChat;
    this.toChat.addEventListener('click', () => on.stopMedia());
    this.hangupBtn.addEventListener('click', () => on.hangup());
    this.controls.append(this.muteBtn, this.cameraBtn, this.toChat, this.proposeVoice, this.proposeVideo, this.hangupBtn);

    this.wireCompose(t);
    this.chat.append(this.log.list, this.log.typing, this.uploading, this.chatError, this.form);

    const body = el('div', { class: 'body' });
    body.append(this.reconnecting, this.status, this.notice, this.extra, this.choices, this.denied, this.retryBtn, this.media, this.proposal, this.proposing, this.controls, this.chat, this.again);
    this.panel.append(header, body);
    root.append(style, this.panel);
    this.show('idle');
  }

  get state(): WidgetState {
    return this.current;
  }

  /** The issue type the shopper chose (the first, pre-sale, unless changed). */
  get issueType(): IssueType {
    return this.topic.value as IssueType;
  }

  /** Enters a state; `text` replaces the state's own words (e.g. an error's or the end's reason). */
  show(state: WidgetState, text?: string): void {
    this.current = state;
    this.panel.dataset.state = state;
    this.status.textContent = text ?? this.defaultText(state);
    if (TERMINAL.has(state)) {
      this.reasons.clear();
      this.proposalKind = this.proposingKind = null;
      this.log.setTyping(null);
      this.setUploading(null);
    }
    this.render();
  }

  /** Which call the media area shows (null: none; chat only). Set before `starting`/`connecting`. */
  setCall(kind: CallKind | null): void {
    this.kind = kind;
    this.render();
  }

  /** The agent's name (voice card, status texts); null while nobody has taken the conversation. */
  setAgent(name: string | null): void {
    this.agent = name;
    this.render();
  }

  /** Something is reconnecting (see ReconnectReason); each reason is on until turned off. The call is not over. */
  setReconnecting(on: boolean, reason: ReconnectReason = 'connection'): void {
    if (on) this.reasons.add(reason);
    else this.reasons.delete(reason);
    this.render();
  }

  /** The agent proposes a call during the chat (null: no proposal any more). */
  showProposal(kind: CallKind | null): void {
    this.proposalKind = kind;
    this.render();
  }

  /** The shopper's own proposal waits for the agent's answer (null: answered or withdrawn). */
  setProposing(kind: CallKind | null): void {
    this.proposingKind = kind;
    this.render();
  }

  /** A file being uploaded (null: done or failed). */
  setUploading(fileName: string | null): void {
    this.uploading.hidden = fileName === null;
    this.uploading.textContent = fileName === null ? '' : this.t.chat.uploading(fileName);
  }

  /** A problem with the chat (a refused upload or message) shown under the log; null clears it. */
  showChatError(text: string | null): void {
    this.chatError.hidden = text === null;
    this.chatError.textContent = text ?? '';
  }

  addMessage(m: MessageView): void {
    this.log.add(m);
    this.render();
  }

  /** The own messages still pending are exactly these (others were refused, and leave the log). */
  keepPending(clientIds: ReadonlySet<string>): void {
    this.log.dropPending(clientIds);
  }

  updateMark(id: string, mark: Mark): void {
    this.log.updateMark(id, mark);
  }

  /** Every own message up to `seq` is at least delivered / read (from the agent's marks). */
  markUpTo(seq: number, mark: Mark): void {
    this.log.markUpTo(seq, mark);
  }

  setTyping(name: string | null): void { this.log.setTyping(name); this.render(); }

  setOpen(open: boolean): void { this.panel.hidden = !open; }

  /** What shows under the status (ended: rating, ticket link; waiting: the offer to leave a message; offline: its form); "Start again" removes it. */
  setEndedExtra(part: HTMLElement | null): void {
    this.extra.replaceChildren(...(part ? [part] : []));
    this.render();
  }

  /** The call is over (the chat is not): no streams, toggles back to off. */
  clearMedia(): void {
    this.remoteVideo.srcObject = null;
    this.localVideo.srcObject = null;
    for (const [btn, label] of [[this.muteBtn, this.t.call.mute], [this.cameraBtn, this.t.call.cameraOff]] as const) {
      btn.setAttribute('aria-pressed', 'false');
      btn.textContent = label;
    }
  }

  /** Everything back to a fresh start (history too): for "Start again". */
  reset(): void {
    this.clearMedia();
    this.log.clear();
    this.kind = this.agent = this.proposalKind = this.proposingKind = null;
    this.extra.replaceChildren();
    this.reasons.clear();
    this.input.value = '';
    this.setUploading(null);
    this.showChatError(null);
    this.show('idle');
  }

  private defaultText(s: WidgetState): string {
    const t = this.t;
    const name = this.agent ?? t.panel.agent;
    const video = this.kind === MediaKind.Video;
    switch (s) {
      case 'idle': return t.start.intro;
      case 'starting': return video ? t.start.startingVideo : t.start.startingVoice;
      case 'media-denied': return video ? t.start.deniedVideo : t.start.deniedVoice;
      case 'queued': return t.wait.connecting;
      case 'no-agent': return t.wait.noAgent;
      case 'offered': return t.wait.offered;
      case 'connecting': return t.call.connecting(name);
      case 'in-call': return video ? t.call.inVideo(name) : t.call.inVoice(name);
      case 'chatting': return t.chatting.status(name);
      case 'ended': return t.endedDefault;
      case 'error': return t.errorGeneric;
      case 'offline': return t.offline.title;
    }
  }

  /** Shows and hides every part from the state and the overlays. */
  private render(): void {
    const s = this.current;
    const t = this.t;
    const live = LIVE.has(s);
    const talking = TALKING.has(s);
    const video = this.kind === MediaKind.Video;
    this.choices.hidden = s !== 'idle';
    this.denied.hidden = s !== 'media-denied';
    this.fallbackVoice.hidden = !video;
    this.retryBtn.hidden = s !== 'media-denied' && s !== 'error';
    this.again.hidden = s !== 'ended';
    this.extra.hidden = !(s === 'ended' || s === 'offline' || WAITING.has(s)) || !this.extra.hasChildNodes();

    // Video: remote and self while waiting and in the call; voice: the agent's card in the call.
    this.media.hidden = !(video ? live || WAITING.has(s) || s === 'starting' : this.kind !== null && live);
    this.media.dataset.kind = this.kind ?? '';
    const name = this.agent ?? t.panel.agent;
    this.voiceName.textContent = name;
    this.avatar.textContent = Array.from(name.trim())[0]?.toUpperCase() ?? '';

    const reason = REASONS.find((r) => this.reasons.has(r));
    const reconnecting = reason !== undefined && !TERMINAL.has(s);
    if (reconnecting) this.panel.dataset.reconnecting = 'true';
    else delete this.panel.dataset.reconnecting;
    this.reconnecting.hidden = !reconnecting;
    this.reconnecting.textContent = reason === 'media' ? t.call.reconnectingMedia : reason === 'agent' ? t.call.agentReconnecting(name) : t.call.reconnecting;

    const proposal = this.proposalKind;
    this.proposal.hidden = proposal === null || !talking;
    this.proposalText.textContent = proposal === MediaKind.Video ? t.chatting.proposalVideo(name) : t.chatting.proposalVoice(name);
    this.proposing.hidden = this.proposingKind === null || s !== 'chatting';
    this.proposing.textContent = this.proposingKind === MediaKind.Video ? t.chatting.proposingVideo : t.chatting.proposingVoice;
    this.proposeVoice.hidden = this.proposeVideo.hidden = s !== 'chatting' || proposal !== null || this.proposingKind !== null;

    this.controls.hidden = !(talking || s === 'starting');
    this.muteBtn.hidden = !live;
    this.cameraBtn.hidden = !(live && video);
    this.toChat.hidden = !live;
    this.hangupBtn.textContent = live || s === 'chatting' ? t.call.end : t.wait.cancel;

    // History stays visible after the end; writing needs a conversation.
    this.chat.hidden = s === 'offline' || !(talking || this.log.size > 0);
    this.form.hidden = !talking;
    this.input.placeholder = WAITING.has(s) ? t.wait.placeholder : t.chat.placeholder;
    if (!talking) this.showChatError(null);
  }

  private wireCompose(t: Catalogue): void {
    this.input.setAttribute('aria-label', t.chat.label);
    const attach = button('cp-attach', 'icon', '', () => this.fileInput.click());
    attach.append(paperclip());
    attach.setAttribute('aria-label', t.chat.attach);
    attach.title = t.chat.attach;
    const send = el('button', { class: 'act primary', type: 'submit', 'data-testid': 'cp-chat-send' }, t.chat.send);
    this.form.append(attach, this.fileInput, this.input, send);
    // Enter that confirms an IME composition (Chinese input) must not send.
    this.input.addEventListener('compositionstart', () => (this.composing = true));
    this.input.addEventListener('compositionend', () => setTimeout(() => (this.composing = false)));
    this.input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && (ev.isComposing || this.composing || ev.keyCode === 229)) ev.preventDefault();
    });
    this.input.addEventListener('input', () => this.input.value.trim() && this.on.typing());
    this.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = this.input.value.trim();
      if (!text || this.composing) return;
      if (this.on.send(text) !== false) {
        this.input.value = '';
        this.showChatError(null);
      }
    });
    this.fileInput.addEventListener('change', () => {
      const file = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (!file) return;
      const ok = (UPLOAD_TYPES as readonly string[]).includes(file.type);
      if (!ok || file.size > MAX_UPLOAD_BYTES) return this.showChatError(t.errors[ok ? ErrorCode.TooLarge : ErrorCode.UnsupportedType]);
      this.showChatError(null);
      this.on.attach(file);
    });
  }
}
