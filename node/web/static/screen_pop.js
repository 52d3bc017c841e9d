// fedcrm web UI: the screen pop. When a call rings or connects at this agent's phone the
// node sends the caller pop-up's address; the page goes there, unless the agent has typed
// something on this page, where a bar with the link appears instead (nothing is lost).
"use strict";

(function screenPop() {
  const url = document.body.dataset.popStream;
  if (!url || !window.EventSource) return;
  let typed = false;
  document.addEventListener("input", () => { typed = true; });
  const source = new EventSource(url);
  source.addEventListener("pop", (event) => {
    const target = event.data;
    if (!target.startsWith("/ui/")) return;
    if (!typed) {
      window.location.assign(target);
      return;
    }
    let bar = document.querySelector("[data-pop-bar]");
    if (!bar) {
      bar = document.createElement("p");
      bar.className = "flash";
      bar.setAttribute("role", "alert");
      bar.dataset.popBar = "";
      document.querySelector("main").prepend(bar);
    }
    bar.replaceChildren();
    const link = document.createElement("a");
    link.href = target;
    link.textContent = document.body.dataset.popText || "来电：打开客户页面";
    bar.append(link);
  });
})();
