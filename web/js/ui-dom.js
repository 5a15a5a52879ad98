// Small DOM helpers shared by the UI modules. Text always goes in through textContent: names
// and chat come from other people and must never be parsed as HTML.

/** Creates an element: el('li', { className, text, dataset, attrs }, ...children). */
export function el(tag, { className, text, dataset, attrs } = {}, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(dataset ?? {})) node.dataset[k] = v;
  for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/** A stable colour per name, so people are recognisable at a glance. */
function hue(name) {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.codePointAt(0)) % 360;
  return h;
}

/** Fills (or creates) a round avatar with the name's first letter. */
export function avatar(name, node = el('span', { className: 'avatar' })) {
  node.textContent = [...(name || '?')][0].toUpperCase();
  node.style.setProperty('--hue', String(hue(name || '?')));
  node.setAttribute('aria-hidden', 'true');
  return node;
}

// Icon paths on a 24×24 grid (drawn for this app; no icon font, no network).
const ICONS = {
  mic: 'M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9h-2z',
  camera:
    'M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11l-4 4z',
  screen:
    'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2h-6v2h3v2H7v-2h3v-2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm0 2v10h16V6H4zm8 1 4 4h-3v3h-2v-3H8l4-4z',
  settings:
    'M3 17v2h6v-2H3zM3 5v2h10V5H3zm10 16v-2h8v-2h-8v-2h-2v6h2zM7 9v2H3v2h4v2h2V9H7zm14 4v-2H11v2h10zm-6-4h2V7h4V5h-4V3h-2v6z',
  hangup:
    'M12 9c-1.6 0-3.2.3-4.6.7v3.1c0 .4-.2.7-.6.9-1 .5-1.9 1.1-2.7 1.9-.2.2-.4.3-.7.3s-.5-.1-.7-.3L.3 13.1a1 1 0 0 1 0-1.4C3.3 8.8 7.5 7 12 7s8.7 1.8 11.7 4.7a1 1 0 0 1 0 1.4l-2.5 2.5c-.2.2-.4.3-.7.3s-.5-.1-.7-.3c-.8-.8-1.7-1.4-2.7-1.9-.4-.2-.6-.5-.6-.9V9.7C15.2 9.3 13.6 9 12 9z',
  phone:
    'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1A17 17 0 0 1 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1l-2.3 2.2z',
};

const SVG = 'http://www.w3.org/2000/svg';

/** An inline SVG icon; `slashed` adds the stroke shown when the control is off. */
export function icon(name, { slashed = false } = {}) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  if (slashed) {
    const line = document.createElementNS(SVG, 'path');
    line.setAttribute('d', 'M3.5 2.5l18 18');
    line.classList.add('slash');
    svg.append(line);
  }
  return svg;
}

/** Sets a control button to an icon plus a visible label. */
export function setControl(button, iconName, label, { slashed = false } = {}) {
  button.replaceChildren(
    icon(iconName, { slashed }),
    el('span', { className: 'label', text: label }),
  );
  button.title = label;
}

export function timeLabel(date = new Date()) {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}
