// fedcrm web UI: the header's notification badge, refreshed every minute in the
// background (nothing fetched from outside the node; without JavaScript the link stays).
"use strict";

(function notificationBadge() {
  const badge = document.querySelector("[data-notice-count]");
  if (!badge) return;
  const url = badge.dataset.noticeCount;
  async function refresh() {
    try {
      const resp = await fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } });
      if (!resp.ok || resp.redirected) return;
      const { count } = await resp.json();
      badge.textContent = count > 999 ? "999+" : String(count);
      badge.hidden = count === 0;
    } catch (_) {
      // Offline for a moment: keep the last count.
    }
  }
  refresh();
  setInterval(refresh, 60000);
})();
