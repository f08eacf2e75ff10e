// The staff upload form: "Show in patient portal" follows the kind of document chosen in its
// row (ticked for the kinds listed in the select's data-portal-default: lab results and
// imaging) until staff tick or untick it themselves. A row sent back with errors keeps what
// was sent (data-chosen). Without JavaScript the box simply starts as the first kind shown says.
(function () {
  "use strict";
  document.querySelectorAll("select[data-portal-default]").forEach(function (select) {
    var kinds = select.getAttribute("data-portal-default").split(" ");
    var row = select.closest("fieldset");
    var box = row && row.querySelector('input[type="checkbox"][name$="-visible_in_portal"]');
    if (!box) {
      return;
    }
    var chosen = box.getAttribute("data-chosen") === "1";
    box.addEventListener("change", function () {
      chosen = true;
    });
    select.addEventListener("change", function () {
      if (!chosen) {
        box.checked = kinds.indexOf(select.value) !== -1;
      }
    });
  });
})();
