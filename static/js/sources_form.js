// The source form: only the settings of the chosen kind (HTTPS report or bucket) are shown.
(function () {
  "use strict";
  var choices = document.querySelectorAll('input[name="kind"]');
  function show() {
    var chosen = document.querySelector('input[name="kind"]:checked');
    var kind = chosen ? chosen.value : "https";
    document.querySelectorAll("fieldset[data-kind]").forEach(function (set) {
      set.hidden = set.getAttribute("data-kind") !== kind;
    });
  }
  choices.forEach(function (choice) { choice.addEventListener("change", show); });
  show();
})();
