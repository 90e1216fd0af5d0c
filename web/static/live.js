// live.js keeps an open page current: it holds one live stream
// (GET /live?path=…) and shows what the blog sends on it — the readers of
// the site and of this page, the author's presence, and new content, on
// which the page fetches itself again and swaps its <main> in place.
// Without it, or when the node refuses the stream, the page stays static.
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch) return;

  var byId = function (id) { return document.getElementById(id); };

  function showViewers(data) {
    var site = byId("viewers-site"), page = byId("viewers-page"), box = byId("sidebar-viewers");
    if (!site || !page || !box) return;
    site.textContent = String(data.site);
    page.textContent = String(data.page);
    box.hidden = false;
  }

  var statusText = { online: "Online", idle: "Idle", dnd: "Do not disturb", offline: "Offline" };

  function line(cls, text) {
    var p = document.createElement("p");
    p.className = cls;
    p.textContent = text;
    return p;
  }

  function showPresence(data) {
    var box = byId("sidebar-presence"), body = byId("presence-body");
    if (!box || !body) return;
    if (data.enabled === false) { box.hidden = true; return; }
    var parts = [];
    if (!data.connected) {
      parts.push(line("presence-status presence-unavailable", "Presence unavailable: Discord cannot be reached just now."));
    } else {
      var status = statusText[data.status] || "Offline";
      var who = line("presence-status presence-" + (statusText[data.status] ? data.status : "offline"), "");
      var dot = document.createElement("span");
      dot.className = "presence-dot";
      dot.setAttribute("aria-hidden", "true");
      dot.textContent = "\u2022 ";
      who.appendChild(dot);
      if (data.username) who.appendChild(document.createTextNode(data.username + " \u2014 "));
      who.appendChild(document.createTextNode(status));
      parts.push(who);
      var acts = Array.isArray(data.activities) ? data.activities : [];
      for (var i = 0; i < acts.length; i++) {
        // Spotify has its own line; a custom status shows its text.
        if (!acts[i] || acts[i].name === "Spotify") continue;
        var text = acts[i].type === 4 ? (acts[i].state || "") : (acts[i].name || "");
        if (text) { parts.push(line("presence-activity", text)); break; }
      }
      if (data.spotify && data.spotify.song) {
        parts.push(line("presence-spotify", "\u266b " + data.spotify.song + (data.spotify.artist ? " \u2014 " + data.spotify.artist : "")));
      }
    }
    body.replaceChildren.apply(body, parts);
    box.hidden = false;
  }

  // refresh fetches this page again and swaps its content in place,
  // keeping the reader where they were.
  var refreshing = false, again = false;

  // typing says whether the reader has started filling in a form here,
  // which a swap would throw away.
  function typing() {
    var main = byId("content");
    if (!main) return false;
    var fields = main.querySelectorAll("input, textarea");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "hidden" || f.type === "submit" || f.disabled) continue;
      // A box's value is fixed ("on"); what a reader changes is whether
      // it is ticked. (A post's task list is such boxes, disabled.)
      var changed = f.type === "checkbox" || f.type === "radio"
        ? f.checked !== f.defaultChecked
        : f.value !== f.defaultValue;
      if (changed || f === document.activeElement) return true;
    }
    return false;
  }

  function refresh() {
    if (typing()) return;
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(location.href, { cache: "no-store", credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (res) {
        if (!res.ok) throw new Error("status " + res.status);
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("content"), old = byId("content");
        if (!fresh || !old || typing()) return;
        var x = window.scrollX, y = window.scrollY;
        old.replaceChildren.apply(old, Array.prototype.slice.call(fresh.childNodes).map(function (n) {
          return document.importNode(n, true);
        }));
        var toc = doc.getElementById("sidebar-toc"), oldToc = byId("sidebar-toc");
        if (toc && oldToc) oldToc.replaceWith(document.importNode(toc, true));
        if (doc.title) document.title = doc.title;
        window.scrollTo(x, y);
        document.dispatchEvent(new CustomEvent("blog:content-updated"));
      })
      .catch(function () { /* the page stays as it is */ })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }

  function parse(ev) {
    try { return JSON.parse(ev.data); } catch (e) { return null; }
  }

  var es = null;
  function connect() {
    es = new EventSource("/live?path=" + encodeURIComponent(location.pathname));
    es.addEventListener("viewers", function (ev) { var d = parse(ev); if (d) showViewers(d); });
    es.addEventListener("presence", function (ev) { var d = parse(ev); if (d) showPresence(d); });
    es.addEventListener("content", function () { refresh(); });
    // Pages that show what moves without a write (the cluster page) are
    // told to fetch themselves again now and then.
    es.addEventListener("refresh", function () { refresh(); });
    es.addEventListener("error", function () {
      // Refused (400, 503) or gone for good: the counts would go stale.
      if (es && es.readyState === EventSource.CLOSED) {
        var box = byId("sidebar-viewers");
        if (box) box.hidden = true;
      }
    });
  }
  // A page the reader left is no longer a viewer, even while the browser
  // keeps it for the back button; coming back to it counts again.
  window.addEventListener("pagehide", function () { if (es) { es.close(); es = null; } });
  window.addEventListener("pageshow", function (ev) { if (ev.persisted && !es) { connect(); refresh(); } });
  connect();
})();
