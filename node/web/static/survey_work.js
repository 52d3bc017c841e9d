// 外呼回访: while a callback is on screen, renew its reservation every minute so the
// pool does not hand it to another agent; the page works without this (the lease then
// runs its campaign's length).
(function () {
  "use strict";
  function start() {
    var box = document.querySelector("[data-renew-url]");
    if (!box) return;
    var status = box.querySelector("[data-lease-status]");
    var timer = window.setInterval(function () {
      var body = new FormData();
      body.append("csrf_token", box.getAttribute("data-csrf"));
      fetch(box.getAttribute("data-renew-url"), {
        method: "POST", body: body, credentials: "same-origin"
      }).then(function (resp) {
        if (!resp.ok) {
          window.clearInterval(timer);
          if (status) status.textContent = box.getAttribute("data-renew-lost");
        }
      }).catch(function () { /* offline for a moment: try again next minute */ });
    }, 60000);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
