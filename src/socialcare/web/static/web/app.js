// Socialcare agent UI behaviour. No inline script anywhere: the CSP forbids it.
(function () {
  "use strict";

  // Live updates: one EventSource per page; every "changed" event makes htmx refresh the
  // elements that listen for `sc:changed from:body` (the inbox rows, the ticket thread).
  function connectLive() {
    var url = document.body.getAttribute("data-live-url");
    if (!url || !window.EventSource) return;
    var dot = document.getElementById("live-dot");
    var source = new EventSource(url);
    source.addEventListener("hello", function () { if (dot) dot.classList.add("on"); });
    source.addEventListener("changed", function (event) {
      document.body.setAttribute("data-last-change", event.data);
      if (window.htmx) window.htmx.trigger(document.body, "sc:changed");
    });
    source.onerror = function () { if (dot) dot.classList.remove("on"); };
  }

  // Length counter for reply boxes: <textarea data-max-length="280" data-counter="id">.
  function updateCounter(area) {
    var counter = document.getElementById(area.getAttribute("data-counter"));
    if (!counter) return;
    var max = parseInt(area.getAttribute("data-max-length"), 10);
    var length = Array.from(area.value).length;
    counter.textContent = length + " / " + max;
    counter.classList.toggle("over", length > max);
  }

  function wire(root) {
    root.querySelectorAll("textarea[data-max-length]").forEach(function (area) {
      updateCounter(area);
      area.addEventListener("input", function () { updateCounter(area); });
    });
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () {
        var form = select.form;
        if (form.hasAttribute("hx-post") && window.htmx) window.htmx.trigger(form, "submit");
        else form.requestSubmit();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wire(document);
    connectLive();
  });
  document.addEventListener("htmx:afterSwap", function (event) { wire(event.target); });
})();
