// The blog's script. Every page works without it; it only adds:
// the tagline typed out, the CRT filter remembered across visits, the
// sidebar's folded sections remembered for the visit, and the table of
// contents following the section being read.
"use strict";

(function () {
  var reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function store(kind) {
    try {
      var s = window[kind];
      var k = "__blog_probe__";
      s.setItem(k, k);
      s.removeItem(k);
      return s;
    } catch (e) {
      return null; // storage off (private mode, blocked cookies)
    }
  }
  var local = store("localStorage");
  var session = store("sessionStorage");

  // The tagline: one picked at random from the list the page carries,
  // typed out a letter at a time. The page's own text stays for readers
  // without the script.
  function typeTagline() {
    var el = document.getElementById("tagline");
    if (!el) return;
    var text = el.querySelector(".tagline-text");
    var list = (el.getAttribute("data-taglines") || "").split("\n").filter(function (s) {
      return s.trim() !== "";
    });
    if (!text || list.length === 0) return;
    // Only taglines that fit on the line: the header never grows a line
    // while one is typed (on a phone, 40-odd characters).
    var caret = el.querySelector(".caret");
    var cols = caret && caret.getBoundingClientRect().width > 0
      ? Math.floor(el.clientWidth / caret.getBoundingClientRect().width) - 1
      : Infinity;
    var fitting = list.filter(function (s) {
      return s.length <= cols;
    });
    // None fits: the page's own, cut by the stylesheet.
    var pick = fitting.length > 0 ? fitting[Math.floor(Math.random() * fitting.length)] : text.textContent;
    function show(n) {
      text.textContent = pick.slice(0, n);
      if (caret) caret.style.transform = "translateX(" + n + "ch)";
    }
    if (reduceMotion) {
      show(pick.length);
      el.setAttribute("data-typed", "done");
      return;
    }
    show(0);
    el.setAttribute("data-typed", "typing");
    var i = 0;
    (function next() {
      i++;
      show(i);
      if (i < pick.length) {
        window.setTimeout(next, 35 + Math.random() * 55);
      } else {
        el.setAttribute("data-typed", "done");
      }
    })();
  }

  // The CRT filter: the stylesheet draws it while the box shown is
  // ticked, as the page comes (on). This remembers the reader's choice and
  // keeps the header's box and the sidebar's alike. Under reduced motion
  // it stays off.
  function crtToggle() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll("input.crt-toggle"));
    if (boxes.length === 0) return;
    if (reduceMotion) {
      boxes.forEach(function (b) {
        b.checked = false;
        b.disabled = true;
      });
      return;
    }
    var stored = local ? local.getItem("crt") : null;
    if (stored === "on" || stored === "off") {
      boxes.forEach(function (b) {
        b.checked = stored === "on";
      });
    }
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        boxes.forEach(function (b) {
          b.checked = box.checked;
        });
        if (local) local.setItem("crt", box.checked ? "on" : "off");
      });
    });
  }

  // Folded sidebar sections stay folded while the tab is open.
  function rememberSections() {
    var all = document.querySelectorAll("details[data-remember]:not([data-remembered])");
    Array.prototype.forEach.call(all, function (d) {
      d.setAttribute("data-remembered", "");
      var key = "section:" + d.getAttribute("data-remember");
      if (session) {
        var v = session.getItem(key);
        if (v === "closed") d.open = false;
        if (v === "open") d.open = true;
      }
      d.addEventListener("toggle", function () {
        if (session) session.setItem(key, d.open ? "open" : "closed");
      });
    });
  }

  // The table of contents marks the section being read: the last heading
  // that has passed a line near the top of the window. It returns what
  // stops following, for when the text is swapped in place.
  function followReading() {
    var none = function () {};
    var toc = document.getElementById("toc");
    if (!toc || !("IntersectionObserver" in window)) return none;
    var links = Array.prototype.slice.call(toc.querySelectorAll("a[href^='#']"));
    var entries = links
      .map(function (a) {
        var id = decodeURIComponent(a.getAttribute("href").slice(1));
        return { link: a, target: document.getElementById(id) };
      })
      .filter(function (e) {
        return e.target !== null;
      });
    if (entries.length === 0) return none;
    var current = null;
    var header = document.querySelector(".site-header");
    function update() {
      // A line a little below the header, which stays over the text.
      var top = header ? Math.max(0, header.getBoundingClientRect().bottom) : 0;
      var line = top + window.innerHeight * 0.1;
      var active = entries[0];
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].target.getBoundingClientRect().top <= line) active = entries[i];
        else break;
      }
      // At the very end of the page the last section is the one read.
      if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2) {
        active = entries[entries.length - 1];
      }
      if (active === current) return;
      if (current) current.link.removeAttribute("aria-current");
      active.link.setAttribute("aria-current", "location");
      current = active;
    }
    var pending = false;
    function schedule() {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(function () {
        pending = false;
        update();
      });
    }
    // A heading crossing that line, or coming into or out of sight, wakes
    // the update; scrolling within a section costs nothing. A jump over
    // whole sections (a link, the Home key) may cross no line at all, so
    // the end of every scroll looks once more.
    var crossing = new IntersectionObserver(schedule, { rootMargin: "0px 0px -85% 0px", threshold: [0, 1] });
    var sight = new IntersectionObserver(schedule, { threshold: [0] });
    entries.forEach(function (e) {
      crossing.observe(e.target);
      sight.observe(e.target);
    });
    window.addEventListener("scrollend", schedule, { passive: true });
    update();
    return function () {
      crossing.disconnect();
      sight.disconnect();
      window.removeEventListener("scrollend", schedule);
    };
  }

  function start() {
    typeTagline();
    crtToggle();
    rememberSections();
    var stopFollowing = followReading();
    // live.js swapped the text and its contents for new ones: follow those.
    document.addEventListener("blog:content-updated", function () {
      stopFollowing();
      stopFollowing = followReading();
      rememberSections();
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
