// Progressive enhancement for every page: the phone menu, copy buttons, and a flash that a reload does not repeat.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var header = document.querySelector(".site-header");
  var toggle = document.querySelector(".menu-toggle");
  if (header && toggle) {
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) { return; }
    var box = document.getElementById(button.getAttribute("data-copy"));
    var said = button.parentNode.querySelector(".copied");
    if (!box) { return; }
    function tell(text) { if (said) { said.textContent = text; } }
    var copied = navigator.clipboard && window.isSecureContext
      ? navigator.clipboard.writeText(box.value)
      : new Promise(function (resolve, reject) {
          box.select();
          try { document.execCommand("copy") ? resolve() : reject(); } catch (error) { reject(error); }
        });
    copied.then(function () { tell("Copied"); }, function () { box.select(); tell("Selected: press Ctrl+C to copy"); });
  });

  // The flash came with ?done=…: drop it from the address so a reload or a bookmark does not say it again.
  if (window.history && window.history.replaceState && /[?&]done=/.test(window.location.search)) {
    var url = new URL(window.location.href);
    url.searchParams.delete("done");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
})();
