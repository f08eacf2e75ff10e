// A receipt's "Print" button: shown only when scripts run (without them the browser's own Print
// does the same; the print stylesheet leaves out everything but the receipt).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
