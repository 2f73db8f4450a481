// Preview page: after a cell is fixed in place (htmx swaps the checked new version in), put the
// cursor in the next cell that still has a problem, so fixes can be typed one after another.
(function () {
  "use strict";
  document.body.addEventListener("htmx:afterSwap", function () {
    var next = document.querySelector("#preview td.cell-error .cell-fix input");
    if (next) next.focus();
  });
})();
