// One test's world: the servers and browser pages it started, torn down afterwards whatever
// happened, with screenshots and logs kept when it failed. `scenario(name, body)` is node:test's
// `test` with that fixture around it:
//
//   scenario('two users call', async (scene) => {
//     const server = await scene.server();
//     const ana = await scene.user('ana', server);
//     ...
//   });

import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { launchBrowser } from './browser.mjs';
import { Client } from './client.mjs';
import { startCutProxy } from './cut-proxy.mjs';
import { REPO_ROOT, startServer } from './server.mjs';
import { TEST_MS } from './timeouts.mjs';

/** Screenshots of live calls, and everything a failed test left behind. Gitignored. */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts/e2e');

const slug = (text) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 80);

export class Scene {
  #browser = null; // a promise: users created at once share one launch
  #servers = [];
  #proxies = [];
  #clients = [];
  #logs = new Map(); // name -> array of lines, saved with a failure

  /** @param {{ browserArgs?: string[] }} options extra Chromium flags for this test's browser */
  constructor(name, { browserArgs = [] } = {}) {
    this.name = name;
    this.slug = slug(name);
    this.browserArgs = browserArgs;
  }

  /** Starts a switchboard (see startServer's options); it is stopped at teardown. */
  async server(options) {
    const server = await startServer(options);
    this.#servers.push(server);
    return server;
  }

  /**
   * A proxy in front of `server` that can cut every connection through it (lib/cut-proxy.mjs);
   * it is closed at teardown. Users loaded from it (`scene.user(name, proxy)`) go through it.
   */
  async cutProxy(server) {
    const proxy = await startCutProxy(server.port);
    this.#proxies.push(proxy);
    return proxy;
  }

  /**
   * A user in their own browser context (own storage, own fake devices), with the page at
   * `path` of `server` loaded; `room` and `params` (e.g. `{ relay: '1' }`) go into its URL.
   */
  async user(label, server, { path: pagePath = '/', room, params } = {}) {
    this.#browser ??= launchBrowser({ args: this.browserArgs });
    const { context, page } = await (await this.#browser).newPage();
    const client = new Client(label, context, page);
    this.#clients.push(client);
    await client.open(server, { path: pagePath, room, params });
    return client;
  }

  /**
   * Keeps `lines` (an array the caller goes on filling, e.g. a helper process's log) with the
   * artifacts of a failure, as `<name>.log`.
   */
  attachLog(name, lines) {
    this.#logs.set(name, lines);
  }

  /**
   * Saves a screenshot of each client's page as test-artifacts/e2e/<test>--<label>--<user>.png;
   * returns their paths relative to the repository.
   */
  async screenshot(label, clients) {
    fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
    const saved = [];
    for (const client of clients) {
      const file = path.join(ARTIFACTS_DIR, `${this.slug}--${label}--${client.label}.png`);
      await client.page.screenshot({ path: file });
      saved.push(path.relative(REPO_ROOT, file));
    }
    return saved;
  }

  /** What a failed test leaves for whoever reads the failure: pages, console logs, server logs. */
  async saveFailure(error) {
    const dir = path.join(ARTIFACTS_DIR, 'failures', this.slug);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'error.txt'), `${error?.stack ?? error}\n`);
    for (const client of this.#clients) {
      await client.page
        .screenshot({ path: path.join(dir, `${client.label}.png`), timeout: 5_000 })
        .catch(() => {});
      const log = path.join(dir, `${client.label}.console.log`);
      fs.writeFileSync(log, client.logs.join('\n') + '\n');
    }
    this.#servers.forEach((server, i) => {
      fs.writeFileSync(path.join(dir, `server-${i}.log`), server.log.join('\n') + '\n');
    });
    for (const [name, lines] of this.#logs) {
      fs.writeFileSync(path.join(dir, `${slug(name)}.log`), lines.join('\n') + '\n');
    }
    return dir;
  }

  async close() {
    const errors = [];
    // The server's Content-Security-Policy must allow everything the client does: a violation
    // (Chromium logs "Refused to ... Content Security Policy") fails the test that caused it.
    for (const client of this.#clients) {
      const violations = client.logs.filter((line) => /Content Security Policy/i.test(line));
      if (violations.length) {
        errors.push(new Error(`${client.label}: CSP violations:\n${violations.join('\n')}`));
      }
    }
    if (this.#browser) {
      await this.#browser.then((browser) => browser.close()).catch((error) => errors.push(error));
    }
    for (const proxy of this.#proxies) await proxy.close().catch((error) => errors.push(error));
    for (const server of this.#servers) await server.stop().catch((error) => errors.push(error));
    if (errors.length) throw new AggregateError(errors, `teardown of "${this.name}" failed`);
  }
}

/**
 * node:test's `test` with a Scene: started before `body`, torn down after it, also on failure.
 * `browserArgs`: extra Chromium flags (see Scene).
 */
export function scenario(name, body, { timeout = TEST_MS, browserArgs } = {}) {
  return test(name, { timeout }, async (t) => {
    const scene = new Scene(name, { browserArgs });
    try {
      await body(scene, t);
    } catch (error) {
      const dir = await scene.saveFailure(error).catch(() => null);
      if (dir) t.diagnostic(`failure artifacts: ${path.relative(REPO_ROOT, dir)}`);
      throw error;
    } finally {
      await scene.close();
    }
  });
}
