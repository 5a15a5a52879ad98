// Debian's Chromium driven by playwright-core (Playwright's own browser download does not work
// here, and we want the browser users actually get). Fake camera, microphone and screen; WebRTC
// allowed on loopback (the tests run in a namespace whose only interface is `lo`).

import { chromium } from 'playwright-core';
import { trackProcess } from './processes.mjs';
import { within } from './server.mjs';
import { PROCESS_MS } from './timeouts.mjs';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  // Host candidates on 127.0.0.1 are the only ones there are in a loopback-only namespace.
  '--allow-loopback-in-peer-connection',
  // Otherwise host candidates are hidden behind mDNS names nothing here can resolve.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  // Fake camera/microphone (a moving test pattern and a beep) and auto-accepted permission
  // prompts, getDisplayMedia included (it returns a fake screen).
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // Running as root in a container, without a GPU or any network beyond loopback.
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * SIGKILL to the browser's process group (Playwright starts the browser as a group leader, and
 * its renderer, GPU and utility processes stay in that group), and to the browser itself.
 */
function killGroup(pid, alive = true) {
  for (const target of alive ? [-pid, pid] : [-pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Runs in every page before its own scripts: keeps every camera, microphone and screen track the
 * page obtains in `window.__e2eCapturedTracks`, so a test can check that a call which ended
 * stopped them all (the camera light goes off) whatever the client did with its <video>s.
 * The originals are called synchronously, so getDisplayMedia keeps the click's user activation.
 */
function recordCapturedTracks() {
  const devices = navigator.mediaDevices;
  const tracks = [];
  Object.defineProperty(window, '__e2eCapturedTracks', { value: tracks });
  if (!devices) return;
  for (const method of ['getUserMedia', 'getDisplayMedia']) {
    const original = devices[method]?.bind(devices);
    if (!original) continue;
    devices[method] = (...args) =>
      original(...args).then((stream) => {
        tracks.push(...stream.getTracks());
        return stream;
      });
  }
}

/**
 * Launches one headless Chromium with a fresh, temporary profile (Playwright's default: a new
 * user-data-dir per launch, removed on close). launchServer + connect rather than launch: only a
 * BrowserServer tells us the browser's PID, which teardown needs.
 * @param {{ args?: string[] }} options args: flags after CHROMIUM_ARGS (e.g. a certificate's
 *   --ignore-certificate-errors-spki-list, which Chromium honours only with a user-data-dir,
 *   as here)
 */
export async function launchBrowser({ args = [] } = {}) {
  const server = await chromium.launchServer({
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    timeout: PROCESS_MS,
    host: '127.0.0.1',
  });
  const child = server.process();
  const pid = child.pid;
  const alive = () => child.exitCode === null && child.signalCode === null;
  const untrack = trackProcess(pid, () => killGroup(pid, alive()));
  const exited = new Promise((resolve) => {
    if (!alive()) resolve();
    else child.once('exit', resolve);
  });
  let browser;
  try {
    browser = await chromium.connect(server.wsEndpoint(), { timeout: PROCESS_MS });
  } catch (error) {
    killGroup(pid);
    throw error;
  }
  return {
    browser,
    pid,
    /** New isolated context (its own storage, like another person's browser) with one page. */
    async newPage() {
      const context = await browser.newContext({
        permissions: ['camera', 'microphone'],
        viewport: { width: 1280, height: 800 },
      });
      context.setDefaultTimeout(PROCESS_MS);
      await context.addInitScript(recordCapturedTracks);
      return { context, page: await context.newPage() };
    },
    /** Closes politely (bounded), then kills by PID the browser and any helper it left. */
    async close() {
      await within(
        (async () => {
          await browser.close().catch(() => {});
          await server.close().catch(() => {});
        })(),
        PROCESS_MS,
      );
      killGroup(pid, alive());
      if ((await within(exited.then(() => true), PROCESS_MS)) === null) {
        throw new Error(`browser ${pid} still running ${PROCESS_MS} ms after SIGKILL`);
      }
      untrack();
    },
  };
}
