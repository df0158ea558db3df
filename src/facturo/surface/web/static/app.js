// facturo's own small scripts. Pages work without them; they only add comfort.
"use strict";

// Buttons that need a second thought: <button data-confirm="…">.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) {
    event.preventDefault();
  }
});

// A form field that submits its form on change (filters): <select data-autosubmit>.
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-autosubmit]")) {
    event.target.form.requestSubmit();
  }
});

// "Go back" links: <a href="/" data-back> returns to the previous page (without JavaScript they go
// home). A javascript: URL would be an inline script, which the Content-Security-Policy refuses.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-back]");
  if (link && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});
