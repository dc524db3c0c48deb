// The coordinator's console: everything works without this script; it only polls a running
// dispatch (and reloads the page when it is finished) and adds small comforts.
(function () {
  "use strict";

  // A running dispatch: poll its status, show it, reload once it is done or failed.
  document.querySelectorAll("[data-poll]").forEach(function (box) {
    var url = box.getAttribute("data-poll");
    var label = box.querySelector("[data-run-label]");
    var failures = 0;
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (run) {
          failures = 0;
          if (label) {
            label.textContent = run.label;
            label.className = "run__status run__status--" + run.status;
          }
          if (run.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < 10) { window.setTimeout(poll, 3000); }
        });
    }
    window.setTimeout(poll, 700);
  });

  // Ask before a form that cannot be undone (cancel an order).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // One tap, one submission: the button waits for the answer (the server is idempotent
  // anyway for new orders).
  document.querySelectorAll("button[data-once]").forEach(function (button) {
    var form = button.form;
    if (!form) { return; }
    form.addEventListener("submit", function () {
      window.setTimeout(function () { button.disabled = true; }, 0);
    });
  });

  // The runner's link: select it all on focus, ready to copy.
  document.querySelectorAll("input[data-select]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
