// Every page: a form with data-confirm asks before it is sent (remove a member, revoke the token,
// delete a row). One listener instead of inline onsubmit handlers, which the CSP refuses.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
