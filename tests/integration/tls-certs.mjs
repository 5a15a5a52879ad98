// Test certificates for the TLS tests, made by scripts/dev-cert.sh (so the script the README
// tells developers to run is exercised by every run): a fresh CA and a server certificate in a
// temp folder, and reissue() for a new certificate from the same CA into the same files (what a
// certificate renewal looks like to a server that reloads on SIGHUP).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WAIT_MS } from './timeouts.mjs';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DEV_CERT_SCRIPT = path.join(REPO_ROOT, 'scripts/dev-cert.sh');

const run = promisify(execFile);

// Folders not removed by their test (a failure half-way) go when the test process exits.
const leftoverDirs = new Set();
process.on('exit', () => {
  for (const dir of leftoverDirs) fs.rmSync(dir, { recursive: true, force: true });
});

async function runDevCert(dir, { rsa = false, hosts = [] }) {
  const args = [dir, ...(rsa ? ['--rsa'] : []), ...hosts.flatMap((host) => ['--host', host])];
  // execFile kills the script (by PID) if it hangs.
  const { stdout } = await run(DEV_CERT_SCRIPT, args, {
    timeout: WAIT_MS,
    killSignal: 'SIGKILL',
  });
  const serial = /\bserial=([0-9A-F]+)\b/.exec(stdout)?.[1];
  const spki = /--ignore-certificate-errors-spki-list=(\S+)/.exec(stdout)?.[1];
  if (!serial || !spki) throw new Error(`dev-cert.sh printed no serial or SPKI hash:\n${stdout}`);
  return { serial, spki, stdout };
}

/**
 * A new CA and server certificate (for localhost, 127.0.0.1, ::1 and `hosts`) in a temp folder.
 * @param {{ rsa?: boolean, hosts?: string[] }} options rsa: RSA-2048 instead of ECDSA P-256
 * @returns {Promise<TestCertificates>}
 */
export async function makeTestCertificates(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-tls-'));
  leftoverDirs.add(dir);
  const certificates = new TestCertificates(dir, options);
  try {
    await certificates.reissue();
  } catch (error) {
    certificates.remove();
    throw error;
  }
  return certificates;
}

export class TestCertificates {
  constructor(dir, options) {
    this.dir = dir;
    this.options = options;
    this.caFile = path.join(dir, 'ca.pem');
    this.certFile = path.join(dir, 'cert.pem');
    this.keyFile = path.join(dir, 'key.pem');
    this.ca = null; // the CA certificate, PEM: what clients are given as `ca`
    this.serial = null; // the server certificate's serial, upper-case hex as the server logs it
    this.spki = null; // base64 SHA-256 of its public key, for Chromium
    this.stdout = null; // what dev-cert.sh printed
  }

  /** The server's flags for these files. */
  get serverArgs() {
    return ['--tls-cert', this.certFile, '--tls-key', this.keyFile];
  }

  /**
   * A new certificate and key (new serial, same CA) in place of the old ones; `options`
   * override those given at creation. Returns this, updated.
   */
  async reissue(options = {}) {
    const { serial, spki, stdout } = await runDevCert(this.dir, { ...this.options, ...options });
    Object.assign(this, { serial, spki, stdout, ca: fs.readFileSync(this.caFile, 'utf8') });
    return this;
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
    leftoverDirs.delete(this.dir);
  }
}
