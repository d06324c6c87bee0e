/* casebot console: live updates over server-sent events.
 *
 * A page whose <body> has data-live-stream="URL" listens there. On each
 * "changed" event it fetches the page again and swaps in every element marked
 * data-live (by id). An element marked data-live="guarded" (the forms) is left
 * alone while someone is typing in it; a form that is then sent carries the
 * values it was shown with, and the server says what changed meanwhile.
 * body[data-live-state] tells whether the stream is connected.
 *
 * Small helpers besides: a button with data-copy="ID" copies the text of
 * element ID; a checkbox with data-reveals="ID" shows element ID while ticked.
 */
(function () {
  "use strict";

  function markDirty(event) {
    var form = event.target && event.target.form;
    if (form) { form.setAttribute("data-dirty", "1"); }
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);

  function keepChecked(oldNode, freshNode) {
    var checked = {};
    oldNode.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      checked[box.name + "=" + box.value] = true;
    });
    freshNode.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (checked[box.name + "=" + box.value]) { box.checked = true; }
    });
  }

  function busy(node) {
    return node.querySelector("form[data-dirty]") !== null || node.contains(document.activeElement);
  }

  var refreshing = false, again = false;
  // Counts htmx's swaps (a search, a sort, another page of the list).
  var swaps = 0;
  document.addEventListener("htmx:afterSwap", function () { swaps += 1; });

  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    var url = window.location.href, seen = swaps;
    fetch(url, { headers: { "X-Casebot-Live": "1" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        // The view changed while this was on its way: what came back shows the old
        // one (a search's results would give way to the whole list). Fetch anew.
        if (url !== window.location.href || seen !== swaps) { again = true; return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        fresh.querySelectorAll("[data-live]").forEach(function (node) {
          var old = document.getElementById(node.id);
          if (!old) { return; }
          if (old.getAttribute("data-live") === "guarded" && busy(old)) { return; }
          keepChecked(old, node);
          var adopted = document.importNode(node, true);
          old.replaceWith(adopted);
          if (window.htmx) { window.htmx.process(adopted); }
        });
        document.body.setAttribute("data-live-refreshed", String(Date.now()));
        var status = document.getElementById("live-status");
        if (status) {
          status.textContent = "Updated with a change made elsewhere at " +
            new Date().toLocaleTimeString() + ".";
        }
      })
      .catch(function () { /* the next change or reconnect tries again */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  function follow() {
    var url = document.body.getAttribute("data-live-stream");
    if (!url || !window.EventSource) { return; }
    var source = new EventSource(url);
    source.addEventListener("open", function () {
      document.body.setAttribute("data-live-state", "connected");
    });
    source.addEventListener("error", function () {
      document.body.setAttribute("data-live-state", "reconnecting");
    });
    source.addEventListener("changed", refresh);
  }

  function copy(event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var id = button.getAttribute("data-copy");
    var source = document.getElementById(id);
    var said = document.querySelector("[data-copied-for='" + id + "']");
    if (!source || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      if (said) { said.textContent = "Copied " + source.textContent.trim() + "."; }
    }, function () {
      if (said) { said.textContent = "Could not copy: select the text and copy it."; }
    });
  }
  document.addEventListener("click", copy);

  function reveal(event) {
    var box = event.target;
    var id = box && box.getAttribute && box.getAttribute("data-reveals");
    var shown = id && document.getElementById(id);
    if (shown) { shown.hidden = !box.checked; }
  }
  document.addEventListener("change", reveal);

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", follow);
  } else {
    follow();
  }
})();
