// The job page (templates/jobs/job.html): polls the job's JSON every two seconds and updates the progress
// bar, the count and the time left; reloads the page once the job has finished (to show its download, its
// error or its cancellation). Without it, the page refreshes itself (a <noscript> meta refresh) and has a
// Refresh link.
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section || section.dataset.state === "done" || section.dataset.state === "failed" ||
      section.dataset.state === "cancelled") { return; }
  var url = section.dataset.statusUrl;
  var bar = document.getElementById("job-progress");
  var count = document.getElementById("job-progress-text");
  var left = document.getElementById("job-time-left");
  var state = document.getElementById("job-state");
  var delay = 2000;

  function show(status) {
    if (status.finished) { window.location.reload(); return; }
    if (bar) {
      bar.max = Math.max(status.total, 1);
      bar.value = status.done;
      bar.textContent = status.progress_text;
    }
    if (count) { count.textContent = status.progress_text; }
    if (left) { left.textContent = status.time_left_text; }
    if (state) { state.textContent = status.state_text; }
    section.dataset.state = status.state;
    window.setTimeout(poll, delay);
  }

  function poll() {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      if (request.status === 200) { show(JSON.parse(request.responseText)); }
      else { window.setTimeout(poll, delay * 3); }  // logged out, or the server restarting: try again later
    };
    request.onerror = function () { window.setTimeout(poll, delay * 3); };
    request.send();
  }

  window.setTimeout(poll, delay);
}());
