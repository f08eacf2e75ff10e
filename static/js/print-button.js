// The "Print" button of the day's printed list: shown only where JavaScript can open the
// browser's print dialog; without it the page says to use the browser's own Print command.
(function () {
  "use strict";
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  document.querySelectorAll("[data-print-hint]").forEach(function (hint) {
    hint.hidden = true;
  });
})();
