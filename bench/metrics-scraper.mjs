// bench/metrics's scraper: GET /metrics on one keep-alive connection every `interval` ms,
// `count` times at most (or until killed), each timed from request to the end of the answer.
// Usage: node bench/metrics-scraper.mjs PORT INTERVAL_MS COUNT  → one duration (ms) a line.
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const [port, interval, count] = process.argv.slice(2).map(Number);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const scrape = () =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent }, (response) => {
        response.resume();
        response.on('end', () => resolve(Number(process.hrtime.bigint() - started) / 1e6));
      })
      .on('error', reject);
  });
for (let i = 0; i < count; i += 1) {
  console.log((await scrape()).toFixed(3));
  if (interval > 0) await sleep(interval);
}
agent.destroy();
