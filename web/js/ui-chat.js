// Chat logs and composers (room chat, in-call chat, manual mode). Text is set with
// textContent only: a message saying <img onerror=…> shows exactly those characters.
import { el, timeLabel } from './ui-dom.js';

const MAX_LINES = 500; // keep long sessions light: the oldest lines go

/**
 * Appends one line. entry: { from, text, self, system, note }.
 * `note` is a small suffix such as "(will send when reconnected)".
 */
export function appendChat(log, { from, text, self = false, system = false, note = null }) {
  const stickToBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const item = el('li', { className: system ? 'line system' : self ? 'line self' : 'line' });
  if (!system) item.append(el('span', { className: 'who', text: self ? `${from} (you)` : from }));
  item.append(el('span', { className: 'text', text }));
  if (note) item.append(el('span', { className: 'note', text: note }));
  item.append(el('time', { className: 'time', text: timeLabel() }));
  log.append(item);
  while (log.children.length > MAX_LINES) log.firstElementChild.remove();
  if (stickToBottom || self) log.scrollTop = log.scrollHeight;
}

/** Enter (or the button) sends; the input empties only if `send` accepted the text. */
export function bindComposer(form, input, send) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = input.value;
    if (text.trim() === '') return;
    if (send(text) !== false) input.value = '';
    input.focus();
  });
}
