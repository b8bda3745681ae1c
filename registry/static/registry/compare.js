// Before/after slider: the "after" image is laid over the "before" one and
// clipped at the range input's position. Without this script the pair is
// still shown side by side. Styles are set through the CSSOM only, which a
// Content-Security-Policy without 'unsafe-inline' allows.
(function () {
  "use strict";
  function setUp(pair) {
    var slider = pair.querySelector(".pair-slider");
    var frame = pair.querySelector(".pair-frame");
    var range = pair.querySelector(".pair-range");
    if (!slider || !frame || !range) {
      return;
    }
    function update() {
      frame.style.setProperty("--position", range.value + "%");
    }
    range.addEventListener("input", update);
    update();
    slider.hidden = false;
  }
  document.querySelectorAll("[data-compare]").forEach(setUp);
})();
