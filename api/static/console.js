// The coordinator's console: every page works without this script. With it, the board, the
// runner's page and the operator's overview keep themselves up to date (Server-Sent Events
// from the server's change feed, then the changed parts fetched and patched in place), the
// board has tabs on a phone, and a few small comforts.
(function () {
  "use strict";

  // -- live pages -----------------------------------------------------------------------------
  // An element with data-live (the stream's URL) and data-refresh (a JSON URL answering
  // {"parts": {name: html}, ...}) keeps its [data-live-part=name] children up to date.
  // EventSource reconnects by itself and sends Last-Event-ID: the server replays what the
  // page missed. Open <details data-keep> stay open, and a part holding the focus waits.
  var live = document.querySelector("[data-live][data-refresh]");
  if (live && window.EventSource && window.fetch) {
    var badge = document.querySelector("[data-live-state]");
    var timer = null;
    var busy = false;
    var again = false;

    var setState = function (state) {
      if (!badge) { return; }
      badge.hidden = false;
      badge.setAttribute("data-state", state);
    };

    var openKeys = function (root) {
      var keys = {};
      root.querySelectorAll("details[data-keep]").forEach(function (d) {
        if (d.open) { keys[d.getAttribute("data-keep")] = true; }
      });
      return keys;
    };

    var patchPart = function (box, html) {
      var focused = document.activeElement;
      if (focused && focused !== document.body && box.contains(focused) &&
          /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tagName)) {
        return false; // someone is typing here: try again later
      }
      var keep = openKeys(box);
      box.innerHTML = html;
      box.querySelectorAll("details[data-keep]").forEach(function (d) {
        if (keep[d.getAttribute("data-keep")]) { d.open = true; }
      });
      return true;
    };

    var patch = function (data) {
      var complete = true;
      Object.keys(data.parts || {}).forEach(function (name) {
        var box = live.querySelector('[data-live-part="' + name + '"]') ||
          document.querySelector('[data-live-part="' + name + '"]');
        if (box && !patchPart(box, data.parts[name])) { complete = false; }
      });
      if (typeof data.count === "number") {
        document.querySelectorAll("[data-tab-count]").forEach(function (el) {
          el.textContent = String(data.count);
        });
      }
      if (data.positions) { movePositions(data.positions); }
      live.setAttribute("data-live-after", String(data.after || ""));
      document.dispatchEvent(new CustomEvent("antar:patched", { detail: data }));
      return complete;
    };

    var refresh = function () {
      if (busy) { again = true; return; }
      busy = true;
      fetch(live.getAttribute("data-refresh"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          if (response.status === 401 || response.redirected) { window.location.reload(); }
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          if (!patch(data)) { window.setTimeout(schedule, 2000); }
        })
        .catch(function () { window.setTimeout(schedule, 3000); })
        .then(function () {
          busy = false;
          if (again) { again = false; schedule(); }
        });
    };

    var schedule = function () {
      if (timer) { return; }
      timer = window.setTimeout(function () { timer = null; refresh(); }, 120);
    };

    // An order that changed and is on the page: its own row first (one small answer), the
    // whole board (its order, counts, runners) right after.
    var patchRow = function (change) {
      if (!change || change.kind !== "order" || !change.id || !change.market) { return; }
      var row = document.querySelector('[data-live-part="orders"] [data-order-id="' + change.id + '"]');
      if (!row) { return; }
      fetch("/console/" + encodeURIComponent(change.market) + "/orders/" +
            encodeURIComponent(change.id) + "/row.json", {
        credentials: "same-origin", headers: { Accept: "application/json" },
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          var current = document.querySelector(
            '[data-live-part="orders"] [data-order-id="' + change.id + '"]');
          if (!data || !current) { return; }
          var focused = document.activeElement;
          if (focused && current.contains(focused) && /^(INPUT|SELECT|TEXTAREA)$/.test(focused.tagName)) {
            return;
          }
          var keep = openKeys(current);
          var box = document.createElement("ul");
          box.innerHTML = data.html;
          var fresh = box.firstElementChild;
          if (!fresh) { return; }
          fresh.querySelectorAll("details[data-keep]").forEach(function (d) {
            if (keep[d.getAttribute("data-keep")]) { d.open = true; }
          });
          current.parentNode.replaceChild(fresh, current);
        })
        .catch(function () { /* the whole board follows anyway */ });
    };

    var source = new EventSource(live.getAttribute("data-live"));
    source.addEventListener("ready", function () { setState("on"); });
    source.addEventListener("change", function (event) {
      setState("on");
      var change = null;
      try { change = JSON.parse(event.data); } catch (e) { change = null; }
      patchRow(change);
      schedule();
      document.dispatchEvent(new CustomEvent("antar:change", { detail: change }));
    });
    source.addEventListener("error", function () { setState("off"); });
  }

  // -- the board's map (a frame of its own): runners move as they report; the map is drawn
  // again (keeping where the coordinator looks) when the plan or an order changes.
  function leafletMap() {
    var frame = document.querySelector("iframe[data-map]");
    var win = null;
    try { win = frame && frame.contentWindow; } catch (e) { win = null; }
    if (!win || !win.L || !win.document) { return null; }
    var el = win.document.querySelector(".antar-map");
    var map = el && win[el.id];
    return map && map instanceof win.L.Map ? { map: map, L: win.L, doc: win.document } : null;
  }

  function runnerMarkers(ctx) {
    var found = {};
    ctx.map.eachLayer(function (layer) {
      var icon = layer.options && layer.options.icon;
      var html = icon && icon.options && icon.options.html;
      if (layer instanceof ctx.L.Marker && typeof html === "string" &&
          html.indexOf("antar-runner") >= 0 && layer.options.title) {
        found[layer.options.title] = layer;
      }
    });
    return found;
  }

  function initials(name) {
    return name.split(/\s+/).filter(Boolean).slice(0, 2).map(function (w) {
      return w.charAt(0).toUpperCase();
    }).join("") || "?";
  }

  function popup(ctx, position) {
    var box = ctx.doc.createElement("div");
    box.className = "antar-popup";
    var title = ctx.doc.createElement("div");
    title.className = "antar-popup__title";
    title.textContent = position.name;
    var age = ctx.doc.createElement("div");
    age.textContent = position.age;
    box.appendChild(title);
    box.appendChild(age);
    return box;
  }

  function movePositions(positions) {
    var ctx = leafletMap();
    if (!ctx) { return; }
    var markers = runnerMarkers(ctx);
    positions.forEach(function (position) {
      var marker = markers[position.name];
      var at = [position.lat, position.lon];
      if (marker) {
        marker.setLatLng(at);
        if (marker.getPopup()) { marker.setPopupContent(popup(ctx, position)); }
        return;
      }
      var ring = ctx.doc.createElement("div");
      ring.className = "antar-runner";
      ring.style.borderColor = position.colour;
      ring.textContent = initials(position.name);
      ctx.L.marker(at, {
        title: position.name,
        zIndexOffset: 800,
        icon: ctx.L.divIcon({
          html: ring.outerHTML, iconSize: [28, 28], iconAnchor: [14, 14], className: "antar-icon",
        }),
      }).bindPopup(popup(ctx, position)).addTo(ctx.map);
    });
  }

  var mapFrame = document.querySelector("iframe[data-map]");
  var mapView = null;
  var mapTimer = null;
  var mapDrawn = 0;
  if (mapFrame) {
    mapFrame.addEventListener("load", function () {
      var ctx = leafletMap();
      if (ctx && mapView) { ctx.map.setView(mapView.center, mapView.zoom, { animate: false }); }
    });
  }
  function redrawMap() {
    if (!mapFrame || mapTimer) { return; }
    var wait = Math.max(0, 5000 - (Date.now() - mapDrawn));
    mapTimer = window.setTimeout(function () {
      mapTimer = null;
      mapDrawn = Date.now();
      var ctx = leafletMap();
      if (ctx) { mapView = { center: ctx.map.getCenter(), zoom: ctx.map.getZoom() }; }
      var src = mapFrame.getAttribute("src").split("#")[0];
      try {
        mapFrame.contentWindow.location.replace(src);
      } catch (e) {
        mapFrame.setAttribute("src", src);
      }
    }, wait);
  }
  document.addEventListener("antar:change", function (event) {
    var kind = event.detail && event.detail.kind;
    if (kind === "plan" || kind === "order") { redrawMap(); }
  });

  // -- the board's tabs on a phone: Peta, Pesanan, Kurir ---------------------------------------
  var board = document.querySelector("[data-board]");
  var tabs = document.querySelector("[data-tabs]");
  if (board && tabs) {
    board.classList.add("js-tabs");
    var show = function (name) {
      board.setAttribute("data-tab-shown", name);
      tabs.querySelectorAll("[data-tab]").forEach(function (tab) {
        if (tab.getAttribute("data-tab") === name) {
          tab.setAttribute("aria-current", "true");
        } else {
          tab.removeAttribute("aria-current");
        }
      });
      var ctx = leafletMap();
      if (name === "peta" && ctx) { window.setTimeout(function () { ctx.map.invalidateSize(); }, 0); }
    };
    tabs.addEventListener("click", function (event) {
      var tab = event.target.closest("[data-tab]");
      if (!tab) { return; }
      event.preventDefault();
      show(tab.getAttribute("data-tab"));
    });
    var wanted = (window.location.hash || "").replace("#", "");
    if (wanted === "peta" || wanted === "kurir") { show(wanted); }
  }

  // A dispatch run's own page: poll its status, show it, reload once it is done or failed.
  document.querySelectorAll("[data-poll]").forEach(function (box) {
    var url = box.getAttribute("data-poll");
    var label = box.querySelector("[data-run-label]");
    var failures = 0;
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (run) {
          failures = 0;
          if (label) {
            label.textContent = run.label;
            label.className = "run__status run__status--" + run.status;
          }
          if (run.finished) {
            window.location.reload();
          } else {
            window.setTimeout(poll, 1000);
          }
        })
        .catch(function () {
          failures += 1;
          if (failures < 10) { window.setTimeout(poll, 3000); }
        });
    }
    window.setTimeout(poll, 700);
  });

  // -- small comforts (delegated: they work on parts patched in later) --------------------------

  // Ask before a form that cannot be undone (cancel an order, end a shift).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form[data-confirm]") &&
        !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    // One tap, one submission: the button waits for the answer.
    var button = form.querySelector && form.querySelector("button[data-once]");
    if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
  });

  // A link to hand over: select it all on focus, copy it with its button.
  document.querySelectorAll("input[data-select]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) { return; }
    var done = function () {
      var label = button.getAttribute("data-copied");
      if (label) { button.textContent = label; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () {
        input.select(); document.execCommand("copy"); done();
      });
    } else {
      input.select(); document.execCommand("copy"); done();
    }
  });
})();
