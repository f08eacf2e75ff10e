// "Print" buttons (the day's printed list, receipts): shown only where JavaScript can open the
// browser's print dialog; without it the page says to use the browser's own Print command, and
// the print stylesheet leaves out everything but the list or the receipt.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
  document.querySelectorAll("[data-print-hint]").forEach(function (hint) {
    hint.hidden = true;
  });
})();
