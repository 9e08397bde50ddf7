/** The camera and microphone for a media session (kept apart from media.ts, which has no imports). */
import { CounterpartError, ErrorCode, MediaKind } from '../protocol/index';

export class MediaDeniedError extends CounterpartError {
  constructor(cause: unknown) {
    super(ErrorCode.Forbidden, 'Camera or microphone access was denied', undefined, { cause });
    this.name = 'MediaDeniedError';
  }
}

/** Microphone for voice; microphone and camera for video. Throws MediaDeniedError when refused or missing. */
export async function getLocalMedia(kind: MediaKind.Voice | MediaKind.Video): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia({
      audio: true,
      video: kind === MediaKind.Video ? { width: 640, height: 480 } : false,
    });
  } catch (err) {
    throw new MediaDeniedError(err);
  }
}
