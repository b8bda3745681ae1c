// Follows a running import on its admin page: polls the batch's progress and
// moves the bar; reloads the page once the step is over, to show its results.
(function () {
  "use strict";
  var root = document.querySelector("[data-progress-url]");
  if (!root) { return; }
  var url = root.getAttribute("data-progress-url");
  var bar = document.getElementById("import-bar");
  var percent = document.getElementById("import-percent");
  var rows = document.getElementById("import-rows");
  var status = document.getElementById("import-status");

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        bar.value = data.percent;
        bar.textContent = data.percent + " %";
        percent.textContent = data.percent + " %";
        rows.textContent = data.rows_done + " / " + data.rows_total;
        status.textContent = data.status_label;
        if (data.running) {
          window.setTimeout(poll, 1000);
        } else {
          window.location.reload();
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
