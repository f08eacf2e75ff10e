// The cart drawer: htmx loads the cart into the dialog, the browser's modal
// <dialog> keeps focus inside and closes on Escape. Without JavaScript the
// cart link simply opens the cart page.
(function () {
  "use strict";
  const drawer = document.getElementById("cart-drawer");
  if (!drawer) return;
  let opener = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.classList.contains("cart-link")) opener = event.detail.elt;
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "cart-drawer-body") return;
    if (!drawer.open) drawer.showModal();
    const title = document.getElementById("cart-drawer-title");
    if (title) {
      title.setAttribute("tabindex", "-1");
      title.focus();
    }
  });
  drawer.addEventListener("click", function (event) {
    if (event.target.closest("[data-close-drawer]") || event.target === drawer) drawer.close();
  });
  drawer.addEventListener("close", function () {
    if (opener) opener.focus();
  });
})();
