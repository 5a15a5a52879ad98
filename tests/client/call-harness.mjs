// Two or more Call objects wired through a fake Switchboard server (targeted relay that stamps
// `name`, unknown-target errors, JSON on the wire) with fake peer connections and media.
import { Call } from '../../web/js/call.js';
import { Negotiator } from '../../web/js/negotiation.js';
import { describeCall, describeNotice } from '../../web/js/ui-call-text.js';
import {
  FakeMediaDevices,
  FakePeerConnection,
  FakeTimers,
  linkChannels,
  settle,
} from './fakes.mjs';

export class FakeServer {
  users = new Map();
  /** Every message a client handed to the server: { from, ...message }. */
  log = [];
  /** The same, as the JSON text that went on the wire: { from, json }. */
  wire = [];
  up = true;
  timers = new FakeTimers();

  add(name, { media = new FakeMediaDevices(), ringTimeoutMs = 30_000 } = {}) {
    const negotiators = []; // every one the call created, with the options it was given
    const call = new Call({
      sendToServer: (msg) => this.#fromClient(name, msg),
      createPeerConnection: (config) => new FakePeerConnection(config),
      createNegotiator: (options) => {
        const negotiator = new Negotiator(options);
        negotiators.push({ negotiator, options });
        return negotiator;
      },
      mediaDevices: media,
      timers: this.timers,
      ringTimeoutMs,
    });
    call.setSelf(name);
    const user = {
      name,
      call,
      media,
      events: [],
      negotiators,
      /** The status line the page shows for this call right now. */
      status: () => describeCall(call.snapshot()),
      /** The notice the call view shows right now (null: none). */
      noticeText: () => describeNotice(call.notice),
    };
    for (const type of ['state', 'chat', 'notice', 'route', 'busy', 'remote-screen']) {
      call.on(type, (value) => user.events.push([type, value]));
    }
    this.users.set(name, user);
    return user;
  }

  /** What `name` sent through the server, of one type. */
  sentBy(name, type) {
    return this.log.filter((m) => m.from === name && m.type === type);
  }

  /** A message a client of another kind (the MDN sample) sends. */
  inject(from, msg) {
    this.#fromClient(from, msg);
  }

  #fromClient(from, msg) {
    const json = JSON.stringify(msg);
    const wire = JSON.parse(json);
    this.wire.push({ from, json });
    this.log.push({ from, ...wire });
    if (!this.up) return 'queued';
    if (wire.target === null || wire.target === undefined) {
      for (const user of this.users.values()) {
        setImmediate(() => user.call.handleServerMessage({ ...wire, name: from }));
      }
      return 'sent';
    }
    const to = this.users.get(wire.target);
    if (!to) {
      const sender = this.users.get(from);
      setImmediate(() =>
        sender?.call.handleServerMessage({
          type: 'error',
          code: 'unknown-target',
          target: wire.target,
        }),
      );
      return 'sent';
    }
    setImmediate(() => to.call.handleServerMessage({ ...wire, name: from }));
    return 'sent';
  }
}

/** ana calls bob, bob accepts, media "connects" and the data channel opens. */
export async function connectedPair(server, { handover = true } = {}) {
  const ana = server.users.get('ana') ?? server.add('ana');
  const bob = server.users.get('bob') ?? server.add('bob');
  await ana.call.start('bob');
  await settle();
  await bob.call.accept();
  await settle(40);
  ana.call.pc.setConnectionState('connected');
  bob.call.pc.setConnectionState('connected');
  if (handover) {
    linkChannels(ana.call.pc, bob.call.pc);
    await settle();
  }
  return { ana, bob };
}

export { settle };
