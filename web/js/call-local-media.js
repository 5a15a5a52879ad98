// Our side's media during one call: the camera/microphone stream, mute, camera off, screen
// share and device switching. The peer connection is reached only through the CallSession
// passed in. release() ends everything and makes any step still awaiting a device back out.
// What went wrong is reported as a notice code (call-notices.js); the UI words it.
import { getLocalMedia, listDevices, openDevice, captureScreen, stopStream } from './call-media.js';
import { Notice } from './call-notices.js';

/** What the browser said went wrong (an error without a message reads as itself). */
function messageOf(err) {
  return err?.message || String(err);
}

export class LocalMedia {
  stream = null;
  mode = null;
  muted = false;
  cameraOff = false;
  sharing = false;

  #mediaDevices;
  #onChange;
  #screen = null;
  #generation = 0; // bumped by release(): async steps started before it give up

  /**
   * @param mediaDevices navigator.mediaDevices or a fake
   * @param onChange function(what) with what = 'stream' | 'state' | {notice} (call-notices.js)
   */
  constructor(mediaDevices, onChange) {
    this.#mediaDevices = mediaDevices;
    this.#onChange = onChange;
  }

  /** Opens camera and microphone (with fallbacks). Resolves null if released meanwhile. */
  async acquire() {
    const generation = this.#generation;
    const media = await getLocalMedia(this.#mediaDevices);
    if (generation !== this.#generation) {
      stopStream(media.stream);
      return null;
    }
    this.stream = media.stream;
    this.mode = media.mode;
    this.#onChange('stream');
    this.#onChange('state'); // the mode decides which controls make sense
    if (media.notice) this.#onChange({ notice: media.notice });
    return media;
  }

  toggleMute() {
    const tracks = this.stream?.getAudioTracks() ?? [];
    if (tracks.length === 0) return this.muted;
    this.muted = !this.muted;
    for (const t of tracks) t.enabled = !this.muted;
    this.#onChange('state');
    return this.muted;
  }

  /** A disabled video track sends black frames: no renegotiation needed. */
  toggleCamera() {
    const tracks = this.stream?.getVideoTracks() ?? [];
    if (tracks.length === 0) return this.cameraOff;
    this.cameraOff = !this.cameraOff;
    for (const t of tracks) t.enabled = !this.cameraOff;
    this.#onChange('state');
    return this.cameraOff;
  }

  /** Starts or stops sharing the screen on `session`; resolves to the sharing state. */
  async setScreenShare(session, on, { renegotiate }) {
    if (on === this.sharing) return this.sharing;
    if (!on) {
      session.stopScreen(this.stream?.getVideoTracks()[0] ?? null);
      this.#stopScreen();
      this.#onChange('state');
      return false;
    }
    const generation = this.#generation;
    let screen;
    try {
      screen = await captureScreen(this.#mediaDevices);
    } catch (err) {
      this.#onChange({ notice: { code: Notice.SCREEN_FAILED, message: messageOf(err) } });
      return false;
    }
    if (!screen) {
      this.#onChange({ notice: { code: Notice.SCREEN_UNSUPPORTED } });
      return false;
    }
    if (generation !== this.#generation || this.sharing) {
      stopStream(screen.stream);
      return this.sharing;
    }
    this.#screen = screen;
    // The browser's own "Stop sharing" button ends the track.
    screen.track.addEventListener('ended', () => {
      if (this.#screen === screen) this.setScreenShare(session, false, { renegotiate });
    });
    session.startScreen(screen.track, screen.stream, { renegotiate });
    this.sharing = true;
    this.#onChange('state');
    return true;
  }

  /** Cameras and microphones, plus the ids in use. */
  async devices() {
    const lists = await listDevices(this.#mediaDevices);
    const idOf = (track) => track?.getSettings?.().deviceId ?? null;
    return {
      ...lists,
      cameraId: idOf(this.stream?.getVideoTracks()[0]),
      microphoneId: idOf(this.stream?.getAudioTracks()[0]),
    };
  }

  /** Switches camera ('video') or microphone ('audio') on `session`, keeping mute state. */
  async useDevice(session, kind, deviceId) {
    const old = this.stream?.getTracks().find((t) => t.kind === kind);
    if (!old) return false;
    const generation = this.#generation;
    let track;
    try {
      track = await openDevice(this.#mediaDevices, kind, deviceId);
    } catch (err) {
      this.#onChange({ notice: { code: Notice.SWITCH_FAILED, kind, message: messageOf(err) } });
      return false;
    }
    if (generation !== this.#generation) {
      track.stop();
      return false;
    }
    track.enabled = old.enabled;
    await session.replaceTrack(kind, track);
    this.stream.removeTrack(old);
    this.stream.addTrack(track);
    old.stop();
    this.#onChange('stream');
    return true;
  }

  /** Stops every track and resets; pending steps will back out. */
  release() {
    this.#generation += 1;
    stopStream(this.stream);
    this.#stopScreen();
    this.stream = null;
    this.mode = null;
    this.muted = false;
    this.cameraOff = false;
  }

  #stopScreen() {
    stopStream(this.#screen?.stream);
    this.#screen = null;
    this.sharing = false;
  }
}
