// The signing page: signature_pad (npm) on a canvas, with undo and clear,
// shown when "Drawn" is chosen. On submit the drawing goes into hidden
// fields as a PNG and the stroke data; the server checks both.
(function () {
  "use strict";
  const form = document.getElementById("sign-form");
  const wrapper = document.querySelector("[data-signature-pad]");
  const canvas = document.getElementById("signature-canvas");
  if (!form || !wrapper || !canvas || typeof SignaturePad === "undefined") return;
  const pad = new SignaturePad(canvas, { penColor: "rgb(20, 30, 60)", minWidth: 1, maxWidth: 3 });

  function resize() {
    const data = pad.toData();
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  }

  function showPadIfDrawing() {
    const chosen = form.querySelector("input[name=method]:checked");
    wrapper.hidden = !chosen || chosen.value !== "drawn";
    if (!wrapper.hidden) resize();
  }

  form.querySelectorAll("input[name=method]").forEach(function (input) {
    input.addEventListener("change", showPadIfDrawing);
  });
  wrapper.querySelector("[data-pad-clear]").addEventListener("click", function () { pad.clear(); });
  wrapper.querySelector("[data-pad-undo]").addEventListener("click", function () {
    const data = pad.toData();
    data.pop();
    pad.fromData(data);
  });
  window.addEventListener("resize", function () { if (!wrapper.hidden) resize(); });
  form.addEventListener("submit", function () {
    // Always written, so a drawing cleared after a refused submit is never sent again.
    const chosen = form.querySelector("input[name=method]:checked");
    const drawn = chosen && chosen.value === "drawn" && !pad.isEmpty();
    form.querySelector("input[name=signature_image]").value = drawn ? pad.toDataURL("image/png") : "";
    form.querySelector("input[name=signature_strokes]").value = drawn ? JSON.stringify(pad.toData()) : "";
  });
  showPadIfDrawing();
})();
