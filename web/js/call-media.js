// Local media for a call: camera + microphone with graceful fallback, device choice, screen
// capture. Takes a MediaDevices-like object so tests can pass a fake; no DOM, no peer connection.

export const MediaMode = Object.freeze({
  FULL: 'audio-video',
  AUDIO: 'audio-only',
  NONE: 'receive-only',
});

function describe(err) {
  switch (err?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'permission was denied';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'no device was found';
    case 'NotReadableError':
      return 'the device is in use by another program';
    default:
      return err?.message || 'it is unavailable';
  }
}

/**
 * Gets camera and microphone; without a camera (or permission for it), the microphone only;
 * without that either, nothing: the call still receives the other side. Never throws.
 * @returns {{ stream: MediaStream|null, mode: string, notice: string|null }}
 */
export async function getLocalMedia(mediaDevices, { audioId = null, videoId = null } = {}) {
  if (!mediaDevices?.getUserMedia) {
    return {
      stream: null,
      mode: MediaMode.NONE,
      notice:
        'This page cannot use a camera or microphone (it needs https or localhost): you can see and hear the other side only.',
    };
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
      return {
        stream,
        mode: MediaMode.AUDIO,
        notice: `Camera not used (${describe(videoErr)}): audio only.`,
      };
    } catch (audioErr) {
      return {
        stream: null,
        mode: MediaMode.NONE,
        notice: `No camera or microphone (${describe(audioErr)}): you can see and hear the other side only.`,
      };
    }
  }
}

/** Cameras and microphones, for the pickers. Labels are empty until permission is granted. */
export async function listDevices(mediaDevices) {
  if (!mediaDevices?.enumerateDevices) return { cameras: [], microphones: [] };
  const devices = await mediaDevices.enumerateDevices();
  const pick = (kind, fallback) =>
    devices
      .filter((d) => d.kind === kind && d.deviceId)
      .map((d, i) => ({ id: d.deviceId, label: d.label || `${fallback} ${i + 1}` }));
  return { cameras: pick('videoinput', 'Camera'), microphones: pick('audioinput', 'Microphone') };
}

/** Opens one device of `kind` ('audio' | 'video') and returns its track. */
export async function openDevice(mediaDevices, kind, deviceId) {
  const stream = await mediaDevices.getUserMedia({ [kind]: { deviceId: { exact: deviceId } } });
  return stream.getTracks().find((t) => t.kind === kind);
}

/** Asks the user for a screen or window; returns { stream, track }. Throws if refused. */
export async function captureScreen(mediaDevices) {
  if (!mediaDevices?.getDisplayMedia) throw new Error('screen sharing is not supported here');
  const stream = await mediaDevices.getDisplayMedia({ video: true, audio: false });
  return { stream, track: stream.getVideoTracks()[0] };
}

export function stopStream(stream) {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
