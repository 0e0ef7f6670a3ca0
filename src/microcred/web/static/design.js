// Progressive enhancement for the design stage's pages; each works without it.
// - The specification form: an "Add a skill" box offers ESCO skills' names as the person types (/api/skills).
// - The catalogue: the filters' disclosure starts open on wide screens (closed on phones, results first).
(function () {
  "use strict";

  var boxes = document.querySelectorAll("input[data-skill-search]");
  if (boxes.length && window.fetch) {
    var list = document.createElement("datalist");
    list.id = "skill-names";
    document.body.appendChild(list);
    var timer = null;
    var asked = "";
    var show = function (hits) {
      list.textContent = "";
      hits.forEach(function (hit) {
        var option = document.createElement("option");
        option.value = hit.label;
        list.appendChild(option);
      });
    };
    var ask = function (words) {
      if (words === asked) { return; }
      asked = words;
      fetch("/api/skills?limit=8&q=" + encodeURIComponent(words), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : []; })
        .then(function (hits) { if (words === asked) { show(hits); } })
        .catch(function () { show([]); });
    };
    Array.prototype.forEach.call(boxes, function (box) {
      box.setAttribute("list", "skill-names");
      box.addEventListener("input", function () {
        var words = box.value.trim();
        window.clearTimeout(timer);
        // An address is taken as it is; names are looked up once the person pauses.
        if (words.length < 2 || /^https?:/.test(words)) { return; }
        timer = window.setTimeout(function () { ask(words); }, 250);
      });
    });
  }

  var filters = document.querySelector("details.filters");
  if (filters) {
    if (window.matchMedia && window.matchMedia("(min-width: 48.01rem)").matches) { filters.open = true; }
    // On phones the filters come after the results: the link above the results opens them on its way there.
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest('a[href="#filters"]') : null;
      if (link) { filters.open = true; }
    });
  }
})();
