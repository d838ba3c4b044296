// painpath: live monitoring alerts on the panel, no reload.
// The server's event stream says that an alert was raised; the page then fetches the
// server-rendered alerts list (names, buttons and CSRF tokens included) and adds the rows it
// does not show yet. Without JavaScript the panel is the same list, current when loaded.
(function () {
  "use strict";
  var panel = document.querySelector("[data-live-alerts]");
  if (!panel || !("EventSource" in window) || !("fetch" in window)) {
    return;
  }
  var list = panel.querySelector("[data-alert-list]");
  var count = panel.querySelector("[data-alert-count]");
  var empty = panel.querySelector("[data-alerts-empty]");
  var announcer = panel.querySelector("[data-announcer]");
  var state = panel.querySelector("[data-live-state]");
  var busy = false;
  var again = false;

  function rowFor(id) {
    return list.querySelector('[data-alert-id="' + id + '"]');
  }

  function describe(item) {
    var severity = item.querySelector(".severity");
    var title = item.querySelector("strong");
    var patient = item.querySelector(".alert-patient a");
    return "New " + (severity ? severity.textContent + " " : "") + "alert: " +
      (title ? title.textContent : "") + (patient ? ", " + patient.textContent : "") + ".";
  }

  function merge(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var fresh = Array.prototype.slice.call(holder.content.querySelectorAll("[data-alert-id]"));
    var wanted = {};
    fresh.forEach(function (item) { wanted[item.getAttribute("data-alert-id")] = true; });
    Array.prototype.slice.call(list.querySelectorAll("[data-alert-id]")).forEach(function (row) {
      // Resolved elsewhere: drop it, unless someone is typing in it.
      if (!wanted[row.getAttribute("data-alert-id")] && !row.contains(document.activeElement)) {
        row.remove();
      }
    });
    var news = [];
    fresh.forEach(function (item, index) {
      if (rowFor(item.getAttribute("data-alert-id"))) {
        return;
      }
      var before = null;
      for (var later = index + 1; later < fresh.length && !before; later += 1) {
        before = rowFor(fresh[later].getAttribute("data-alert-id"));
      }
      var row = document.importNode(item, true);
      row.classList.add("is-new");
      list.insertBefore(row, before);
      news.push(describe(row));
    });
    var shown = list.querySelectorAll("[data-alert-id]").length;
    count.textContent = String(shown);
    empty.hidden = shown > 0;
    if (news.length) {
      announcer.textContent = news.join(" ");
    }
  }

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(panel.getAttribute("data-fragment"), {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    })
      .then(function (response) {
        if (response.redirected || !response.ok) {
          throw new Error("alerts list answered " + response.status);
        }
        return response.text();
      })
      .then(merge)
      .catch(function () {
        state.textContent = "Could not update the alerts. Reload the page to see new ones.";
      })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  var source = new EventSource(panel.getAttribute("data-stream"));
  // On (re)connecting, catch up on anything raised while the page had no stream open.
  source.addEventListener("open", function () {
    state.textContent = "Live: new alerts appear here as they are raised.";
    panel.setAttribute("data-live", "connected");
    refresh();
  });
  source.addEventListener("alert", function (event) {
    var raised = null;
    try {
      raised = JSON.parse(event.data);
    } catch (ignored) {
      raised = null;
    }
    if (!raised || !rowFor(raised.id)) {
      refresh();
    }
  });
  source.addEventListener("error", function () {
    panel.setAttribute("data-live", "reconnecting");
    state.textContent = "Reconnecting to live alerts…";
  });
  window.addEventListener("pagehide", function () {
    source.close();
  });
})();
