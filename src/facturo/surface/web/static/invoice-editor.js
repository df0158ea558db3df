// The invoice draft editor: add and remove lines in place, look products up as you type, and show
// the totals the server computes (POST /invoices/preview) while you type. The page works without
// this script: its "Add line", "Remove" and "Recalculate" buttons post the form instead.
"use strict";

(() => {
  const form = document.querySelector("form[data-invoice-editor]");
  if (!form) {
    return;
  }
  const body = form.querySelector("[data-lines]");
  const template = document.getElementById("line-template");
  const datalist = document.getElementById("product-list");
  const token = form.querySelector('input[name="csrf_token"]').value;
  let nextRow = body.querySelectorAll("[data-line]").length;
  let sent = 0;
  let timer = null;
  let lookupTimer = null;

  const rows = () => Array.from(body.querySelectorAll("[data-line]"));

  function renumber() {
    rows().forEach((row, index) => {
      row.querySelector("[data-line-number]").textContent = String(index + 1);
    });
  }

  function addLine() {
    const html = template.innerHTML.replaceAll("__ROW__", "n" + nextRow);
    nextRow += 1;
    body.insertAdjacentHTML("beforeend", html);
    renumber();
    const added = rows().at(-1);
    added.querySelector('[data-field="product"]').focus();
    schedule();
  }

  function removeLine(row) {
    row.remove();
    if (rows().length === 0) {
      addLine();
      return;
    }
    renumber();
    schedule();
  }

  function showErrors(row, errors) {
    row.querySelectorAll("[data-error-for]").forEach((span) => {
      span.textContent = errors[span.dataset.errorFor] || "";
    });
    row.querySelectorAll("[data-field]").forEach((input) => {
      const name = input.dataset.field;
      const wrong = Boolean(errors[name]) || (name === "description" && Boolean(errors.line));
      if (wrong) {
        input.setAttribute("aria-invalid", "true");
      } else {
        input.removeAttribute("aria-invalid");
      }
    });
  }

  function apply(data) {
    rows().forEach((row, index) => {
      const line = data.lines[index];
      if (!line) {
        return;
      }
      row.querySelector("[data-line-total]").textContent = line.shown ? line.shown.total : "";
      for (const [name, value] of Object.entries(line.placeholders)) {
        const input = row.querySelector(`[data-field="${name}"]`);
        if (input) {
          input.placeholder = value;
        }
      }
      showErrors(row, line.errors);
    });
    for (const [name, value] of Object.entries(data.shown)) {
      const cell = form.querySelector(`[data-total="${name}"]`);
      if (cell) {
        cell.textContent = value;
      }
    }
  }

  async function preview() {
    const mine = ++sent;
    try {
      const response = await fetch(form.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form)),
      });
      if (!response.ok || mine !== sent) {
        return;
      }
      apply(await response.json());
    } catch (error) {
      // Offline or the server is busy: the Recalculate button still works.
    }
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(preview, 300);
  }

  async function lookup(text) {
    try {
      const url = form.dataset.productsUrl + "?q=" + encodeURIComponent(text);
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) {
        return;
      }
      const products = await response.json();
      datalist.replaceChildren(
        ...products.map((product) => {
          const option = document.createElement("option");
          option.value = product.code;
          option.textContent = `${product.name} · ${product.unit_price}`;
          return option;
        }),
      );
    } catch (error) {
      // Keep the list the page came with.
    }
  }

  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-line]");
    if (add) {
      event.preventDefault();
      addLine();
      return;
    }
    const remove = event.target.closest("[data-remove-line]");
    if (remove) {
      event.preventDefault();
      removeLine(remove.closest("[data-line]"));
    }
  });

  form.addEventListener("input", (event) => {
    const field = event.target.dataset.field;
    if (field === "product" && event.target.value.trim().length >= 2) {
      clearTimeout(lookupTimer);
      const text = event.target.value.trim();
      lookupTimer = setTimeout(() => lookup(text), 250);
    }
    if (field || event.target.name === "customer_id") {
      schedule();
    }
  });
  form.addEventListener("change", (event) => {
    if (event.target.dataset.field) {
      schedule();
    }
  });

  // The customer search narrows the select as you type (the "Find" button does it on the server).
  const search = form.querySelector("[data-customer-search]");
  const customers = form.querySelector('select[name="customer_id"]');
  if (search && customers) {
    search.addEventListener("input", () => {
      const wanted = search.value.trim().toLowerCase();
      Array.from(customers.options).forEach((option) => {
        option.hidden = Boolean(option.value) && !option.selected && !option.text.toLowerCase().includes(wanted);
      });
    });
  }
})();
