// Drives one user's page through the client's stable test hooks (data-testid, docs/client.md)
// and nothing else: if the client changes its markup but keeps its hooks, these tests still run.
// Every wait is bounded and waits for a condition, never for time.

import { within } from './server.mjs';
import { STEP_MS } from './timeouts.mjs';

/** Escapes `text` for use inside a RegExp. */
export const literal = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export class Client {
  /** Console output and page errors of this page, for failure reports. */
  logs = [];

  constructor(label, context, page) {
    this.label = label;
    this.context = context;
    this.page = page;
    page.on('console', (message) => this.logs.push(`[${message.type()}] ${message.text()}`));
    page.on('pageerror', (error) => this.logs.push(`[pageerror] ${error.stack ?? error}`));
  }

  /** Locator of one hook. */
  hook(id) {
    return this.page.getByTestId(id);
  }

  /** Loads `path` of `server`; `room` and each entry of `params` become URL parameters. */
  async open(server, { path = '/', room, params = {} } = {}) {
    const url = new URL(path, server.url);
    if (room) url.searchParams.set('room', room);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    await this.page.goto(url.href, { timeout: STEP_MS });
  }

  // ---- lobby --------------------------------------------------------------------------------

  /** Registers as `name` and waits until the lobby is usable (its chat input shows). */
  async login(name) {
    this.name = name;
    await this.hook('name-input').fill(name, { timeout: STEP_MS });
    await this.hook('login').click({ timeout: STEP_MS });
    await this.expectVisible('chat-input');
  }

  /** Waits until `name` is in this page's user list. */
  async expectListed(name) {
    await this.hook(`user-${name}`).waitFor({ state: 'visible', timeout: STEP_MS });
  }

  async chat(text) {
    await this.hook('chat-input').fill(text, { timeout: STEP_MS });
    await this.hook('chat-send').click({ timeout: STEP_MS });
  }

  /** Waits until the room chat log's text contains `text` verbatim. */
  async expectChat(text, { timeout = STEP_MS } = {}) {
    await this.waitForText('chat-log', text, { timeout });
  }

  /** Elements inside the chat log matching `selector` (markup a message must not have produced). */
  async chatElements(selector) {
    return this.hook('chat-log').locator(selector).count();
  }

  /** Chat with the peer during a call (the call view's own composer and log). */
  async chatInCall(text) {
    await this.hook('in-call-chat-input').fill(text, { timeout: STEP_MS });
    await this.hook('in-call-chat-send').click({ timeout: STEP_MS });
  }

  async expectCallChat(text, { timeout = STEP_MS } = {}) {
    await this.waitForText('in-call-chat-log', text, { timeout });
  }

  async callChatElements(selector) {
    return this.hook('in-call-chat-log').locator(selector).count();
  }

  // ---- calls ---------------------------------------------------------------------------------

  /** Calls `name` by clicking their entry in the user list. */
  async call(name) {
    await this.hook(`user-${name}`).click({ timeout: STEP_MS });
  }

  /** Waits for the incoming-call prompt naming `from`. */
  async expectRinging(from) {
    await this.waitForText('incoming-call', from);
  }

  async accept() {
    await this.hook('accept').click({ timeout: STEP_MS });
  }

  async decline() {
    await this.hook('decline').click({ timeout: STEP_MS });
  }

  async cancel() {
    await this.hook('cancel').click({ timeout: STEP_MS });
  }

  async hangup() {
    await this.hook('hangup').click({ timeout: STEP_MS });
  }

  async toggleScreenShare() {
    await this.hook('screen-share').click({ timeout: STEP_MS });
  }

  /**
   * Waits until the call's signaling has moved onto its data channel (both peers confirmed it),
   * after which the call no longer needs the server.
   */
  async expectPeerSignaling({ timeout = STEP_MS } = {}) {
    await this.expectVisible('route', { timeout });
  }

  /** Waits until the call-status text matches `pattern` (RegExp or substring). */
  async expectStatus(pattern, { timeout = STEP_MS } = {}) {
    await this.waitForText('call-status', pattern, { timeout });
  }

  /** Waits until the hook `id` is visible / hidden. */
  async expectVisible(id, { timeout = STEP_MS } = {}) {
    await this.hook(id).waitFor({ state: 'visible', timeout });
  }

  async expectHidden(id, { timeout = STEP_MS } = {}) {
    await this.hook(id).waitFor({ state: 'hidden', timeout });
  }

  /**
   * The call with `peer` is gone and everything it held released: no hang-up button, the peer
   * connection closed or dropped, every camera/microphone/screen track the page ever obtained
   * stopped, no live stream left in the videos, and the lobby back, where `peer` can be called.
   */
  async expectCallCleanedUp(peer, { timeout = STEP_MS } = {}) {
    await this.expectHidden('hangup', { timeout });
    await this.expectListed(peer);
    await this.page
      .waitForFunction(
        () => {
          const pc = window.__switchboard?.pc?.();
          const pcGone = !pc || pc.connectionState === 'closed' || pc.signalingState === 'closed';
          const live = (track) => track.readyState === 'live';
          const shown = [...document.querySelectorAll('video')].flatMap(
            (video) => video.srcObject?.getTracks() ?? [],
          );
          return pcGone && !window.__e2eCapturedTracks.some(live) && !shown.some(live);
        },
        null,
        { timeout, polling: 100 },
      )
      .catch(async (error) => {
        const state = JSON.stringify(await this.callState());
        throw new Error(`${this.label}: call not cleaned up: ${state}`, { cause: error });
      });
  }

  /** A snapshot of the call's visible and internal state, for failure messages. */
  async callState() {
    return within(
      this.page
        .evaluate(() => {
          const pc = window.__switchboard?.pc?.();
          const describe = (track) => `${track.kind}:${track.label}:${track.readyState}`;
          return {
            status: document.querySelector('[data-testid="call-status"]')?.textContent,
            pc: pc && { connection: pc.connectionState, signaling: pc.signalingState },
            captured: window.__e2eCapturedTracks.map(describe),
            videos: [...document.querySelectorAll('video')].map((video) => ({
              id: video.dataset.testid,
              tracks: video.srcObject?.getTracks().map(describe) ?? [],
            })),
          };
        })
        .catch((error) => ({ error: String(error) })),
      STEP_MS,
      { error: 'page did not answer' },
    );
  }

  // ---- generic waits -------------------------------------------------------------------------

  /** Waits until the form field `id` holds a non-empty value, and returns it. */
  async waitForValue(id, { timeout = STEP_MS } = {}) {
    const handle = await this.page.waitForFunction(
      (testId) => document.querySelector(`[data-testid="${testId}"]`)?.value || null,
      id,
      { timeout, polling: 100 },
    );
    return handle.jsonValue();
  }

  /** Waits until the text of hook `id` contains `pattern` (string: verbatim; or a RegExp). */
  async waitForText(id, pattern, { timeout = STEP_MS } = {}) {
    const source = pattern instanceof RegExp ? pattern.source : literal(pattern);
    const flags = pattern instanceof RegExp ? pattern.flags : '';
    try {
      await this.page.waitForFunction(
        ([testId, src, fl]) => {
          const element = document.querySelector(`[data-testid="${testId}"]`);
          return !!element && new RegExp(src, fl).test(element.textContent ?? '');
        },
        [id, source, flags],
        { timeout, polling: 100 },
      );
    } catch (error) {
      const text = await within(
        this.hook(id)
          .textContent({ timeout: 1_000 })
          .catch(() => '(no such element)'),
        2_000,
      );
      throw new Error(
        `${this.label}: [data-testid=${id}] never showed ${pattern} within ${timeout} ms; ` +
          `it shows: ${JSON.stringify(text)}`,
        { cause: error },
      );
    }
  }
}
