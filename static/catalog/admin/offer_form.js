// The offer form's preview follows the form: each change posts the form to the preview URL
// (nothing is saved) and draws the card that comes back in the frame. Without JavaScript the
// frame shows the card as the page was loaded.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const frame = document.getElementById("offer-preview-frame");
  if (!frame) {
    return;
  }
  const form = frame.closest("form");
  let timer = null;
  let inFlight = null;

  const fit = () => {
    const page = frame.contentDocument && frame.contentDocument.documentElement;
    if (page) {
      frame.style.height = `${page.scrollHeight + 2}px`;
    }
  };

  const refresh = () => {
    if (inFlight) {
      inFlight.abort();
    }
    inFlight = new AbortController();
    fetch(frame.dataset.previewUrl, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      signal: inFlight.signal,
    })
      .then((response) => (response.ok ? response.text() : Promise.reject(response.status)))
      .then((html) => {
        frame.srcdoc = html;
      })
      // A failed preview keeps the last card: the form itself still saves.
      .catch(() => {});
  };

  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  };

  frame.addEventListener("load", fit);
  fit();
  form.addEventListener("input", soon);
  form.addEventListener("change", soon);
});
