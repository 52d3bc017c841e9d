// Live branching for a questionnaire form (外呼回访, the preview): on every change of an
// answer (fields named a.<code>) the form posts its answers to its data-shown-url and
// shows exactly the questions the answer names, in {"shown": [codes]}. The walk of
// conditions and jumps is the server's (node.surveys.branching), never redone here. A
// question not shown is hidden and its fieldset disabled, so its answer is not posted
// (the server refuses an answer to a skipped question); shown again, it keeps what was
// typed. Without this script the server still checks every submission.
(function () {
  "use strict";

  function apply(form, shown) {
    var fieldsets = form.querySelectorAll("fieldset[data-question]");
    Array.prototype.forEach.call(fieldsets, function (fieldset) {
      var on = shown.indexOf(fieldset.getAttribute("data-question")) !== -1;
      fieldset.hidden = !on;
      fieldset.disabled = !on;
      if (on) {
        fieldset.classList.remove("skipped");
        var note = fieldset.querySelector("[data-skipped-note]");
        if (note) note.hidden = true;
      }
    });
  }

  function follow(form) {
    var latest = 0;
    form.addEventListener("change", function (event) {
      var name = event.target && event.target.name;
      if (!name || name.indexOf("a.") !== 0) return;
      var mine = ++latest;
      fetch(form.getAttribute("data-shown-url"), {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (resp) {
        return resp.ok ? resp.json() : null;
      }).then(function (data) {
        // Answers arrive in any order: only the latest change's counts.
        if (data && mine === latest && Array.isArray(data.shown)) apply(form, data.shown);
      }).catch(function () { /* offline for a moment: the server still checks */ });
    });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-shown-url]"), follow);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
