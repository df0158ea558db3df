// Live results: the element with data-poll="<url>" is replaced by that URL's HTML fragment every
// second until the fragment says every document is decided (an element with data-done="true").
// Without this script the page reloads itself instead (a <noscript> refresh), so the verdicts show
// either way; with it, only the results change and the reader keeps their place on the page.
"use strict";

(() => {
  const target = document.querySelector("[data-poll]");
  if (!target) {
    return;
  }
  const url = target.dataset.poll;
  const every = 1000;
  let failures = 0;

  function decided(root) {
    return root.querySelector('[data-done="true"]') !== null;
  }

  async function refresh() {
    let response;
    try {
      response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    } catch (error) {
      response = null;
    }
    if (response && response.redirected) {
      // Signed out meanwhile: the whole page shows the login form.
      window.location.reload();
      return;
    }
    if (!response || !response.ok) {
      failures += 1;
      if (failures >= 5) {
        window.location.reload(); // the server is unwell: let the browser show what it says
        return;
      }
      window.setTimeout(refresh, every * failures);
      return;
    }
    failures = 0;
    const fresh = document.createElement("template");
    fresh.innerHTML = await response.text();
    target.replaceChildren(fresh.content);
    if (!decided(target)) {
      window.setTimeout(refresh, every);
    }
  }

  if (!decided(target)) {
    window.setTimeout(refresh, every);
  }
})();
