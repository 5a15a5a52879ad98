// Issue 8, finding 2: the MDN sample's client renders chat with
//   chatBox.innerHTML += "(" + timeStr + ") <b>" + msg.name + "</b>: " + msg.text + "<br>";
// Chat relayed by Switchboard must never run anything through that sink. A page in Chromium
// connects the way the sample does (subprotocol "json"), sends every payload, and renders what
// comes back with exactly that line. The page is not one Switchboard serves (the browser is handed
// it by a server of the test's own), so that our own Content-Security-Policy cannot be what
// stops the script: the text itself must be inert.

import assert from 'node:assert/strict';
import http from 'node:http';
import { describe } from 'node:test';
import { markupPayloads } from '../shared/markup-payloads.mjs';
import { scenario } from './lib/scene.mjs';
import { launchBrowser } from './lib/browser.mjs';
import { STEP_MS } from './lib/timeouts.mjs';

/**
 * A blank page from a little HTTP server of the test's own on 127.0.0.1 (the sample's client is
 * served by its own server too), with no CSP: loopback, so Chromium lets it reach Switchboard.
 */
async function openBlankPage(browser, t) {
  const pageServer = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>sample</title>');
  });
  await new Promise((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => pageServer.close(resolve)));
  const { page } = await browser.newPage();
  await page.goto(`http://127.0.0.1:${pageServer.address().port}/`);
  return page;
}

/** Runs in the page: the sample's connect, register, chat and render code, condensed. */
function runMdnChat({ url, texts }) {
  window.__hits = [];
  window.__hit = (n) => window.__hits.push(n);
  window.__rendered = 0;
  const chatBox = document.createElement('div');
  chatBox.id = 'chatbox';
  document.body.append(chatBox);
  const connection = new WebSocket(url, 'json');
  connection.onopen = () => {
    connection.send(JSON.stringify({ name: 'mallory', date: Date.now(), type: 'username' }));
    for (const text of texts) {
      connection.send(JSON.stringify({ text, type: 'message', id: 1, date: Date.now() }));
    }
  };
  connection.onmessage = (event) => {
    const msg = JSON.parse(event.data);
    if (msg.type !== 'message') return;
    const timeStr = new Date(msg.date).toLocaleTimeString();
    const text = '(' + timeStr + ') <b>' + msg.name + '</b>: ' + msg.text + '<br>';
    chatBox.innerHTML += text;
    window.__rendered += 1;
  };
}

describe('MDN sample client: chat through its innerHTML sink', () => {
  scenario('the sink itself runs markup (the check below can fail)', async (scene, t) => {
    const server = await scene.server();
    const browser = await launchBrowser();
    try {
      const page = await openBlankPage(browser, t);
      // The same sink, fed a payload directly instead of through the server.
      await page.evaluate(() => {
        window.__hits = [];
        window.__hit = (n) => window.__hits.push(n);
        const box = document.createElement('div');
        document.body.append(box);
        box.innerHTML += '(now) <b>x</b>: ' + '<img src=x onerror=__hit(1) ' + '<br>';
      });
      await page.waitForFunction(() => window.__hits.length > 0, null, { timeout: STEP_MS });
      assert.ok(server.alive());
    } finally {
      await browser.close();
    }
  });

  scenario('no relayed chat text runs or creates an element', async (scene, t) => {
    const server = await scene.server();
    const browser = await launchBrowser();
    try {
      const page = await openBlankPage(browser, t);
      const payloads = markupPayloads();
      await page.evaluate(runMdnChat, {
        url: `ws://127.0.0.1:${server.port}/`,
        texts: payloads.map((p) => p.text),
      });
      await page.waitForFunction((n) => window.__rendered === n, payloads.length, {
        timeout: STEP_MS,
      });
      // The only elements are the sink's own <b> and <br>: with no <img>, <svg>, <script>...
      // there is nothing whose handler could still fire later.
      const tags = await page.evaluate(() => [
        ...new Set([...document.querySelectorAll('#chatbox *')].map((e) => e.tagName)),
      ]);
      assert.deepEqual(tags.sort(), ['B', 'BR']);
      assert.equal(
        await page.evaluate(() => document.querySelectorAll('#chatbox b').length),
        payloads.length,
        'a payload swallowed the next line (an unclosed tag or comment)',
      );
      assert.deepEqual(await page.evaluate(() => window.__hits), []);
    } finally {
      await browser.close();
    }
  });
});
