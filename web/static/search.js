// Search as you type on the lists of posts and projects. The form and the
// tag links work without this script; with it, the list is fetched and
// swapped in place about 350 ms after the last key, and the address bar
// keeps the search, so a reload or a shared link shows the same list.
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.history.replaceState) {
    return;
  }
  // live.js may swap the page's text, the form with it, for a new one.
  document.addEventListener("blog:content-updated", follow);
  follow();

  function follow() {
    var form = document.querySelector("form[data-live-search]:not([data-following])");
    if (!form) {
      return;
    }
    var input = form.querySelector('input[name="q"]');
    if (!input) {
      return;
    }
    form.setAttribute("data-following", "");
    var DELAY = 350;
    var timer = 0;
    var controller = null;
    var last = input.value;

    function addressFor() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, name) {
        if (String(value).trim() !== "") {
          params.append(name, value);
        }
      });
      var query = params.toString();
      return form.getAttribute("action") + (query ? "?" + query : "");
    }

    function swap(doc, id) {
      var fresh = doc.getElementById(id);
      var old = document.getElementById(id);
      if (fresh && old) {
        old.replaceWith(fresh);
      } else if (old && !fresh) {
        old.remove();
      }
    }

    function update() {
      if (input.value === last) {
        return;
      }
      last = input.value;
      var address = addressFor();
      window.history.replaceState(null, "", address);
      if (controller) {
        controller.abort();
      }
      controller = new AbortController();
      var mine = controller;
      form.setAttribute("aria-busy", "true");
      fetch(address, { signal: mine.signal, headers: { Accept: "text/html" } })
        .then(function (res) {
          return res.text();
        })
        .then(function (html) {
          if (mine !== controller) {
            return; // a newer search is under way
          }
          var doc = new DOMParser().parseFromString(html, "text/html");
          swap(doc, "results");
          swap(doc, "tag-bar");
          var h1 = doc.querySelector("main h1, h1");
          var mine1 = document.querySelector("main h1, h1");
          if (h1 && mine1) {
            mine1.replaceWith(h1);
          }
          if (doc.title) {
            document.title = doc.title;
          }
        })
        .catch(function () {
          // Offline or aborted: the form still submits as usual.
        })
        .finally(function () {
          if (mine === controller) {
            form.removeAttribute("aria-busy");
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, DELAY);
    });
  }
})();
