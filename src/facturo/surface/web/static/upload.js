// Upload drop zones (the cloud usage page, the reception portal): drop files on the zone, or pick
// them with the file input inside it, and see their names before sending. Only files the input's
// ``accept`` allows are taken (.xml on the usage page; .xml, .json and .zip on the portal); the
// others are named in the zone's ``data-refused`` message. The pages work without this script: the
// plain file input and the Send button post the very same form.
"use strict";

(() => {
  const zone = document.querySelector("[data-dropzone]");
  if (!zone) {
    return;
  }
  const input = zone.querySelector('input[type="file"]');
  const list = zone.querySelector("[data-file-list]");
  const hint = zone.querySelector("[data-drop-hint]");
  const refusedNote = zone.querySelector("[data-drop-refused]");
  const summary = zone.querySelector("[data-file-summary]");
  if (!input || !list) {
    return;
  }
  if (hint) {
    hint.hidden = false;
  }

  function kilobytes(size) {
    return Math.max(1, Math.round(size / 1024)).toLocaleString() + " KB";
  }

  function showFiles() {
    list.replaceChildren();
    const files = Array.from(input.files || []);
    let total = 0;
    for (const file of files) {
      const item = document.createElement("li");
      item.textContent = file.name + " (" + kilobytes(file.size) + ")";
      list.appendChild(item);
      total += file.size;
    }
    // "{count} file(s), {size}" in the page's language comes from the template.
    if (summary && summary.dataset.template) {
      summary.textContent = files.length
        ? summary.dataset.template.replace("{count}", files.length.toLocaleString()).replace("{size}", kilobytes(total))
        : "";
    }
  }

  // What the input's accept attribute allows: name endings (".zip") or media types ("application/json").
  const accepted = (input.getAttribute("accept") || "")
    .split(",")
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);

  function isAccepted(file) {
    if (!accepted.length) {
      return true;
    }
    const name = file.name.toLowerCase();
    const type = (file.type || "").toLowerCase();
    return accepted.some((entry) => (entry.startsWith(".") ? name.endsWith(entry) : type === entry));
  }

  function showRefused(files) {
    if (!refusedNote) {
      return;
    }
    refusedNote.hidden = !files.length;
    refusedNote.textContent = files.length
      ? (refusedNote.dataset.template || "{names}").replace("{names}", files.map((file) => file.name).join(", "))
      : "";
  }

  function hasFiles(event) {
    return Array.from(event.dataTransfer ? event.dataTransfer.types : []).includes("Files");
  }

  ["dragenter", "dragover"].forEach((name) => {
    zone.addEventListener(name, (event) => {
      if (!hasFiles(event)) {
        return;
      }
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
      zone.classList.add("over");
    });
  });

  zone.addEventListener("dragleave", (event) => {
    if (!zone.contains(event.relatedTarget)) {
      zone.classList.remove("over");
    }
  });

  zone.addEventListener("drop", (event) => {
    if (!hasFiles(event)) {
      return;
    }
    event.preventDefault();
    zone.classList.remove("over");
    const all = Array.from(event.dataTransfer.files);
    const dropped = all.filter(isAccepted);
    showRefused(all.filter((file) => !isAccepted(file)));
    if (!dropped.length) {
      return;
    }
    // Add the dropped files to the ones already chosen, so several drops build one upload.
    try {
      const chosen = new DataTransfer();
      const seen = new Set();
      for (const file of [...Array.from(input.files || []), ...dropped]) {
        const key = file.name + ":" + file.size + ":" + file.lastModified;
        if (!seen.has(key)) {
          seen.add(key);
          chosen.items.add(file);
        }
      }
      input.files = chosen.files;
    } catch (error) {
      return; // a browser that cannot set the files: the file picker still works
    }
    input.removeAttribute("aria-invalid");
    showFiles();
  });

  input.addEventListener("change", () => {
    showRefused([]);
    showFiles();
  });
})();
