/**
 * The "media flowing" moment, one definition for the product (widget and console report
 * `call.media` then) and for the bench's bare PeerJS baseline. No imports: any page can use it.
 */
/** Resolves once the element renders frames of the stream (its first frame presented, or its size known and playing). */
export function playStream(video: HTMLVideoElement, stream: MediaStream): Promise<void> {
  if (video.srcObject !== stream) video.srcObject = stream;
  video.playsInline = true;
  video.autoplay = true;
  void video.play().catch(() => {});
  return new Promise((resolve) => {
    const check = () => (video.videoWidth > 0 || stream.getVideoTracks().length === 0) && !video.paused;
    if (check()) return resolve();
    let settled = false;
    const done = (presented = false) => {
      if (settled || (!presented && !check())) return;
      settled = true;
      video.removeEventListener('playing', onEvent);
      video.removeEventListener('resize', onEvent);
      resolve();
    };
    const onEvent = () => done();
    video.addEventListener('playing', onEvent);
    video.addEventListener('resize', onEvent);
    // Where the browser tells when a frame reaches the screen, that is the moment (a hidden element gets none: the events above still tell).
    if (stream.getVideoTracks().length > 0 && typeof video.requestVideoFrameCallback === 'function') video.requestVideoFrameCallback(() => done(video.srcObject === stream));
  });
}
