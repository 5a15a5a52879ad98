// Why a call ended, as the `reason` sent on `hang-up`, and how each state reads to a person.
// Pure functions: the UI shows the text; tests can match the words (declined, busy, …).

export const EndReason = Object.freeze({
  HANGUP: 'hangup', // a normal end of a connected call
  DECLINED: 'declined', // the callee refused
  CANCELLED: 'cancelled', // the caller gave up before an answer
  TIMEOUT: 'timeout', // nobody answered within the ring time
  BUSY: 'busy', // the callee was already in a call (sent automatically)
  FAILED: 'failed', // the connection failed, even after one ICE restart
  GONE: 'gone', // the peer left the server while the call was being set up
  ERROR: 'error', // something broke on our side (e.g. the offer could not be made)
});

/**
 * @param reason an EndReason (or any string a peer sent)
 * @param by 'local' or 'remote': who ended it
 * @param peer the other user's name
 * @param outgoing true if we placed the call
 */
export function describeEnd({ reason, by, peer, outgoing }) {
  const remote = by === 'remote';
  switch (reason) {
    case EndReason.HANGUP:
      return remote ? `Call ended by ${peer}` : `Call with ${peer} ended`;
    case EndReason.DECLINED:
      return remote ? `Call declined by ${peer}` : `You declined the call from ${peer}`;
    case EndReason.CANCELLED:
      return remote ? `Call cancelled by ${peer}` : `Call to ${peer} cancelled`;
    case EndReason.TIMEOUT:
      return outgoing
        ? `No answer from ${peer} (call timed out)`
        : `Missed call from ${peer} (call timed out)`;
    case EndReason.BUSY:
      return remote ? `${peer} is busy in another call` : `Call from ${peer} refused: busy`;
    case EndReason.FAILED:
      return `Call failed: the connection to ${peer} was lost`;
    case EndReason.GONE:
      return `Call ended: ${peer} went offline`;
    case EndReason.ERROR:
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
