// Local media for a call: camera + microphone with graceful fallback, device choice, screen
// capture. Takes a MediaDevices-like object so tests can pass a fake; no DOM, no peer connection.
// Shortfalls come back as notices (call-notices.js), never as text.
import { Notice, MediaCause } from './call-notices.js';

export const MediaMode = Object.freeze({
  FULL: 'audio-video',
  AUDIO: 'audio-only',
  NONE: 'receive-only',
});

/** A notice for a getUserMedia failure: its cause, and the browser's message (if any). */
function failure(code, err) {
  return { code, cause: causeOf(err), message: err?.message || null };
}

function causeOf(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return MediaCause.DENIED;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return MediaCause.NOT_FOUND;
    case 'NotReadableError':
      return MediaCause.IN_USE;
    default:
      return MediaCause.OTHER;
  }
}

/**
 * Gets camera and microphone; without a camera (or permission for it), the microphone only;
 * without that either, nothing: the call still receives the other side. Never throws.
 * @returns {{ stream: MediaStream|null, mode: string, notice: object|null }} (call-notices.js)
 */
export async function getLocalMedia(mediaDevices, { audioId = null, videoId = null } = {}) {
  if (!mediaDevices?.getUserMedia) {
    return { stream: null, mode: MediaMode.NONE, notice: { code: Notice.NO_MEDIA_DEVICES } };
  }
  const audio = audioId ? { deviceId: { exact: audioId } } : true;
  const video = videoId ? { deviceId: { exact: videoId } } : true;
  try {
    return {
      stream: await mediaDevices.getUserMedia({ audio, video }),
      mode: MediaMode.FULL,
      notice: null,
    };
  } catch (videoErr) {
    try {
      const stream = await mediaDevices.getUserMedia({ audio });
      return { stream, mode: MediaMode.AUDIO, notice: failure(Notice.AUDIO_ONLY, videoErr) };
    } catch (audioErr) {
      return { stream: null, mode: MediaMode.NONE, notice: failure(Notice.RECEIVE_ONLY, audioErr) };
    }
  }
}

/** Cameras and microphones, for the pickers. Labels are empty until permission is granted
 *  (the picker then names them by position). */
export async function listDevices(mediaDevices) {
  if (!mediaDevices?.enumerateDevices) return { cameras: [], microphones: [] };
  const devices = await mediaDevices.enumerateDevices();
  const pick = (kind) =>
    devices
      .filter((d) => d.kind === kind && d.deviceId)
      .map((d) => ({ id: d.deviceId, label: d.label }));
  return { cameras: pick('videoinput'), microphones: pick('audioinput') };
}

/** Opens one device of `kind` ('audio' | 'video') and returns its track. */
export async function openDevice(mediaDevices, kind, deviceId) {
  const stream = await mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } });
  return stream.getTracks().find((t) => t.kind === kind);
}

/** Asks the user for a screen or window; returns { stream, track }, or null if the browser
 *  cannot capture one. Throws if refused. */
export async function captureScreen(mediaDevices) {
  if (!mediaDevices?.getDisplayMedia) return null;
  const stream = await mediaDevices.getDisplayMedia({ video: true, audio: false });
  return { stream, track: stream.getVideoTracks()[0] };
}

export function stopStream(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
