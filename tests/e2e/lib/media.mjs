// Proof that media really flows, read from the page itself: the remote <video> has a size and its
// time advances, and the peer connection's getStats() shows video frames being decoded. Screen
// share is told apart from the camera by shape: Chromium's fake camera is 4:3 (640x480), its
// fake screen wide (16:10 or 16:9, 1280 wide), and the encoder may scale either but keeps the
// aspect ratio.

import { STEP_MS, MEDIA_MS } from './timeouts.mjs';

// How often the page is sampled while waiting for a condition (a polling period, not a delay
// anything depends on: every wait below ends as soon as its condition holds).
const SAMPLE_EVERY_MS = 200;
// Frames that must be decoded between two samples before we call video "flowing".
const MIN_NEW_FRAMES = 5;
// Camera frames that must pass with no screen frame before we call the screen share stopped
// (about a second of video at the fake camera's 30 fps).
const STOPPED_WINDOW_FRAMES = 30;

const CAMERA_ASPECT = 640 / 480;
const SCREEN_MIN_ASPECT = 1.5; // 16:10 is 1.6, 16:9 is 1.78

const aspectOf = (stream) =>
  stream.frameWidth && stream.frameHeight ? stream.frameWidth / stream.frameHeight : 0;
const isScreen = (stream) => aspectOf(stream) > SCREEN_MIN_ASPECT;
const isCamera = (stream) => Math.abs(aspectOf(stream) - CAMERA_ASPECT) < 0.05;

/** One look at the page's remote video and its peer connection's inbound video. */
export async function sample(client) {
  return client.page.evaluate(async () => {
    const video = document.querySelector('[data-testid="remote-video"]');
    const pc = window.__switchboard?.pc?.();
    const inbound = [];
    if (pc && pc.connectionState !== 'closed') {
      (await pc.getStats()).forEach((report) => {
        if (report.type === 'inbound-rtp' && report.kind === 'video') {
          inbound.push({
            id: report.id,
            mid: report.mid,
            framesDecoded: report.framesDecoded ?? 0,
            frameWidth: report.frameWidth ?? 0,
            frameHeight: report.frameHeight ?? 0,
          });
        }
      });
    }
    return {
      at: performance.now(),
      hook: typeof window.__switchboard?.pc === 'function',
      pc: pc ? { connection: pc.connectionState, signaling: pc.signalingState } : null,
      video: video && {
        width: video.videoWidth,
        height: video.videoHeight,
        currentTime: video.currentTime,
        paused: video.paused,
      },
      inbound,
    };
  });
}

const totalFrames = (s) => s.inbound.reduce((sum, stream) => sum + stream.framesDecoded, 0);

/** Inbound streams of `current` that decoded at least `min` frames since `previous`. */
function risen(previous, current, min = 1) {
  const before = new Map(previous.inbound.map((stream) => [stream.id, stream.framesDecoded]));
  return current.inbound.filter(
    (stream) => stream.framesDecoded - (before.get(stream.id) ?? 0) >= min,
  );
}

/**
 * Samples `client` until `step(sample)` returns a truthy value (returned), or fails after
 * `timeout` with `what` and the last sample.
 */
async function sampleUntil(client, what, step, timeout = MEDIA_MS) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await sample(client);
    const done = step(last);
    if (done) return done;
    if (Date.now() > deadline) {
      const details = JSON.stringify(last);
      throw new Error(`${client.label}: ${what} within ${timeout} ms; last sample: ${details}`);
    }
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
  }
}

/**
 * Waits until video flows into `client`: the remote <video> has a size and its currentTime
 * advances, and getStats() shows framesDecoded rising between two samples.
 */
export async function expectVideoFlowing(client, { timeout = MEDIA_MS } = {}) {
  const playing = (s) => s.video?.width > 0 && totalFrames(s) > 0;
  const first = await sampleUntil(
    client,
    'remote video never got a size and decoded frames',
    (s) => playing(s) && s,
    timeout,
  );
  return sampleUntil(
    client,
    'remote video stopped: currentTime or framesDecoded did not advance',
    (s) =>
      playing(s) &&
      s.video.currentTime > first.video.currentTime &&
      totalFrames(s) - totalFrames(first) >= MIN_NEW_FRAMES &&
      s,
    timeout,
  );
}

/** expectVideoFlowing on every client at once. */
export async function expectMediaFlowing(...clients) {
  await Promise.all(clients.map((client) => expectVideoFlowing(client)));
}

/** Waits until `client` decodes frames of a screen share (wider than 4:3) from its peer. */
export async function expectScreenReceived(client, { timeout = MEDIA_MS } = {}) {
  let previous = await sample(client);
  await sampleUntil(
    client,
    'never decoded rising screen-share (wide) frames',
    (s) => {
      const ok = risen(previous, s, MIN_NEW_FRAMES).some(isScreen);
      previous = s;
      return ok;
    },
    timeout,
  );
}

/**
 * Waits until `client` receives no screen share any more while its camera video keeps flowing:
 * STOPPED_WINDOW_FRAMES camera (4:3) frames decoded in a row with no screen frame among them.
 */
export async function expectScreenStopped(client, { timeout = MEDIA_MS } = {}) {
  let windowStart = await sample(client);
  await sampleUntil(
    client,
    `still receiving screen-share frames, or no camera frames (${STOPPED_WINDOW_FRAMES} in a row)`,
    (s) => {
      const moved = risen(windowStart, s);
      if (moved.some((stream) => !isCamera(stream))) {
        windowStart = s; // a screen (or unknown) frame arrived: start the window again
        return false;
      }
      const before = new Map(windowStart.inbound.map((st) => [st.id, st.framesDecoded]));
      const cameraFrames = moved.reduce(
        (sum, stream) => sum + stream.framesDecoded - (before.get(stream.id) ?? 0),
        0,
      );
      return cameraFrames >= STOPPED_WINDOW_FRAMES;
    },
    timeout,
  );
}

/** The peer connection of `client` is connected and back in `stable`: no negotiation pending. */
export async function expectStable(client, { timeout = STEP_MS } = {}) {
  await sampleUntil(
    client,
    'peer connection never returned to signalingState "stable"',
    (s) => s.pc?.signaling === 'stable' && s.pc.connection === 'connected',
    timeout,
  );
}

/**
 * The session descriptions currently applied on `client`'s peer connection, and the client's
 * own negotiation counters when its debug hook exposes them (for diagnostics only).
 */
export async function descriptions(client) {
  return client.page.evaluate(() => {
    const pc = window.__switchboard?.pc?.();
    return {
      local: pc?.currentLocalDescription?.sdp ?? null,
      remote: pc?.currentRemoteDescription?.sdp ?? null,
      negotiation: window.__switchboard?.call?.negotiation ?? null,
    };
  });
}
