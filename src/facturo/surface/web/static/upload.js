// The upload drop zone of the cloud usage page: drop XML files on it, or pick them with the file
// input inside it, and see their names before sending. The page works without this script: the
// plain file input and the Import button post the very same form.
"use strict";

(() => {
  const zone = document.querySelector("[data-dropzone]");
  if (!zone) {
    return;
  }
  const input = zone.querySelector('input[type="file"]');
  const list = zone.querySelector("[data-file-list]");
  const hint = zone.querySelector("[data-drop-hint]");
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
    for (const file of Array.from(input.files || [])) {
      const item = document.createElement("li");
      item.textContent = file.name + " (" + kilobytes(file.size) + ")";
      list.appendChild(item);
    }
  }

  function isXml(file) {
    return /\.xml$/i.test(file.name) || /xml/.test(file.type);
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
    const dropped = Array.from(event.dataTransfer.files).filter(isXml);
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

  input.addEventListener("change", showFiles);
})();
