import { MediaDeniedError, PeerCall, getLocalMedia } from '../../client/call';
import { playStream } from '../../client/media';
import { RealtimeClient } from '../../client/realtime';
import {
  CounterpartError,
  EndReason,
  EndedBy,
  ErrorCode,
  MediaKind,
  ShopperSessionResponse,
  apiRequest,
  type ServerMessageOf,
} from '../../protocol/index';
import type { Mount, WidgetConfig } from './config';
import { WidgetView } from './view';

const ERROR_TEXT: Partial<Record<ErrorCode, string>> = {
  [ErrorCode.OriginNotAllowed]: 'Video calls are not enabled on this site.',
  [ErrorCode.UnknownSite]: 'Video calls are not enabled on this site.',
  [ErrorCode.Internal]: 'We could not reach our video service. Please try again.',
};

function endedText(msg: ServerMessageOf<'call.ended'>): string {
  if (msg.reason === EndReason.ServerShutdown) return 'The call was interrupted. Please call again.';
  if (msg.reason === EndReason.Disconnected) return 'The connection was lost and the call ended.';
  if (msg.reason === EndReason.ConnectFailed) return 'We could not connect the call. Please try again.';
  return msg.endedBy === EndedBy.Shopper ? 'You ended the call. Thank you!' : 'The agent ended the call. Thank you!';
}

/** One call attempt from click to end; a new one is made for "Call again". */
class CallAttempt {
  private rt: RealtimeClient | null = null;
  private peer: PeerCall | null = null;
  private stream: MediaStream | null = null;
  private callId: string | null = null;
  private remotePeerId: string | null = null;
  private done = false;

  constructor(
    private readonly view: WidgetView,
    private readonly config: WidgetConfig,
    private readonly onFinish: () => void,
  ) {}

  async start(): Promise<void> {
    const { view, config } = this;
    performance.mark('counterpart:request');
    view.show('starting', 'Starting your camera…');
    try {
      const stream = (this.stream = await getLocalMedia(MediaKind.Video));
      if (this.done) return this.cleanup();
      view.localVideo.srcObject = stream;
      void view.localVideo.play().catch(() => {});
      const session = await apiRequest(config.baseUrl, '/api/shopper/session', ShopperSessionResponse, {
        body: { siteKey: config.siteKey, ...(config.customer ? { customer: config.customer } : {}) },
      });
      if (this.done) return this.cleanup();
      this.peer = await PeerCall.open({ baseUrl: config.baseUrl, token: session.token, localStream: stream });
      if (this.done) return this.cleanup();
      this.wirePeer(this.peer);
      this.connectRealtime(session.token, this.peer.peerId);
    } catch (err) {
      if (err instanceof MediaDeniedError) {
        this.cleanup();
        return view.show('media-denied', 'We need your camera and microphone for a video call. Allow them in your browser, then try again.');
      }
      this.fail(err);
    }
  }

  private connectRealtime(token: string, peerId: string): void {
    const { view, config } = this;
    const rt = (this.rt = new RealtimeClient({ baseUrl: config.baseUrl, token }));
    view.show('queued', 'Connecting you to the shop…');
    rt.on('connected', () => {
      if (!this.callId)
        rt.send({ type: 'call.request', media: MediaKind.Video, peerId, context: { productId: config.productId, pageUrl: location.href.slice(0, 2048) } });
    });
    rt.on('call.queued', (m) => {
      this.callId = m.callId;
      if (m.agentsAvailable === 0) view.show('no-agent', 'No agent is available right now. Stay here and we will connect you as soon as one is free.');
      else view.show('queued', m.position === 1 ? 'You are next in line.' : `You are number ${m.position} in line.`);
    });
    rt.on('call.ringing', (m) => {
      this.callId = m.callId;
      view.show('ringing', 'Calling an agent…');
    });
    rt.on('call.connect', (m) => {
      // Sent again after a reconnect: the call goes on as it was.
      if (this.remotePeerId === m.remotePeerId) return;
      this.remotePeerId = m.remotePeerId;
      this.callId = m.callId;
      this.peer?.expect(m.remotePeerId);
      view.show('connecting', `Connecting to ${m.remoteName}…`);
    });
    rt.on('call.ended', (m) => this.finish('ended', endedText(m)));
    rt.on('error', (m) => {
      if (!this.callId || m.callId === this.callId) this.fail(new CounterpartError(m.code, m.message));
    });
    rt.on('disconnected', ({ willRetry }) => {
      if (!willRetry) this.fail(new CounterpartError(ErrorCode.Unauthorized, 'Your session expired.'));
    });
    rt.connect();
  }

  private wirePeer(peer: PeerCall): void {
    const { view } = this;
    peer.on('remoteStream', (stream) => {
      void playStream(view.remoteVideo, stream).then(() => {
        if (this.done || !this.callId) return;
        performance.mark('counterpart:remote-playing', { detail: this.callId });
        this.rt?.send({ type: 'call.media', callId: this.callId });
        view.show('in-call', 'You are in a call.');
      });
    });
    peer.on('qos', (sample) => this.callId && this.rt?.send({ type: 'qos.sample', callId: this.callId, sample }));
    peer.on('chat', (line) => view.addChat(line));
    // The media connection died (ICE failed, the agent's browser vanished): end it for both.
    peer.on('closed', () => {
      if (this.done) return;
      if (this.callId) this.rt?.send({ type: 'call.hangup', callId: this.callId });
      this.finish('ended', 'The connection was lost and the call ended.');
    });
  }

  hangup(): void {
    if (this.callId) this.rt?.send({ type: 'call.hangup', callId: this.callId });
    this.finish('ended', this.callId ? 'You ended the call. Thank you!' : 'Cancelled.');
  }

  sendChat(text: string): boolean {
    const line = this.peer?.sendChat(text);
    if (line) this.view.addChat(line);
    return Boolean(line);
  }

  toggleMic(off: boolean): void {
    this.peer?.setMicEnabled(!off);
  }

  toggleCamera(off: boolean): void {
    this.peer?.setCameraEnabled(!off);
  }

  private fail(err: unknown): void {
    const e = err instanceof CounterpartError ? err : null;
    this.finish('error', (e && ERROR_TEXT[e.code]) ?? e?.message ?? 'Something went wrong. Please try again.');
  }

  private finish(state: 'ended' | 'error', text: string): void {
    if (this.done) return;
    this.cleanup();
    this.view.show(state, text);
  }

  private cleanup(): void {
    this.done = true;
    this.rt?.close();
    this.peer?.close();
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.view.reset();
    this.onFinish();
  }
}

export const mount: Mount = (root, launcher, config) => {
  const view = new WidgetView(root);
  let attempt: CallAttempt | null = null;
  const begin = () => {
    attempt = new CallAttempt(view, config, () => (attempt = null));
    void attempt.start();
  };
  view.show('idle', 'Talk to a shop assistant by video. No sign-up needed.');
  launcher.addEventListener('click', () => (view.panel.hidden = !view.panel.hidden));
  view.close.addEventListener('click', () => (view.panel.hidden = true));
  view.start.addEventListener('click', begin);
  view.retry.addEventListener('click', begin);
  view.hangup.addEventListener('click', () => attempt?.hangup());
  const toggle = (btn: HTMLButtonElement, on: string, off: string, apply: (pressed: boolean) => void) =>
    btn.addEventListener('click', () => {
      const pressed = btn.getAttribute('aria-pressed') !== 'true';
      btn.setAttribute('aria-pressed', String(pressed));
      btn.textContent = pressed ? on : off;
      apply(pressed);
    });
  toggle(view.mute, 'Unmute', 'Mute', (p) => attempt?.toggleMic(p));
  toggle(view.camera, 'Camera on', 'Camera off', (p) => attempt?.toggleCamera(p));
  view.chatForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (attempt?.sendChat(view.chatInput.value)) view.chatInput.value = '';
  });
};
