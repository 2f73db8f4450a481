// Preview page: after a cell is fixed in place (htmx swaps the checked new version in), put the
// cursor in the next cell that still has a problem, so fixes can be typed one after another.
(function () {
  "use strict";
  document.body.addEventListener("htmx:afterSwap", function () {
    var next = document.querySelector("#preview td.cell-error .cell-fix input");
    if (next) next.focus();
  });
})();

// Setting a column on the chosen rows: the row checkboxes belong to the remove form, so the rows
// chosen are copied into the set form as it is sent (without JavaScript it sets every match).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form || form.id !== "set-column") return;
    form.querySelectorAll("input[data-copied]").forEach(function (old) { old.remove(); });
    document.querySelectorAll('input[name="rows"][data-also-form="set-column"]:checked').forEach(function (box) {
      var copy = document.createElement("input");
      copy.type = "hidden";
      copy.name = "rows";
      copy.value = box.value;
      copy.setAttribute("data-copied", "");
      form.appendChild(copy);
    });
  });
})();
