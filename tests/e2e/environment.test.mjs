// The harness itself, before any test of the client: the real server serves web/ on 127.0.0.1
// as a secure context, and Chromium in this loopback-only namespace can do what the call tests
// need (fake camera and screen, WebRTC over loopback host candidates). When these fail, the
// machine is at fault, not the client.

import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { scenario } from './lib/scene.mjs';
import { STEP_MS, MEDIA_MS } from './lib/timeouts.mjs';

describe('e2e environment', () => {
  scenario('the server serves the client on 127.0.0.1 as a secure context', async (scene) => {
    const server = await scene.server();
    const page = (await scene.user('visitor', server)).page;
    assert.equal(new URL(page.url()).origin, server.url);
    assert.equal(await page.evaluate(() => window.isSecureContext), true);
    const health = await page.evaluate(async () => (await fetch('/healthz')).json());
    assert.equal(health.status, 'ok');
  });

  scenario('two browser contexts exchange fake-camera video over loopback', async (scene) => {
    const server = await scene.server();
    const [a, b] = [await scene.user('a', server), await scene.user('b', server)];
    // A bare peer connection in each page, signaled by the test itself (no client code).
    const setup = (page) =>
      page.evaluate(() => {
        const pc = new RTCPeerConnection();
        window.__env = { pc, candidates: [] };
        pc.onicecandidate = (event) => {
          if (event.candidate) window.__env.candidates.push(event.candidate.toJSON());
        };
        pc.ontrack = (event) => {
          const video = document.createElement('video');
          video.id = 'env-video';
          video.muted = true;
          video.autoplay = true;
          video.srcObject = event.streams[0];
          document.body.append(video);
        };
      });
    await Promise.all([setup(a.page), setup(b.page)]);
    await a.page.evaluate(async () => {
      const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
      stream.getTracks().forEach((track) => window.__env.pc.addTrack(track, stream));
    });
    const complete = (page) =>
      page.waitForFunction(() => window.__env.pc.iceGatheringState === 'complete', null, {
        timeout: STEP_MS,
      });
    const offer = await a.page.evaluate(async () => {
      await window.__env.pc.setLocalDescription();
      return window.__env.pc.localDescription.toJSON();
    });
    const answer = await b.page.evaluate(async (description) => {
      await window.__env.pc.setRemoteDescription(description);
      await window.__env.pc.setLocalDescription();
      return window.__env.pc.localDescription.toJSON();
    }, offer);
    await a.page.evaluate((sdp) => window.__env.pc.setRemoteDescription(sdp), answer);
    await Promise.all([complete(a.page), complete(b.page)]);
    const candidatesOf = (page) => page.evaluate(() => window.__env.candidates);
    const addAll = (page, candidates) =>
      page.evaluate(async (list) => {
        for (const candidate of list) await window.__env.pc.addIceCandidate(candidate);
      }, candidates);
    const [fromA, fromB] = [await candidatesOf(a.page), await candidatesOf(b.page)];
    // Loopback host candidates, not mDNS names: the Chromium flags took effect.
    for (const candidate of [...fromA, ...fromB]) {
      assert.match(candidate.candidate, / 127\.0\.0\.1 \d+ typ host/, candidate.candidate);
    }
    await Promise.all([addAll(a.page, fromB), addAll(b.page, fromA)]);
    await b.page.waitForFunction(
      () => {
        const video = document.getElementById('env-video');
        return video?.videoWidth === 640 && video.currentTime > 0.5;
      },
      null,
      { timeout: MEDIA_MS, polling: 100 },
    );
    const decoded = () =>
      b.page.evaluate(async () => {
        let frames = 0;
        (await window.__env.pc.getStats()).forEach((report) => {
          if (report.type === 'inbound-rtp' && report.kind === 'video') {
            frames += report.framesDecoded;
          }
        });
        return frames;
      });
    const first = await decoded();
    assert.ok(first > 0, 'frames decoded');
    await b.page.waitForFunction(
      () => document.getElementById('env-video').currentTime > 1.5,
      null,
      { timeout: MEDIA_MS, polling: 100 },
    );
    assert.ok((await decoded()) > first, 'framesDecoded rises');
  });

  scenario('a click gets a fake screen from getDisplayMedia', async (scene) => {
    const server = await scene.server();
    const { page } = await scene.user('sharer', server);
    await page.evaluate(() => {
      const button = document.createElement('button');
      button.id = 'share';
      button.textContent = 'share';
      button.onclick = async () => {
        try {
          const stream = await navigator.mediaDevices.getDisplayMedia({ video: true });
          window.__shared = stream.getVideoTracks()[0].getSettings();
        } catch (error) {
          window.__shared = { error: String(error) };
        }
      };
      document.body.prepend(button);
    });
    await page.click('#share');
    const settings = await (
      await page.waitForFunction(() => window.__shared, null, { timeout: STEP_MS })
    ).jsonValue();
    assert.equal(settings.error, undefined);
    assert.ok(settings.width / settings.height > 1.5, JSON.stringify(settings));
  });
});
