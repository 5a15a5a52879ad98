// A signaling server that does what the one in MDN's "Signaling and video calling" sample does
// (mdn/samples-server, s/webrtc-from-chat/chatserver.js), written here from a description of
// that sample's behaviour, so that bench/compare can measure Switchboard against what the
// tutorial teaches: Node, one thread, the `websocket` package.
//
//   node bench/peers/mdn-style-server.mjs [--lean] PORT   (0 = any free port; binds 127.0.0.1)
//
// By default it is faithful to the sample, per message too:
// - accepts only the "json" subprotocol (request.accept("json", origin): the websocket package
//   refuses a client that did not ask for it); ignores the URL: one global room;
// - keeps the connections in one array, in connection order, and finds them by scanning it;
// - sends {"type":"id","id":N} on connect, N counting up from the start time;
// - logs to stdout, each line stamped "[<local time>] ", as the sample's log() does: every
//   HTTP request, every connection accepted and closed, and every message received, in full
//   ("Received Message: <text>"); where stdout goes (a file, a journal) is the deployment's;
// - per message: JSON.parse, then the connection whose clientID equals msg.id by a linear scan
//   (done for every message; only "message" and "username" use what it finds; the bench's
//   signaling messages, as the sample's own client's, carry no id, so that scan finds nothing
//   and reads the whole array);
// - "username": makes the name unique by appending a counter (one for the whole server;
//   uniqueness by a scan of the array), sends "rejectusername" if it had to, then sends the
//   whole user list to every connection, registered or not: O(N) frames per join and per
//   leave, O(N^2) for a crowd;
// - "message": stamps the sender's name, strips <markup> from the text;
// - every other type passes through, re-serialized with JSON.stringify(msg); with a non-empty
//   "target" it goes to the first connection of that username (a linear scan; an unknown
//   target is dropped silently), without one to every connection, the sender included;
// - on close: rebuilds the array without the closed connections (a filter over all of them)
//   and sends the user list to everyone;
// - never stamps the sender on signaling messages: clients name themselves.
//
// Where the default differs from the sample, it is to stay up or to be runnable here:
// - it listens on 127.0.0.1 and the PORT given, not on every interface at 6503, over plain
//   HTTP (the sample tries TLS files under /etc/pki first, then falls back to HTTP);
// - a message the sample would die on (an uncaught exception ends its process) is dropped
//   instead: text that is not JSON, the JSON null, a "message" or "username" whose id matches
//   no connection (the sample reads .username of null), a "message" whose text is not a
//   string; and a client that does not ask for the "json" subprotocol is refused (the
//   package answers 500) without ending the process;
// - the sample's handler keeps one `msg` per connection across messages; this keeps it per
//   message (no difference on the wire);
// - SIGTERM and SIGINT exit at once, with status 0.
//
// --lean keeps the same protocol on the wire but spares Node the sample's costs, to show how
// much of the gap is the sample's code rather than Node's: no log lines at all (only the
// listening line), Maps by name instead of scans of the array (and no scan by id), and
// signaling messages forwarded as the original text instead of JSON.stringify(msg). The wire
// differs in one way: the relayed text keeps the client's own spacing (the bench pads "seq"
// and "ts" with spaces; JSON.stringify drops them).

import http from 'node:http';
import websocket from 'websocket';

const WebSocketServer = websocket.server;

const args = process.argv.slice(2);
const lean = args.includes('--lean');
const positional = args.filter((a) => a !== '--lean');
const port = Number(positional[0] ?? 6503);
if (positional.length > 1 || args.some((a) => a.startsWith('-') && a !== '--lean') ||
    !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('usage: node mdn-style-server.mjs [--lean] PORT');
  process.exit(2);
}

let connections = []; // in connection order, as the sample keeps them
const byName = new Map(); // --lean only: username -> connection
let nextId = Date.now();
let appendToMakeUnique = 1; // one counter for the whole server, as in the sample

/** The sample's log(): one console.log per event, stamped with the local time. */
function log(text) {
  console.log(`[${new Date().toLocaleTimeString()}] ${text}`);
}

function sendUserListToAll() {
  // Unregistered connections appear as null, as JSON.stringify prints the sample's undefined.
  const users = [];
  for (let i = 0; i < connections.length; i++) users.push(connections[i].username);
  const text = JSON.stringify({ type: 'userlist', users });
  for (let i = 0; i < connections.length; i++) connections[i].sendUTF(text);
}

function broadcast(text) {
  for (let i = 0; i < connections.length; i++) connections[i].sendUTF(text);
}

// ---- faithful (default) ----------------------------------------------------------------------

function connectionForId(id) {
  for (let i = 0; i < connections.length; i++) {
    if (connections[i].clientID === id) return connections[i];
  }
  return null;
}

function nameIsUnique(name) {
  for (let i = 0; i < connections.length; i++) {
    if (connections[i].username === name) return false;
  }
  return true;
}

function sendToOneUser(target, text) {
  for (let i = 0; i < connections.length; i++) {
    if (connections[i].username === target) {
      connections[i].sendUTF(text);
      return;
    }
  }
}

function onMessageFaithful(text) {
  log(`Received Message: ${text}`);
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return; // the sample's JSON.parse would throw and end the process
  }
  if (msg === null) return; // the sample would throw reading null.id
  const sender = connectionForId(msg.id);

  switch (msg.type) {
    case 'message':
      if (sender === null || typeof msg.text !== 'string') return; // the sample would throw
      msg.name = sender.username;
      msg.text = msg.text.replace(/(<([^>]+)>)/gi, '');
      break;
    case 'username': {
      if (sender === null) return; // the sample would throw
      const requested = msg.name;
      let renamed = false;
      while (!nameIsUnique(msg.name)) {
        msg.name = requested + appendToMakeUnique++;
        renamed = true;
      }
      if (renamed) sender.sendUTF(JSON.stringify({ id: msg.id, type: 'rejectusername', name: msg.name }));
      sender.username = msg.name;
      sendUserListToAll();
      return; // the user lists were the answer
    }
  }

  const out = JSON.stringify(msg);
  if (msg.target && msg.target.length !== 0) sendToOneUser(msg.target, out);
  else broadcast(out);
}

// ---- --lean ------------------------------------------------------------------------------------

function registerLean(connection, msg) {
  const requested = String(msg.name);
  let name = requested;
  while (byName.has(name)) name = requested + appendToMakeUnique++;
  if (name !== requested) {
    connection.sendUTF(JSON.stringify({ id: msg.id, type: 'rejectusername', name }));
  }
  if (connection.username !== undefined) byName.delete(connection.username);
  connection.username = name;
  byName.set(name, connection);
  sendUserListToAll();
}

function onMessageLean(connection, text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return;
  }
  if (msg === null || typeof msg !== 'object') return;
  if (msg.type === 'username') return registerLean(connection, msg);

  let out = text;
  if (msg.type === 'message') {
    msg.name = connection.username;
    msg.text = String(msg.text).replace(/(<([^>]+)>)/gi, '');
    out = JSON.stringify(msg);
  }
  if (typeof msg.target === 'string' && msg.target.length !== 0) {
    byName.get(msg.target)?.sendUTF(out); // an unknown target: dropped silently, as the sample
  } else {
    broadcast(out);
  }
}

// ---- the server --------------------------------------------------------------------------------

const httpServer = http.createServer((request, response) => {
  if (!lean) log(`Received request for ${request.url}`);
  response.writeHead(404);
  response.end();
});

const wsServer = new WebSocketServer({ httpServer, autoAcceptConnections: false });

wsServer.on('request', (request) => {
  let connection;
  try {
    connection = request.accept('json', request.origin);
  } catch {
    return; // no "json" subprotocol: the package has already answered 500
  }
  if (!lean) log(`Connection accepted from ${connection.remoteAddress}.`);
  connections.push(connection);
  connection.clientID = nextId++;
  connection.sendUTF(JSON.stringify({ type: 'id', id: connection.clientID }));

  connection.on('message', (message) => {
    if (message.type !== 'utf8') return;
    if (lean) onMessageLean(connection, message.utf8Data);
    else onMessageFaithful(message.utf8Data);
  });
  connection.on('close', (reason, description) => {
    if (lean) {
      const at = connections.indexOf(connection);
      if (at >= 0) connections.splice(at, 1);
      if (byName.get(connection.username) === connection) byName.delete(connection.username);
      sendUserListToAll();
      return;
    }
    connections = connections.filter((c) => c.connected);
    sendUserListToAll();
    log(`Connection closed: ${connection.remoteAddress} (${reason}${description ? `: ${description}` : ''})`);
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  const where = `127.0.0.1 port ${httpServer.address().port}`;
  if (lean) console.log(`mdn-style-server (lean) listening on ${where}`);
  else log(`Server is listening on ${where}`);
});

// bench/compare stops the server with SIGTERM: leave at once, as the sample would die.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
