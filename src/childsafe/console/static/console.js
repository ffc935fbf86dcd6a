// childsafe console: keyboard shortcuts, live SLA countdowns and the decision preview.
// Everything here is an enhancement; every page works without it.
(function () {
  "use strict";
  var typing = function (el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  };

  // Live "in 2 h 5 min" / "overdue by ..." next to every SLA due time.
  function rel(ms) {
    var s = Math.abs(Math.round(ms / 1000)), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600),
        m = Math.floor((s % 3600) / 60);
    if (d) return d + " d" + (h ? " " + h + " h" : "");
    if (h) return h + " h" + (m ? " " + m + " min" : "");
    return m ? m + " min" : "under a minute";
  }
  function tick() {
    document.querySelectorAll(".due[data-due]").forEach(function (el) {
      var left = Date.parse(el.getAttribute("data-due")) - Date.now(), out = el.querySelector(".due-rel");
      if (!out || isNaN(left)) return;
      el.classList.toggle("overdue", left < 0);
      out.textContent = left < 0 ? "overdue by " + rel(left) : "in " + rel(left);
    });
  }
  tick();
  setInterval(tick, 30000);

  // Decision preview, refreshed as the reviewer types (the Preview button does the same without script).
  var form = document.getElementById("decision-form");
  var body = document.getElementById("preview-body");
  var timer = null;
  function refresh() {
    if (!form || !body) return;
    var data = new URLSearchParams(new FormData(form));
    fetch(form.getAttribute("data-preview-url"), {method: "POST", body: data, credentials: "same-origin",
      headers: {"Content-Type": "application/x-www-form-urlencoded"}})
      .then(function (r) { return r.text(); })
      .then(function (html) { body.innerHTML = html; })
      .catch(function () { /* the button still works */ });
  }
  if (form) {
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
    form.addEventListener("change", function () { clearTimeout(timer); timer = setTimeout(refresh, 150); });
  }

  // Lists: j/k move, Enter opens.
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-list] [data-row]"));
  var current = -1;
  function select(i) {
    if (!rows.length) return;
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows.forEach(function (r, n) { r.classList.toggle("is-selected", n === current); });
    var link = rows[current].querySelector("[data-open]");
    if (link) link.focus();
  }

  var help = document.getElementById("shortcuts");
  var pendingG = false;
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    var key = e.key;
    if (key === "?") {
      if (help) { if (help.open) help.close(); else help.showModal(); e.preventDefault(); }
      return;
    }
    if (help && help.open) return;
    if (pendingG) {
      pendingG = false;
      if (key === "q") { location.href = "/console/queues"; e.preventDefault(); }
      if (key === "a") { location.href = "/console/appeals"; e.preventDefault(); }
      return;
    }
    if (key === "g") { pendingG = true; setTimeout(function () { pendingG = false; }, 1200); return; }
    if (key === "j") { select(current + 1); e.preventDefault(); return; }
    if (key === "k") { select(current - 1); e.preventDefault(); return; }
    if (key === "c") {
      var claim = document.getElementById("claim-form");
      if (claim) { claim.querySelector("button").focus(); e.preventDefault(); }
      return;
    }
    if (key === "p") {
      var pb = document.getElementById("preview-button");
      if (pb) { refresh(); document.getElementById("preview").scrollIntoView({behavior: "smooth"}); e.preventDefault(); }
      return;
    }
    var radio = document.querySelector('input[name="action"][data-key="' + key + '"]');
    if (radio) {
      radio.checked = true;
      radio.dispatchEvent(new Event("change", {bubbles: true}));
      radio.focus();
      e.preventDefault();
    }
  });
})();
