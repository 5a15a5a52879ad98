// Chat texts that try to become markup in a client that pastes chat into innerHTML (the MDN
// sample's client does: `chatBox.innerHTML += "... <b>" + msg.name + "</b>: " + msg.text + "<br>"`).
// Each one calls window.__hit(n) if any of it ever runs. Shared by the integration test (what
// the server relays) and the end-to-end test (what Chromium does with it).

// Markup that runs script, or could, when an HTML parser reads it as a tag.
const ACTIVE = [
  'img src=x onerror=__hit(N)',
  'svg/onload=__hit(N)',
  'img/src=x/onerror=__hit(N)',
  'IMG SRC=x ONERROR=__hit(N)',
  'svg><animate onbegin=__hit(N) attributeName=x dur=1s',
  'details open ontoggle=__hit(N)',
  'video><source onerror=__hit(N)',
  'iframe srcdoc="&lt;img src=x onerror=parent.__hit(N)&gt;"',
  'body onload=__hit(N)',
  'input autofocus onfocus=__hit(N)',
  'object data="javascript:__hit(N)"',
  'math><mtext><table><mglyph><style><img src=x onerror=__hit(N)',
  'script>__hit(N)</script',
  'style onload=__hit(N)',
];

// Ways of wrapping a tag so that a naive "<...>" remover leaves part of it behind.
const WRAPPERS = [
  (tag) => `<${tag} `, // unterminated
  (tag) => `<${tag}`, // unterminated, no trailing space
  (tag) => `hi <${tag}`, // after text
  (tag) => `<${tag}>`, // complete
  (tag) => `<<${tag}>`, // doubled opener
  (tag) => `<<${tag} `, // doubled, unterminated
  (tag) => `<b>x</b><${tag} `, // a complete tag before an unterminated one
  (tag) => `<${tag} <b>`, // nested: the inner '>' closes the outer
  (tag) => `</x><${tag}//`, // end tag, then the tag
  (tag) => `<!--><${tag} `, // comment opener first
  (tag) => `<?x><${tag} `, // processing-instruction opener
  (tag) => `<${tag} "quoted>"`, // a '>' inside quotes ends the run early
  (tag) => `<<<${tag}`, // several openers
  (tag) => `a<>b<${tag}`, // "<>" is not markup for the sample's regex
];

/** Every payload: `[{ id, text }]`, each text calling __hit(id) if it runs. */
export function markupPayloads() {
  const payloads = [];
  for (const tag of ACTIVE) {
    for (const wrap of WRAPPERS) {
      const id = payloads.length + 1;
      payloads.push({ id, text: wrap(tag.replaceAll('N', String(id))) });
    }
  }
  return payloads;
}

/** Text an HTML parser would read as the start of markup: '<' + ASCII letter, '/', '!', '?'. */
export const OPENS_MARKUP = /<[A-Za-z/!?]/;

/** Chat texts that contain '<' but no markup: relayed unchanged. */
export const HARMLESS_ANGLE_TEXTS = ['a < b', '<3', 'x <= y', '1 << 2', 'x<', '<é'];
