import { PeerCall, getLocalMedia, type ChatLine } from '../../../client/call';
import { playStream } from '../../../client/media';
import { RealtimeClient, ticketsFor } from '../../../client/realtime';
import { keepSessionFresh, signOutSession } from '../../../client/session';
import {
  AgentState,
  CallContext,
  CounterpartError,
  EndedBy,
  ErrorCode,
  LoginResponse,
  Presence,
  RingEndReason,
  Role,
  apiRequest,
  type ServerMessageOf,
  type UserView,
} from '../../../protocol/index';
import type { OverlayCommand, OverlayState } from '../../lib/bridge';

export type Ring = ServerMessageOf<'call.ring'>;
export type ActiveCall = {
  id: string;
  remoteName: string;
  phase: 'connecting' | 'in-call';
  muted: boolean;
  cameraOff: boolean;
  chat: ChatLine[];
  dataReady: boolean;
  context: CallContext | null;
};

const RING_END_TEXT: Record<RingEndReason, string> = {
  [RingEndReason.Declined]: 'You declined the call.',
  [RingEndReason.Timeout]: 'You missed a call, so your status is now Away.',
  [RingEndReason.Cancelled]: 'The shopper hung up before you answered.',
  [RingEndReason.Accepted]: '',
  [RingEndReason.ServerRestart]: 'The service restarted; the call was ended.',
};

/**
 * The agent's side of Counterpart, living in the console page so that navigating the admin
 * cannot end a call: session, presence, ringing, the PeerJS call, chat and QoS reports.
 */
export class AgentConsole {
  user = $state<UserView | null>(null);
  baseUrl = $state('');
  online = $state(false);
  presence = $state<Presence>(Presence.Away);
  agentState = $state<AgentState>(AgentState.Offline);
  ring = $state<Ring | null>(null);
  call = $state<ActiveCall | null>(null);
  notice = $state<string | null>(null);
  error = $state<string | null>(null);
  remoteVideo: HTMLVideoElement | null = null;
  localVideo: HTMLVideoElement | null = null;

  private token: string | null = null;
  private session: AbortController | null = null;
  private rt: RealtimeClient | null = null;
  private peer: PeerCall | null = null;
  /** Camera and peer id, prepared while ringing so that accepting connects at once. */
  private prepared: { callId: string; peer: Promise<PeerCall> } | null = null;
  /** The presence the agent chose, restored after a reconnect. */
  private wanted: Presence.Available | Presence.Away | null = null;

  async signIn(baseUrl: string, email: string, password: string): Promise<void> {
    this.error = null;
    try {
      const res = await apiRequest(baseUrl, '/api/auth/login', LoginResponse, { body: { email, password } });
      if (res.user.role !== Role.Agent) throw new CounterpartError(ErrorCode.Forbidden, 'This is not an agent account.');
      this.baseUrl = baseUrl;
      this.token = res.token;
      this.user = res.user;
      this.session = new AbortController();
      keepSessionFresh({
        baseUrl,
        session: res,
        signal: this.session.signal,
        onRenewed: (s) => {
          this.token = s.token;
          // The socket would be closed at the old token's expiry: extend it.
          void this.rt?.renew().catch(() => {});
        },
        onExpired: () => this.expire(),
      });
      this.connect();
    } catch (err) {
      this.error = err instanceof CounterpartError ? err.message : 'Sign-in failed.';
      throw err;
    }
  }

  signOut(): void {
    if (this.token) void signOutSession(this.baseUrl, this.token);
    this.session?.abort();
    this.session = null;
    this.endLocalCall();
    this.rt?.close();
    this.rt = null;
    this.token = null;
    this.user = null;
    this.online = false;
  }

  private connect(): void {
    const rt = (this.rt = new RealtimeClient({ baseUrl: this.baseUrl, tickets: ticketsFor(this.baseUrl, () => this.token) }));
    rt.on('connected', () => {
      this.online = true;
      if (this.wanted) rt.send({ type: 'presence.set', presence: this.wanted });
    });
    rt.on('disconnected', ({ willRetry }) => {
      this.online = false;
      if (!willRetry && this.rt === rt) this.expire();
    });
    rt.on('agent.self', (m) => {
      this.presence = m.presence;
      this.agentState = m.state;
      if (m.presence !== Presence.Offline) this.wanted = m.presence;
      // The server is the truth: a ring or call it no longer has is gone here too.
      if (m.state !== AgentState.Ringing && this.ring) {
        this.ring = null;
        this.dropPrepared();
      }
      if (m.state !== AgentState.Busy && this.call) this.endLocalCall();
    });
    rt.on('call.ring', (m) => this.onRing(m));
    rt.on('call.ring.end', (m) => {
      if (this.ring?.callId !== m.callId) return;
      this.ring = null;
      if (m.reason !== RingEndReason.Accepted) {
        this.notice = RING_END_TEXT[m.reason];
        this.dropPrepared();
      }
    });
    rt.on('call.connect', (m) => void this.onConnect(m));
    rt.on('call.ended', (m) => {
      if (this.call?.id !== m.callId) return;
      this.notice = m.endedBy === EndedBy.Shopper ? 'The shopper ended the call.' : m.endedBy === EndedBy.Agent ? 'You ended the call.' : 'The call ended.';
      this.endLocalCall();
    });
    rt.on('error', (m) => (this.error = m.message));
    rt.connect();
  }

  private expire(): void {
    this.token = null; // already ended on the server: nothing to sign out of
    this.signOut();
    this.error = 'Your session expired. Please sign in again.';
  }

  setPresence(presence: Presence.Available | Presence.Away): void {
    this.notice = null;
    this.wanted = presence;
    this.rt?.send({ type: 'presence.set', presence });
  }

  private onRing(m: Ring): void {
    this.dropPrepared();
    this.ring = m;
    this.notice = null;
    this.error = null;
    const peer = getLocalMedia(m.media).then(async (localStream) => {
      try {
        return await PeerCall.open({ baseUrl: this.baseUrl, token: this.token!, localStream });
      } catch (err) {
        for (const t of localStream.getTracks()) t.stop();
        throw err;
      }
    });
    peer.catch((err: unknown) => (this.error = err instanceof Error ? err.message : 'Camera or microphone unavailable.'));
    this.prepared = { callId: m.callId, peer };
  }

  /** Releases the camera and peer id prepared for a ring that was not taken. */
  private dropPrepared(): void {
    const p = this.prepared;
    this.prepared = null;
    void p?.peer.then((peer) => peer.close(), () => {});
  }

  async accept(): Promise<void> {
    const ring = this.ring;
    if (!ring || this.prepared?.callId !== ring.callId) return;
    performance.mark('counterpart:accept', { detail: ring.callId });
    try {
      const peer = await this.prepared.peer;
      this.rt?.send({ type: 'call.accept', callId: ring.callId, peerId: peer.peerId });
    } catch {
      this.decline();
    }
  }

  decline(): void {
    if (this.ring) this.rt?.send({ type: 'call.decline', callId: this.ring.callId });
  }

  private async onConnect(m: ServerMessageOf<'call.connect'>): Promise<void> {
    if (this.call?.id === m.callId) return; // sent again after a reconnect: the call goes on
    const prepared = this.prepared?.callId === m.callId ? this.prepared : null;
    this.prepared = null;
    let peer: PeerCall | null = null;
    try {
      peer = prepared ? await prepared.peer : null;
    } catch {
      peer = null;
    }
    // Nothing to connect with (console reopened, camera failed): end it rather than leave the shopper waiting.
    if (!peer) return void this.rt?.send({ type: 'call.hangup', callId: m.callId });
    this.peer = peer;
    this.wirePeer(peer, m.callId);
    // Place the call before any rendering: the offer should not wait behind UI work.
    peer.place(m.remotePeerId, m.callId);
    this.call = { id: m.callId, remoteName: m.remoteName, phase: 'connecting', muted: false, cameraOff: false, chat: [], dataReady: false, context: null };
    if (this.localVideo) {
      this.localVideo.srcObject = peer.localStream;
      void this.localVideo.play().catch(() => {});
    }
    try {
      const context = await apiRequest(this.baseUrl, `/api/calls/${encodeURIComponent(m.callId)}/context`, CallContext, { token: this.token! });
      if (this.call?.id === m.callId) this.call.context = context;
    } catch (err) {
      this.notice = err instanceof CounterpartError ? `Customer details unavailable: ${err.message}` : 'Customer details unavailable.';
    }
  }

  private wirePeer(peer: PeerCall, callId: string): void {
    peer.on('remoteStream', (stream) => {
      if (!this.remoteVideo) return;
      void playStream(this.remoteVideo, stream).then(() => {
        if (this.call?.id !== callId) return;
        performance.mark('counterpart:remote-playing', { detail: callId });
        this.call.phase = 'in-call';
        this.rt?.send({ type: 'call.media', callId });
      });
    });
    peer.on('dataOpen', () => this.call?.id === callId && (this.call.dataReady = true));
    peer.on('chat', (line) => this.call?.id === callId && this.call.chat.push(line));
    peer.on('qos', (sample) => this.rt?.send({ type: 'qos.sample', callId, sample }));
    // The media connection died (ICE failed, the shopper's browser vanished): end the call.
    peer.on('closed', () => this.call?.id === callId && this.hangup());
  }

  hangup(): void {
    if (!this.call) return;
    this.rt?.send({ type: 'call.hangup', callId: this.call.id });
  }

  sendChat(text: string): boolean {
    const line = this.peer?.sendChat(text);
    if (line && this.call) this.call.chat.push(line);
    return Boolean(line);
  }

  toggleMute(): void {
    if (!this.call || !this.peer) return;
    this.call.muted = !this.call.muted;
    this.peer.setMicEnabled(!this.call.muted);
  }

  toggleCamera(): void {
    if (!this.call || !this.peer) return;
    this.call.cameraOff = !this.call.cameraOff;
    this.peer.setCameraEnabled(!this.call.cameraOff);
  }

  private endLocalCall(): void {
    this.peer?.close();
    this.peer = null;
    this.dropPrepared();
    this.call = null;
    this.ring = null;
    if (this.remoteVideo) this.remoteVideo.srcObject = null;
    if (this.localVideo) this.localVideo.srcObject = null;
  }

  /** What the admin-page overlays mirror. */
  overlayState(): OverlayState {
    return {
      signedIn: this.user !== null,
      agentName: this.user?.name ?? null,
      presence: this.presence,
      agentState: this.agentState,
      ring: this.ring ? { callId: this.ring.callId, customerName: this.ring.customer?.name ?? null, productName: this.ring.product?.name ?? null } : null,
      call: this.call
        ? { callId: this.call.id, remoteName: this.call.remoteName, phase: this.call.phase, muted: this.call.muted, cameraOff: this.call.cameraOff, context: $state.snapshot(this.call.context) }
        : null,
    };
  }

  command(cmd: OverlayCommand): void {
    if (cmd.type === 'accept') void this.accept();
    else if (cmd.type === 'decline') this.decline();
    else if (cmd.type === 'hangup') this.hangup();
    else if (cmd.type === 'toggle-mute') this.toggleMute();
    else this.toggleCamera();
  }
}
