// One import for the test files. The pieces live in small modules by job:
//   server-process.mjs  start/stop the binary, read its memory use
//   ws-client.mjs       protocol client with an inbox, register, user list and error helpers
//   raw-websocket.mjs   hand-rolled WebSocket for slow readers, silent peers, broken frames
//   raw-http.mjs        byte-exact HTTP requests (paths no client library would send)
//   web-root.mjs        temporary web roots
//   timeouts.mjs        every wait bound, scalable for slow (sanitizer) builds
//   auth.mjs            JWTs minted with node:crypto, key pairs, upgrade refusals read in full
//   tls-certs.mjs       test CAs and certificates, made by scripts/dev-cert.sh
//   tls-client.mjs      HTTPS requests and bare TLS handshakes

export * from './server-process.mjs';
export * from './ws-client.mjs';
export * from './raw-websocket.mjs';
export * from './raw-http.mjs';
export * from './web-root.mjs';
export * from './timeouts.mjs';
export * from './auth.mjs';
export * from './tls-certs.mjs';
export * from './tls-client.mjs';
