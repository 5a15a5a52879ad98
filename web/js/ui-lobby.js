// The login form, the user list and the room chat.
import { el, avatar, icon } from './ui-dom.js';
import { appendChat, bindComposer } from './ui-chat.js';

export function createLobby(doc, actions) {
  const $ = (id) => doc.getElementById(id);
  const form = $('login-form');
  const nameInput = $('name-input');
  const loginButton = $('login');
  const loginError = $('login-error');
  const list = $('user-list');
  const count = $('user-count');
  const chatLog = $('chat-log');
  let busy = false; // in a call: entries are not callable

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.login(nameInput.value);
  });
  nameInput.addEventListener('input', () => {
    loginError.textContent = '';
  });
  bindComposer($('chat-form'), $('chat-input'), (text) => actions.sendChat(text));

  // One delegated listener: entries are rebuilt on every user-list update.
  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-user]');
    if (button && !button.disabled) actions.call(button.dataset.user);
  });

  function userEntry(name, self) {
    const label = el('span', { className: 'name', text: name });
    if (self) {
      return el(
        'li',
        {},
        el(
          'div',
          {
            className: 'user self',
            dataset: { testid: `user-${name}` },
            attrs: { 'aria-label': `${name} (you)` },
          },
          avatar(name),
          label,
          el('span', { className: 'tag', text: 'you' }),
        ),
      );
    }
    const button = el(
      'button',
      {
        className: 'user',
        dataset: { testid: `user-${name}`, user: name },
        attrs: { type: 'button', 'aria-label': `Call ${name}` },
      },
      avatar(name),
      label,
      el('span', { className: 'call-icon' }, icon('phone')),
    );
    button.disabled = busy;
    return el('li', {}, button);
  }

  return {
    prefill(name) {
      if (name && !nameInput.value) nameInput.value = name;
    },
    setLoginBusy(on) {
      loginButton.disabled = on;
      loginButton.textContent = on ? 'Joining…' : 'Join';
    },
    setLoginError(text) {
      loginError.textContent = text ?? '';
      if (text) nameInput.focus();
    },
    setUsers(users, self) {
      const others = users.filter((u) => u !== self);
      const sorted = users.includes(self) ? [self, ...others] : others;
      list.replaceChildren(...sorted.map((name) => userEntry(name, name === self)));
      if (others.length === 0) {
        list.append(el('li', { className: 'empty muted', text: 'Nobody else is here yet.' }));
      }
      count.textContent = String(users.length);
    },
    /** While in a call nobody else can be called. */
    setBusy(on) {
      busy = on;
      for (const b of list.querySelectorAll('button[data-user]')) b.disabled = on;
    },
    addChat(entry) {
      appendChat(chatLog, entry);
    },
    focusChat() {
      $('chat-input').focus();
    },
    focusName() {
      nameInput.focus();
    },
  };
}
