/**
 * The "media flowing" moment, one definition for the product (widget and console report
 * `call.media` then) and for the bench's bare PeerJS baseline. No imports: any page can use it.
 */
/** Resolves once the element renders frames of the stream. */
export function playStream(video: HTMLVideoElement, stream: MediaStream): Promise<void> {
  if (video.srcObject !== stream) video.srcObject = stream;
  video.playsInline = true;
  video.autoplay = true;
  void video.play().catch(() => {});
  return new Promise((resolve) => {
    const check = () => (video.videoWidth > 0 || stream.getVideoTracks().length === 0) && !video.paused;
    if (check()) return resolve();
    const done = () => {
      if (!check()) return;
      video.removeEventListener('playing', done);
      video.removeEventListener('resize', done);
      resolve();
    };
    video.addEventListener('playing', done);
    video.addEventListener('resize', done);
  });
}
