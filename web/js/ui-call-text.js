// What a call reads as to a person: the status line, why a call ended, the in-call notices, the
// device pickers' fallback names. The call layer reports only codes (states, end reasons, notice
// codes: call.js, call-messages.js, call-notices.js) and only here do they become words. The UI
// does not import the call layer (docs/client.md), so the codes are matched as strings; a unit
// test checks that each one has its words. Pure functions: tests can match the words.

/**
 * @param reason an end reason (or any string a peer sent)
 * @param by 'local' or 'remote': who ended it
 * @param peer the other user's name
 * @param outgoing true if we placed the call
 */
export function describeEnd({ reason, by, peer, outgoing }) {
  const remote = by === 'remote';
  switch (reason) {
    case 'hangup':
      return remote ? `Call ended by ${peer}` : `Call with ${peer} ended`;
    case 'declined':
      return remote ? `Call declined by ${peer}` : `You declined the call from ${peer}`;
    case 'cancelled':
      return remote ? `Call cancelled by ${peer}` : `Call to ${peer} cancelled`;
    case 'timeout':
      return outgoing
        ? `No answer from ${peer} (call timed out)`
        : `Missed call from ${peer} (call timed out)`;
    case 'busy':
      return remote ? `${peer} is busy in another call` : `Call from ${peer} refused: busy`;
    case 'failed':
      return `Call failed: the connection to ${peer} was lost`;
    case 'gone':
      return `Call ended: ${peer} went offline`;
    case 'error':
      return `Call ended: something went wrong`;
    default:
      return remote ? `Call ended by ${peer} (${reason})` : `Call with ${peer} ended (${reason})`;
  }
}

/** The status line for a live state. */
export function describeState({ state, peer }) {
  switch (state) {
    case 'calling':
      return `Calling ${peer}…`;
    case 'ringing':
      return `${peer} is calling`;
    case 'connected':
      return `In call with ${peer}`;
    default:
      return 'Not in a call';
  }
}

/** The status line for a call snapshot (call.js): the state, or once ended, how it ended. */
export function describeCall({ state, peer, outgoing, endReason, endedBy }) {
  if (state !== 'ended') return describeState({ state, peer });
  return describeEnd({ reason: endReason, by: endedBy, peer, outgoing });
}

// Why getUserMedia failed (call-notices.js MediaCause), as the notices put it.
function describeCause({ cause, message }) {
  switch (cause) {
    case 'denied':
      return 'permission was denied';
    case 'not-found':
      return 'no device was found';
    case 'in-use':
      return 'the device is in use by another program';
    default:
      return message || 'it is unavailable';
  }
}

/** A notice (call-notices.js: { code, ...fields }) as the call view shows it; null if unknown. */
export function describeNotice(notice) {
  switch (notice?.code) {
    case 'ice-restart':
      return 'Connection trouble: reconnecting…';
    case 'no-media-devices':
      return 'This page cannot use a camera or microphone (it needs https or localhost): you can see and hear the other side only.';
    case 'audio-only':
      return `Camera not used (${describeCause(notice)}): audio only.`;
    case 'receive-only':
      return `No camera or microphone (${describeCause(notice)}): you can see and hear the other side only.`;
    case 'screen-unsupported':
      return 'Screen sharing did not start: screen sharing is not supported here';
    case 'screen-failed':
      return `Screen sharing did not start: ${notice.message}`;
    case 'switch-failed': {
      const what = notice.kind === 'video' ? 'camera' : 'microphone';
      return `Could not switch ${what}: ${notice.message}`;
    }
    default:
      return null;
  }
}

/** A device's name in the pickers: its label, or before permission (no labels) its position. */
export function deviceLabel(device, index, kind) {
  return device.label || `${kind === 'video' ? 'Camera' : 'Microphone'} ${index + 1}`;
}
