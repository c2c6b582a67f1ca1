// Live parts: poll the newest event id (cheap, read from the database, so any web instance answers) and
// reload the page's live part when it moves. No framework, no build step.
(function () {
  "use strict";
  // The poster's Print button (no inline script: the Content-Security-Policy allows this file only).
  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  // The group-buy cut-off's countdown: minutes left when the server rendered it, counted down here (by the
  // time since it was rendered, not the browser's clock, which may differ from the server's).
  var rendered = Date.now();
  var countdown = document.querySelector("[data-countdown]");
  if (countdown) { countdown.setAttribute("data-rendered", String(rendered)); }
  setInterval(function () {
    var node = document.querySelector("[data-countdown]");
    if (!node) { return; }
    if (!node.hasAttribute("data-rendered")) { node.setAttribute("data-rendered", String(Date.now())); }
    var since = (Date.now() - Number(node.getAttribute("data-rendered"))) / 60000;
    var left = Math.max(0, Math.floor(Number(node.getAttribute("data-countdown")) - since));
    node.textContent = node.getAttribute("data-text")
      .replace("{hours}", String(Math.floor(left / 60))).replace("{minutes}", String(left % 60));
  }, 15000);
  var root = document.getElementById("live");
  if (!root) { return; }
  var last = root.getAttribute("data-last");
  var part = root.getAttribute("data-live");
  var every = 1000;

  function busy() {
    var active = document.activeElement;
    return active && root.contains(active) && (active.tagName === "INPUT" || active.tagName === "SELECT");
  }

  function reload(next) {
    return fetch(part, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html !== null) { root.innerHTML = html; last = next; root.setAttribute("data-last", next); }
      });
  }

  function poll() {
    fetch("/live", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body && body.last !== undefined && String(body.last) !== last && !busy()) {
          return reload(String(body.last));
        }
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, every); });
  }
  setTimeout(poll, every);
})();
