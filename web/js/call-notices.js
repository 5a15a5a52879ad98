// What the call layer has to tell the user, as codes: call.js, call-local-media.js and
// call-media.js report a notice as { code, ...fields } and the UI puts it into words
// (ui-call-text.js), so the call code holds no display text. Fields carry only data: a device
// kind, a classified cause, the browser's own error message.

export const Notice = Object.freeze({
  RECONNECTING: 'ice-restart', // the connection failed; an ICE restart is under way
  NO_MEDIA_DEVICES: 'no-media-devices', // no mediaDevices at all (not https or localhost)
  AUDIO_ONLY: 'audio-only', // { cause, message }: the camera could not be used
  RECEIVE_ONLY: 'receive-only', // { cause, message }: neither camera nor microphone
  SCREEN_UNSUPPORTED: 'screen-unsupported', // the browser cannot capture the screen
  SCREEN_FAILED: 'screen-failed', // { message }: the capture was refused or broke
  SWITCH_FAILED: 'switch-failed', // { kind: 'audio'|'video', message }: a device did not open
});

/** Why getUserMedia failed, from the error's name (the browser's message goes alongside). */
export const MediaCause = Object.freeze({
  DENIED: 'denied', // NotAllowedError, SecurityError
  NOT_FOUND: 'not-found', // NotFoundError, OverconstrainedError
  IN_USE: 'in-use', // NotReadableError
  OTHER: 'other', // anything else: only the message says what
});
