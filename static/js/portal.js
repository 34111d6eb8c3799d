/*
 * The portal's own script: htmx is an enhancement, and this file makes what happens to a tap
 * visible on a slow or broken network. Every page works without it (plain forms, redirects).
 *
 * - While a request from a card is on its way, the card is aria-busy (htmx also marks the form
 *   with `htmx-request`, which portal.css shows as "Working…").
 * - When it fails (no connection, no answer in time, a server error), the card says so next to
 *   the switch, in the words the page carries (body's data-says-*), instead of looking as if
 *   nothing happened. The form keeps its idempotency key, so trying again cannot charge twice.
 *
 * No inline script anywhere: a Content-Security-Policy without 'unsafe-inline' allows this file.
 */
(function () {
  "use strict";

  var PROBLEM_CLASS = "network-problem";

  // Where a request's trouble is said: its add-on's card, else the part of the page it is in.
  function cardOf(elt) {
    if (!elt || !elt.closest) {
      return null;
    }
    return elt.closest(".addon") || elt.closest("#gifts") || elt.closest("form, section");
  }

  function isPoll(elt, card) {
    // A card that fetches itself (a busy switch polling, the allowances following a switch)
    // is not her tap.
    return elt === card && elt.tagName !== "FORM";
  }

  function words(kind) {
    return document.body.getAttribute("data-says-" + kind) || "";
  }

  function clearProblem(card) {
    var old = card.querySelectorAll("." + PROBLEM_CLASS);
    for (var i = 0; i < old.length; i++) {
      old[i].remove();
    }
  }

  function sayProblem(card, kind) {
    clearProblem(card);
    var note = document.createElement("p");
    note.className = "addon-error " + PROBLEM_CLASS;
    note.setAttribute("role", "alert");
    note.textContent = words(kind);
    // Next to the switch when the card has one, else at the end of the card's panel.
    var control = card.querySelector(".addon-control");
    if (control && control.parentNode === card) {
      control.insertAdjacentElement("afterend", note);
    } else {
      card.appendChild(note);
    }
  }

  function problemKind(evt) {
    if (evt.type === "htmx:timeout") {
      return "timeout";
    }
    if (evt.type === "htmx:sendError" || navigator.onLine === false) {
      return "offline";
    }
    return "failed";
  }

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    var card = cardOf(elt);
    if (!card || isPoll(elt, card)) {
      return;
    }
    clearProblem(card);
    card.setAttribute("aria-busy", "true");
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var card = cardOf(evt.detail.elt);
    if (card) {
      card.removeAttribute("aria-busy");
    }
  });

  function onProblem(evt) {
    var elt = evt.detail.elt;
    var card = cardOf(elt);
    if (!card || !document.body.contains(card)) {
      return;
    }
    card.removeAttribute("aria-busy");
    // A poll that fails changes nothing she did: the state shown may just be old.
    sayProblem(card, isPoll(elt, card) ? "stale" : problemKind(evt));
  }

  document.addEventListener("htmx:sendError", onProblem);
  document.addEventListener("htmx:timeout", onProblem);
  document.addEventListener("htmx:responseError", onProblem);
})();
