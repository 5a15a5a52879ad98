// Temporary web roots for the server's static file handler. Each lives in its own temp folder,
// inside a parent folder the test may also use for files that must NOT be served (secrets next
// to the root, symlink targets outside it).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Creates `<tmp>/www` holding `files` ({ 'relative/path': string | Buffer }).
 * @returns {{ dir: string, parent: string, remove(): void }}
 */
export function makeWebRoot(
  files = { 'index.html': '<!doctype html><title>switchboard</title>\n' },
) {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'switchboard-test-'));
  const dir = path.join(parent, 'www');
  fs.mkdirSync(dir);
  for (const [relativePath, content] of Object.entries(files)) {
    const target = path.join(dir, relativePath);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
  }
  return {
    dir,
    parent,
    remove: () => fs.rmSync(parent, { recursive: true, force: true }),
  };
}
