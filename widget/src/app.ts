import { MediaDeniedError, PeerCall, getLocalMedia } from '../../client/call';
import { playStream } from '../../client/media';
import { RealtimeClient, ticketsFor } from '../../client/realtime';
import {
  CounterpartError,
  CustomerVouch,
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
  [ErrorCode.QueueFull]: 'All our agents are busy and the queue is full. Please try again in a few minutes.',
  [ErrorCode.RateLimited]: 'Too many attempts from your connection. Please wait a minute and try again.',
  [ErrorCode.Unavailable]: 'Our video service is restarting. Please try again in a moment.',
  [ErrorCode.InvalidIdentity]: 'We could not confirm your shop account. Reload the page and try again.',
};

function endedText(msg: ServerMessageOf<'call.ended'>): string {
  if (msg.reason === EndReason.ServerShutdown || msg.reason === EndReason.ServerRestart) return 'The call was interrupted. Please call again.';
  if (msg.reason === EndReason.QueueTimeout) return 'Sorry, no one could take your call in time. Please try again later.';
  if (msg.reason === EndReason.Disconnected) return 'The connection was lost and the call ended.';
  if (msg.reason === EndReason.ConnectFailed) return 'We could not connect the call. Please try again.';
  return msg.endedBy === EndedBy.Shopper ? 'You ended the call. Thank you!' : 'The agent ended the call. Thank you!';
}

/** A fresh, single-use vouch from the shop for its signed-in customer; null for a guest or on failure. */
async function fetchVouch(url: string | null): Promise<CustomerVouch | null> {
  if (!url) return null;
  try {
    const res = await fetch(new URL(url, location.href), { credentials: 'same-origin', cache: 'no-store' });
    if (res.status !== 200) return null;
    const parsed = CustomerVouch.safeParse(await res.json());
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** One call attempt from click to end; a new one is made for "Call again". */
class CallAttempt {
  private rt: RealtimeClient | null = null;
  private peer: PeerCall | null = null;
  private stream: MediaStream | null = null;
  private callId: string | null = null;
  private remotePeerId: string | null = null;
  private token: string | null = null;
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
      // The shop's vouch for its signed-in customer is fetched while the camera starts.
      const customer = fetchVouch(config.vouchUrl);
      const stream = (this.stream = await getLocalMedia(MediaKind.Video));
      if (this.done) return this.cleanup();
      view.localVideo.srcObject = stream;
      void view.localVideo.play().catch(() => {});
      const vouch = await customer;
      const session = await apiRequest(config.baseUrl, '/api/shopper/session', ShopperSessionResponse, {
        body: { siteKey: config.siteKey, ...(vouch ? { customer: vouch } : {}) },
      });
      if (this.done) return this.cleanup();
      this.token = session.token;
      this.connectRealtime(session);
    } catch (err) {
      if (err instanceof MediaDeniedError) {
        this.cleanup();
        return view.show('media-denied', 'We need your camera and microphone for a video call. Allow them in your browser, then try again.');
      }
      this.fail(err);
    }
  }

  private connectRealtime(session: ShopperSessionResponse): void {
    const { view, config } = this;
    const tickets = ticketsFor(config.baseUrl, () => this.token, session.ticket);
    const rt = (this.rt = new RealtimeClient({ baseUrl: config.baseUrl, tickets }));
    view.show('queued', 'Connecting you to the shop…');
    rt.on('connected', () => {
      // Back after a drop or a server restart: ask where the call stands (gone → call.ended).
      if (this.callId) rt.send({ type: 'call.resume', callId: this.callId });
      else rt.send({ type: 'call.request', media: MediaKind.Video, context: { productId: config.productId, pageUrl: location.origin + location.pathname } });
    });
    rt.on('call.queued', (m) => {
      this.haveCall(m.callId);
      if (!m.agentAvailable) view.show('no-agent', 'No agent is available right now. Stay here and we will connect you as soon as one is free.');
      else view.show('queued', m.position === 1 ? 'You are next in line.' : `You are number ${m.position} in line.`);
    });
    rt.on('call.ringing', (m) => {
      this.haveCall(m.callId);
      view.show('ringing', 'Calling an agent…');
    });
    rt.on('call.connect', (m) => {
      // Sent again after a reconnect: the call goes on as it was.
      if (this.remotePeerId === m.remotePeerId) return;
      this.haveCall(m.callId);
      this.remotePeerId = m.remotePeerId;
      this.peer?.expect(m.remotePeerId);
      view.show('connecting', `Connecting to ${m.remoteName}…`);
    });
    rt.on('call.ended', (m) => this.finish('ended', endedText(m)));
    rt.on('error', (m) => {
      // Asked after a call the server no longer knows (e.g. after a restart): it is over.
      if (m.code === ErrorCode.CallNotFound && m.callId && m.callId === this.callId) return this.finish('ended', 'The call was interrupted. Please call again.');
      if (!this.callId || m.callId === this.callId) this.fail(new CounterpartError(m.code, m.message));
    });
    rt.on('disconnected', ({ willRetry }) => {
      if (!willRetry) this.fail(new CounterpartError(ErrorCode.Unauthorized, 'Your session expired.'));
    });
    rt.connect();
  }

  /**
   * The request exists: only now does the server hand out a peer id and TURN credentials, so
   * the peer connects while the shopper waits (the agent's ring takes longer than this).
   */
  private haveCall(callId: string): void {
    if (this.callId === callId) return;
    this.callId = callId;
    void this.openPeer();
  }

  private async openPeer(): Promise<void> {
    try {
      const peer = await PeerCall.open({ baseUrl: this.config.baseUrl, token: this.token!, localStream: this.stream! });
      if (this.done) return peer.close();
      this.peer = peer;
      this.wirePeer(peer);
      if (this.remotePeerId) peer.expect(this.remotePeerId);
    } catch (err) {
      if (!this.done) this.fail(err);
    }
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
