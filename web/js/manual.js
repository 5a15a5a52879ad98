// manual.html: the DOM and wiring of the server-less mode; the logic is in manual-link.js.
import { Negotiator } from './negotiation.js';
import { ManualLink } from './manual-link.js';
import { getLocalMedia } from './call-media.js';
import { appendChat, bindComposer } from './ui-chat.js';
import { describeNotice } from './ui-call-text.js';

const $ = (id) => document.getElementById(id);
const status = $('manual-status');
const error = $('manual-error');
const offerText = $('offer-text');
const answerText = $('answer-text');
const chatLog = $('chat-log');

const link = new ManualLink({
  createPeerConnection: (config) => new RTCPeerConnection(config),
  createNegotiator: (options) => new Negotiator(options),
  getMedia: () => getLocalMedia(navigator.mediaDevices),
});

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

/** Runs a button's action with the button disabled meanwhile, showing any error. */
function action(button, run) {
  button.addEventListener('click', async () => {
    error.textContent = '';
    button.disabled = true;
    try {
      await run();
    } catch (err) {
      error.textContent = err?.message || String(err);
      button.disabled = false;
    }
  });
}

action($('offer-create'), async () => {
  setStatus('gathering', 'Creating the offer…');
  offerText.value = await link.createOffer();
  offerText.readOnly = true;
  $('answer-create').disabled = true;
  setStatus('offered', 'Offer ready: send it to side B, then paste the answer');
  offerText.select();
});

action($('answer-create'), async () => {
  setStatus('gathering', 'Creating the answer…');
  answerText.value = await link.acceptOffer(offerText.value);
  answerText.readOnly = true;
  $('offer-create').disabled = true;
  $('answer-apply').disabled = true;
  setStatus('answered', 'Answer ready: send it back to side A');
  answerText.select();
});

action($('answer-apply'), async () => {
  await link.applyAnswer(answerText.value);
  setStatus('connecting', 'Connecting…');
});

action($('add-video'), async () => {
  const stream = await link.addVideo();
  if (!stream) $('add-video').disabled = false;
});

for (const button of document.querySelectorAll('[data-copy]')) {
  button.addEventListener('click', async () => {
    const area = $(button.dataset.copy);
    area.select();
    try {
      await navigator.clipboard.writeText(area.value);
      button.textContent = 'Copied';
      setTimeout(() => (button.textContent = 'Copy'), 1500);
    } catch {
      // No clipboard permission: the text is selected, Ctrl+C works.
    }
  });
}

bindComposer($('chat-form'), $('chat-input'), (text) => link.sendChat(text));

link.on('state', (state) => {
  if (state === 'open') {
    setStatus('connected', 'Connected: chat is open');
    for (const id of ['chat-input', 'chat-send', 'add-video']) $(id).disabled = false;
    $('chat-input').focus();
  } else if (state === 'failed' || state === 'channel-closed' || state === 'closed') {
    setStatus('failed', state === 'failed' ? 'Connection failed' : 'Disconnected');
    for (const id of ['chat-input', 'chat-send', 'add-video']) $(id).disabled = true;
  } else if (state === 'disconnected') {
    setStatus('connecting', 'Connection interrupted…');
  }
});
link.on('chat', ({ text, self }) =>
  appendChat(chatLog, { from: self ? 'You' : 'Peer', text, self: false }),
);
link.on('local-stream', (stream) => {
  $('local-video').srcObject = stream;
});
link.on('remote-stream', (stream) => {
  const video = $('remote-video');
  if (video.srcObject !== stream) video.srcObject = stream;
  video.play?.().catch(() => {});
});
link.on('notice', (notice) => ($('manual-notice').textContent = describeNotice(notice)));
link.on('error', (err) => console.warn('[manual]', err));

window.addEventListener('pagehide', () => link.close());

// The one global, as on the main page: tests read the connection from it.
window.__switchboard = { link, pc: () => link.pc };
