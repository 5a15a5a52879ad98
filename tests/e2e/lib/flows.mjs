// Steps several scenarios share: users logged in and seeing each other, a call set up with
// media proven to flow both ways, a call ended and cleaned up on both sides.

import { expectMediaFlowing } from './media.mjs';

/** Opens one page per name on `server`, logs each in, and waits until all see each other. */
export async function usersOnline(scene, server, names, options) {
  const clients = [];
  for (const name of names) {
    const client = await scene.user(name, server, options);
    await client.login(name);
    clients.push(client);
  }
  await Promise.all(
    clients.flatMap((client) =>
      names.filter((name) => name !== client.name).map((name) => client.expectListed(name)),
    ),
  );
  return clients;
}

/**
 * `caller` calls `callee`, who sees it ring and accepts; both show the call (media not checked:
 * see callAndAccept).
 */
export async function ringAndAccept(caller, callee) {
  await caller.call(callee.name);
  await caller.expectStatus(new RegExp(callee.name));
  await callee.expectRinging(caller.name);
  await callee.accept();
  await callee.expectHidden('incoming-call');
  await Promise.all([
    caller.expectStatus(new RegExp(`in call.*${callee.name}`, 'i')),
    callee.expectStatus(new RegExp(`in call.*${caller.name}`, 'i')),
  ]);
}

/**
 * `caller` calls `callee`, who sees it ring and accepts; both show the call, and video flows
 * both ways.
 */
export async function callAndAccept(caller, callee) {
  await ringAndAccept(caller, callee);
  await expectMediaFlowing(caller, callee);
}

/** `who` hangs up; both sides show the end (the other one names who ended it) and clean up. */
export async function hangUp(who, other) {
  await who.hangup();
  await Promise.all([
    who.expectStatus(/ended/i),
    other.expectStatus(new RegExp(`ended.*${who.name}`, 'i')),
  ]);
  await Promise.all([who.expectCallCleanedUp(other.name), other.expectCallCleanedUp(who.name)]);
}
