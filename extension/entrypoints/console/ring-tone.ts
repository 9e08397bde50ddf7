/**
 * The ring: two short tones every 2.5 s until stopped, made with Web Audio (no sound file in the
 * bundle). Returns the stop function. Where audio cannot start (no device, not allowed yet), it is silent.
 */
export function ringTone(): () => void {
  let ctx: AudioContext | null = null;
  try {
    ctx = new AudioContext();
  } catch {
    return () => {};
  }
  const beep = (at: number) => {
    if (!ctx) return;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.2, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.25);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + 0.3);
  };
  const ring = () => {
    if (!ctx) return;
    void ctx.resume().catch(() => {});
    beep(ctx.currentTime + 0.01);
    beep(ctx.currentTime + 0.4);
  };
  ring();
  const timer = setInterval(ring, 2500);
  return () => {
    clearInterval(timer);
    void ctx?.close().catch(() => {});
    ctx = null;
  };
}
