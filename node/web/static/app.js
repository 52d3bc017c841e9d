// fedcrm web UI: instant customer search, SLA countdowns, the queue's select-all and
// lists that refresh themselves, in plain JavaScript
// (no framework, nothing fetched from outside the node).
"use strict";

(function instantSearch() {
  const box = document.querySelector("[data-instant-search]");
  if (!box) return;
  const results = document.getElementById(box.getAttribute("aria-controls"));
  const url = box.dataset.instantSearch;
  let timer = null;
  let pending = null;

  function links() {
    return Array.from(results.querySelectorAll("tbody a"));
  }

  async function fetchResults() {
    const q = box.value.trim();
    if (pending) pending.abort();
    pending = new AbortController();
    try {
      // The list's filters stay as they are (the page's link holds them); paging starts again.
      const params = new URLSearchParams(window.location.search);
      for (const name of ["cursor", "back", "export", "table"]) params.delete(name);
      params.set("q", q);
      const resp = await fetch(url + "?" + params.toString(), {
        signal: pending.signal,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      if (resp.redirected && resp.url.includes("/ui/login")) {
        window.location = resp.url;
        return;
      }
      results.innerHTML = await resp.text();
      const u = new URL(window.location);
      if (q) u.searchParams.set("q", q); else u.searchParams.delete("q");
      history.replaceState(null, "", u);
      // A saved view keeps what is on screen: the save form's filters now hold the words too.
      for (const input of document.querySelectorAll('.views input[name="query"]')) {
        const kept = new URLSearchParams(input.value);
        if (q) kept.set("q", q); else kept.delete("q");
        input.value = kept.toString();
      }
    } catch (err) {
      if (err.name !== "AbortError") throw err;
    }
  }

  box.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(fetchResults, 250); // debounce: one request per pause in typing
  });
  box.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" && links().length) {
      ev.preventDefault();
      links()[0].focus();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      clearTimeout(timer);
      const first = links()[0];
      if (first && box.value.trim()) fetchResults();
    }
  });
  results.addEventListener("keydown", (ev) => {
    const all = links();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    if (ev.key === "ArrowDown" && i + 1 < all.length) { ev.preventDefault(); all[i + 1].focus(); }
    if (ev.key === "ArrowUp") { ev.preventDefault(); (i ? all[i - 1] : box).focus(); }
    if (ev.key === "Escape") { box.focus(); }
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && document.activeElement.tagName !== "INPUT"
        && document.activeElement.tagName !== "TEXTAREA") {
      ev.preventDefault();
      box.focus();
    }
  });
})();

(function slaCountdown() {
  if (!document.querySelector("td.countdown[data-due]")) return;
  const texts = document.getElementById("countdown-texts");
  const overdue = texts ? texts.dataset.overdue : "overdue";
  const en = texts && texts.dataset.lang === "en";

  // The same text as node/web/pages_tickets.py duration().
  function render(seconds) {
    const minutes = Math.floor(Math.abs(seconds) / 60);
    let h = Math.floor(minutes / 60);
    const m = minutes % 60;
    let text;
    if (h >= 72) {  // DAYS_FROM_HOURS
      const d = Math.floor(h / 24);
      h = h % 24;
      text = en ? `${d} d ${h} h` : `${d}天${h}小时`;
    } else {
      text = en ? `${h} h ${m} min` : `${h}小时${m}分`;
    }
    return seconds < 0 ? `${overdue} ${text}` : text;
  }

  function tick() {
    const now = Date.now();
    // Read again each time: a list that refreshes itself brings new cells.
    document.querySelectorAll("td.countdown[data-due]").forEach((cell) => {
      if (cell.dataset.state === "met" || cell.dataset.state === "missed") return;
      const left = Math.trunc((Date.parse(cell.dataset.due) - now) / 1000);
      cell.textContent = render(left);
      if (left < 0) cell.parentElement.className = "sla-overdue";
    });
  }
  setInterval(tick, 30000);
})();

(function selectAll() {
  // The queue's 「全选本页」: ticks or clears every row's box, and follows them. Listened
  // for on the document, so rows a refresh brings in (refreshLists) are followed too.
  const boxes = (name) => Array.from(
    document.querySelectorAll(`input[type=checkbox][name="${name}"]`));
  document.addEventListener("change", (ev) => {
    const all = ev.target.closest("input[data-select-all]");
    if (all) {
      boxes(all.dataset.selectAll).forEach((box) => { box.checked = all.checked; });
      return;
    }
    document.querySelectorAll("input[data-select-all]").forEach((every) => {
      if (ev.target.name !== every.dataset.selectAll) return;
      const ticked = boxes(every.dataset.selectAll).filter((box) => box.checked).length;
      every.checked = ticked > 0 && ticked === boxes(every.dataset.selectAll).length;
      every.indeterminate = ticked > 0 && !every.checked;
    });
  });
})();

(function refreshLists() {
  // A list marked data-refresh="60" (seconds) fetches its own page again and swaps in
  // its new rows. It waits while someone is at work on the page: a box ticked (the bulk
  // form would lose it) or a field focused. Without JavaScript the page is the same,
  // only still.
  document.querySelectorAll("[data-refresh][id]").forEach((list) => {
    const seconds = Number(list.dataset.refresh);
    if (!(seconds >= 10)) return;
    function busy() {
      const active = document.activeElement;
      const typing = active && active.matches("input, select, textarea");
      const ticked = document.querySelector("input[type=checkbox]:checked");
      return Boolean(typing || ticked || document.hidden);
    }
    async function refresh() {
      if (busy()) return;
      try {
        const resp = await fetch(window.location.href, {
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
        });
        if (resp.redirected && resp.url.includes("/ui/login")) {
          window.location = resp.url;
          return;
        }
        if (!resp.ok) return;
        const page = new DOMParser().parseFromString(await resp.text(), "text/html");
        const fresh = page.getElementById(list.id);
        if (fresh && !busy()) list.innerHTML = fresh.innerHTML;
      } catch (err) {
        // Offline for a moment: the next turn tries again.
      }
    }
    setInterval(refresh, seconds * 1000);
  });
})();

(function boxOpensItsPart() {
  // A <details data-opened-by="BOX-ID"> whose fields count only when the box in its
  // summary is ticked (记录来电's 同时开工单): ticking the box shows the fields (a click
  // on a box inside a summary does not open it), and opening the part ticks the box,
  // so what is shown is what is sent. Without JavaScript each is still worked by hand.
  document.querySelectorAll("details[data-opened-by]").forEach((part) => {
    const box = document.getElementById(part.dataset.openedBy);
    if (!box) return;
    box.addEventListener("change", () => { part.open = box.checked; });
    part.addEventListener("toggle", () => { box.checked = part.open; });
  });
})();
