// The wire vocabulary of a call, in one place: every message a call sends to its peer or takes
// from it (through the server, or over the call's data channel), with its fields. The names are
// the MDN sample's (video-offer, video-answer, new-ice-candidate, hang-up), so its client and ours
// can call each other; `agent`, in-call `chat` and the dc-hello pair are ours. docs/client.md
// lists them. Constructors build exactly the objects that go on the wire (field order included:
// the JSON is the same every time); parsers check what arrives, since a peer may send anything.

export const CallMessage = Object.freeze({
  OFFER: 'video-offer', // { sdp, agent }
  ANSWER: 'video-answer', // { sdp, agent }
  CANDIDATE: 'new-ice-candidate', // { candidate }
  HANG_UP: 'hang-up', // { reason }
  CHAT: 'chat', // { text }: in-call chat, peer to peer
});

/** The data channel's own handshake (call-channel.js): it never leaves the channel. */
export const ChannelMessage = Object.freeze({ HELLO: 'dc-hello', HELLO_ACK: 'dc-hello-ack' });

/** Sent on our offers and answers: tells the peer we take renegotiation offers (the MDN sample
 *  client builds a new peer connection for every offer, so with it we never renegotiate). */
export const AGENT = 'switchboard';

/** Why a call ended: the `reason` of hang-up, plus the ends nobody sends (GONE, ERROR). A peer
 *  may send any other string; it is shown as it came. */
export const EndReason = Object.freeze({
  HANGUP: 'hangup', // a normal end of a connected call
  DECLINED: 'declined', // the callee refused
  CANCELLED: 'cancelled', // the caller gave up before an answer
  TIMEOUT: 'timeout', // nobody answered within the ring time
  BUSY: 'busy', // the callee was already in a call (sent automatically)
  FAILED: 'failed', // the connection failed, even after one ICE restart
  GONE: 'gone', // the peer left the server while the call was being set up (never sent)
  ERROR: 'error', // something broke on our side (e.g. the offer could not be made)
});

/** The server's error for a message whose target is not connected (docs/protocol.md). */
export const UNKNOWN_TARGET = 'unknown-target';

const CALL_TYPES = new Set(Object.values(CallMessage));

// ---- constructors ----------------------------------------------------------------------

/** Our offer or answer: `description` is the RTCSessionDescription (JSON: {type, sdp}). */
export function descriptionMessage(description) {
  const type = description.type === 'offer' ? CallMessage.OFFER : CallMessage.ANSWER;
  return { type, sdp: description, agent: AGENT };
}

/** One trickled ICE candidate (RTCIceCandidate JSON). */
export function candidateMessage(candidate) {
  return { type: CallMessage.CANDIDATE, candidate };
}

export function hangUpMessage(reason) {
  return { type: CallMessage.HANG_UP, reason };
}

/** The automatic refusal of a second caller: addressed by hand, as no call to it exists. */
export function busyMessage(target) {
  return { type: CallMessage.HANG_UP, target, reason: EndReason.BUSY };
}

export function chatMessage(text) {
  return { type: CallMessage.CHAT, text };
}

export function helloMessage() {
  return { type: ChannelMessage.HELLO };
}

export function helloAckMessage() {
  return { type: ChannelMessage.HELLO_ACK };
}

// ---- parsers ---------------------------------------------------------------------------

/** A call message as the server relays it (app.js routes these to the call). */
export function isCallMessage(msg) {
  return CALL_TYPES.has(msg?.type);
}

/** The server could not deliver a message of ours: its target left (or never was). */
export function isUnknownTarget(msg) {
  return msg?.type === 'error' && msg.code === UNKNOWN_TARGET;
}

/** Text from the data channel: the message, or null if it is not JSON with a string type. */
export function parseChannelData(data) {
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    return null;
  }
  if (msg === null || typeof msg !== 'object' || typeof msg.type !== 'string') return null;
  return msg;
}

/** An offer, answer or candidate as negotiation.js takes it: { description } or
 *  { candidate } (null: end of candidates); null for anything else, or an sdp not an object. */
export function negotiationOf(msg) {
  if (msg.type === CallMessage.OFFER || msg.type === CallMessage.ANSWER) {
    return msg.sdp && typeof msg.sdp === 'object' ? { description: msg.sdp } : null;
  }
  if (msg.type === CallMessage.CANDIDATE) return { candidate: msg.candidate ?? null };
  return null;
}

/** True if an offer or answer came from our client (it can take renegotiation offers). */
export function fromSwitchboard(msg) {
  return msg.agent === AGENT;
}

/** Why the peer hung up; a hang-up without a reason (the MDN client's) is a normal one. */
export function hangUpReasonOf(msg) {
  return typeof msg.reason === 'string' && msg.reason ? msg.reason : EndReason.HANGUP;
}

/** The text of an in-call chat message, or null if it has none. */
export function chatTextOf(msg) {
  return typeof msg.text === 'string' ? msg.text : null;
}
