// An issuance run's page: follow its progress, then show the outcomes once it has finished.
(function () {
  "use strict";
  var box = document.getElementById("run");
  if (!box) { return; }
  var bar = document.getElementById("run-progress");
  var text = document.getElementById("run-state");
  var WORDS = { queued: "waiting to start", running: "issuing", finished: "finished", stopped: "stopped" };
  function poll() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (run) {
        bar.max = run.total;
        bar.value = run.done;
        text.textContent = run.done + " of " + run.total + " — " + (WORDS[run.state] || run.state);
        if (run.state === "finished" || run.state === "stopped") { window.location.reload(); }
        else { window.setTimeout(poll, 700); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  poll();
})();
