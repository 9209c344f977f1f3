// "Seen" forms (templates/_seen.html): once the page is shown, post each form in the background, so that
// the dashboard stops counting what the page shows as new, and hide its button. Without JavaScript the
// button posts the same form.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-seen-beacon]");
  Array.prototype.forEach.call(forms, function (form) {
    if (form.dataset.sent) { return; }
    form.dataset.sent = "1";
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Seen-Beacon", "1");
    request.onload = function () {
      if (request.status === 204) { form.hidden = true; form.dataset.seen = "1"; }
    };
    request.send(new FormData(form));
  });
})();
