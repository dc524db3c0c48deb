// The runner's page: draws the stops from the route's data and keeps every action on the
// phone (IndexedDB) until the server has it. Each action gets its own idempotency key and the
// queue is sent in order, one at a time, whenever there is a signal; the server does an action
// once however often its key arrives. The service worker (/r/sw.js) keeps the page itself.
(function () {
  "use strict";
  var body = document.body;
  var api = body.getAttribute("data-api");
  var lang = body.getAttribute("data-lang") || "id";
  var tz = body.getAttribute("data-tz") || "Asia/Jakarta";
  var W = JSON.parse(document.getElementById("words").textContent);
  var initial = JSON.parse(document.getElementById("route-data").textContent);
  var stopsEl = document.getElementById("stops");
  var doneEl = document.getElementById("done");
  var message = document.getElementById("pesan");
  var PHOTO_BYTES = 200 * 1024;
  var OPEN = { assigned: true, picked_up: true };

  var route = initial.route;
  var routeAt = initial.at;
  var queue = [];
  var refusals = {};
  var dirty = false;

  // -- formats (as dispatch/formats.py writes them: "Rp 23.700", "1,5 kg", "07.30") -------
  function group(n) { return String(Math.abs(Math.round(n))).replace(/\B(?=(\d{3})+(?!\d))/g, "."); }
  function rupiah(n) { return (n < 0 ? "-" : "") + "Rp " + group(n); }
  function decimal(x, places) {
    var f = Math.pow(10, places);
    var parts = String(Math.round(x * f) / f).split(".");
    return group(Number(parts[0])) + (parts[1] ? "," + parts[1] : "");
  }
  function kg(grams) { return decimal(grams / 1000, 2) + " kg"; }
  function clock(iso) {
    if (!iso) { return "-"; }
    var found = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(iso)).forEach(function (p) { found[p.type] = p.value; });
    return found.hour + "." + found.minute;
  }
  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }
  function plural(forms, n) { return fill(forms[n === 1 ? 0 : 1], { count: n }); }
  function parseCash(text) {
    var plain = String(text || "").replace(/^\s*Rp\s*/i, "").replace(/[.\s]/g, "");
    return /^\d{1,10}$/.test(plain) ? parseInt(plain, 10) : null;
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // -- the phone's store: the queue of actions, the last route, refusals --------------------
  var dbName = "antar-runner";
  var dbPromise = new Promise(function (resolve, reject) {
    if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
    var request = indexedDB.open(dbName, 1);
    request.onupgradeneeded = function () {
      var db = request.result;
      db.createObjectStore("queue", { keyPath: "seq", autoIncrement: true });
      db.createObjectStore("state", { keyPath: "name" });
    };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });
  function store(name, mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function getAll(name) { return store(name, "readonly", function (s) { return s.getAll(); }); }
  function put(name, value) { return store(name, "readwrite", function (s) { return s.put(value); }); }
  function remove(name, key) { return store(name, "readwrite", function (s) { return s.delete(key); }); }
  var stateName = function (what) { return what + ":" + api; };

  // -- drawing ----------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) { return; }
      if (name === "text") { node.textContent = value; } else { node.setAttribute(name, value === true ? "" : value); }
    });
    (children || []).forEach(function (child) {
      if (child) { node.appendChild(typeof child === "string" ? document.createTextNode(child) : child); }
    });
    return node;
  }

  function effectiveStops() {
    var byId = {};
    var stops = route.stops.map(function (s) {
      var copy = Object.assign({}, s, { pending: false });
      byId[s.order_id] = copy;
      return copy;
    });
    queue.forEach(function (a) {
      var s = byId[a.order_id];
      if (!s) { return; }
      s.pending = true;
      if (a.kind === "picked-up") { s.status = "picked_up"; }
      if (a.kind === "delivered") {
        s.status = "delivered";
        s.collected_rp = a.body.collected_rp;
        s.recipient_name = a.body.recipient_name || s.recipient_name;
      }
      if (a.kind === "failed") { s.status = "failed"; s.failure_reason = a.body.reason; }
      if (a.kind === "cash") { s.collected_rp = a.body.collected_rp; s.cash_corrections += 1; }
      if (a.kind === "photo") { s.photos += 1; }
    });
    return stops;
  }

  // The visits at sellers: a pickup is open while its order is still to collect (assigned),
  // as the phone knows it (the queue included); it has no action of its own on the server.
  function effectivePickups(stops) {
    var byId = {};
    stops.forEach(function (s) { byId[s.order_id] = s; });
    return (route.pickups || []).map(function (p) {
      var delivery = byId[p.order_id];
      return Object.assign({}, p, {
        status: delivery ? delivery.status : p.status,
        pending: delivery ? delivery.pending : false
      });
    });
  }
  function isOpen(s) { return s.kind === "pickup" ? s.status === "assigned" : !!OPEN[s.status]; }

  function reasonText(code) {
    var found = W.reasons.filter(function (r) { return r[0] === code; })[0];
    return found ? found[1] : code;
  }

  function stopHead(s, isNext) {
    var meta = fill(W.stop_meta, { trip: s.trip, arrival: fill(W.arrival, { time: clock(s.planned_arrival) }) });
    var pickup = s.kind === "pickup";
    meta += " · " + (pickup ? W.pickup_status[isOpen(s) ? "open" : "done"] : (W.status[s.status] || s.status));
    return el("div", { "class": "stop__head" }, [
      el("span", { "class": "stop__number", text: String(s.sequence) }),
      el("div", {}, [
        pickup ? el("p", { "class": "stop__kind", text: W.pickup_title }) : null,
        el("div", { "class": "stop__title" }, [el("h3", { text: s.customer_name || W.customer }),
          isNext ? el("span", { "class": "stop__flag", text: W.next }) : null]),
        el("p", { "class": "stop__meta" }, [meta, s.pending ? el("span", { "class": "stop__pending", text: " · " + W.pending_stop }) : null])
      ])
    ]);
  }

  function refusedNote(s) {
    var refusal = refusals[s.order_id];
    return refusal ? el("p", { "class": "stop__refused", role: "alert", text: fill(W.refused, { reason: refusal.reason }) }) : null;
  }

  function pickupCard(p, isNext) {
    var items = p.items.map(function (i) {
      return [i.name, decimal(i.quantity, 3), i.unit].filter(Boolean).join(" ");
    }).join(", ");
    var open = isOpen(p);
    var card = el("article", {
      "class": "stop stop--pickup stop--" + (open ? "assigned" : "collected") + (isNext ? " stop--next" : ""),
      "data-order-id": p.order_id, "data-kind": "pickup", "data-status": p.status, "data-trip": String(p.trip), id: "pickup-" + p.order_id
    }, [
      stopHead(p, isNext),
      el("p", { "class": "stop__address", text: p.address }),
      open && items ? el("p", { "class": "stop__items", text: items }) : null,
      open ? el("p", { "class": "stop__amount", text: W.pickup_no_cash }) : null,
      open ? el("div", { "class": "links" }, [
        el("a", { "class": "button", target: "_blank", rel: "noopener", text: W.navigate,
          href: "https://www.google.com/maps/dir/?api=1&travelmode=driving&destination=" + p.lat + "," + p.lon }),
        el("a", { "class": "button", href: "tel:" + p.phone, text: W.call }),
        el("a", { "class": "button", target: "_blank", rel: "noopener", text: W.whatsapp,
          href: "https://wa.me/" + p.phone.replace(/^\+/, "") + "?text=" + encodeURIComponent(p.whatsapp_text || "") })
      ]) : null
    ]);
    if (open) {
      card.appendChild(el("button", { type: "button", "class": "primary", "data-action": "picked-up", text: W.picked_up_at_seller }));
    }
    return card;
  }

  function openCard(s, isNext) {
    var items = s.items.map(function (i) {
      return [i.name, decimal(i.quantity, 3), i.unit].filter(Boolean).join(" ");
    }).join(", ");
    var card = el("article", {
      "class": "stop stop--" + s.status + (isNext ? " stop--next" : ""),
      "data-order-id": s.order_id, "data-status": s.status, "data-trip": String(s.trip), id: "stop-" + s.order_id
    }, [
      stopHead(s, isNext),
      el("p", { "class": "stop__address" }, [s.address, s.location_approximate ? el("em", { text: " (" + W.approximate + ")" }) : null]),
      items ? el("p", { "class": "stop__items", text: items }) : null,
      s.notes ? el("p", { "class": "stop__notes", text: fill(W.notes, { notes: s.notes }) }) : null,
      el("p", { "class": "stop__amount", text: s.cash_to_collect_rp ? fill(W.collect, { amount: rupiah(s.cash_to_collect_rp) }) : W.paid }),
      refusedNote(s),
      el("div", { "class": "links" }, [
        s.lat !== null ? el("a", { "class": "button", target: "_blank", rel: "noopener", text: W.navigate,
          href: "https://www.google.com/maps/dir/?api=1&travelmode=driving&destination=" + s.lat + "," + s.lon }) : null,
        el("a", { "class": "button", href: "tel:" + s.phone, text: W.call }),
        el("a", { "class": "button", target: "_blank", rel: "noopener", text: W.whatsapp,
          href: "https://wa.me/" + s.phone.replace(/^\+/, "") + "?text=" + encodeURIComponent(s.whatsapp_text || "") })
      ])
    ]);
    if (s.status === "assigned" && s.seller) {  // the goods wait at the seller: collected first
      card.appendChild(el("p", { "class": "stop__notes stop__collect-first", text: fill(W.collect_first, { seller: s.seller.name }) }));
    } else if (s.status === "assigned") {
      card.appendChild(el("button", { type: "button", "class": "primary", "data-action": "picked-up", text: W.picked_up }));
    } else {
      card.appendChild(el("form", { "class": "deliver", "data-form": "delivered" }, [
        el("label", {}, [W.collected_rp, el("input", { name: "cash_rp", type: "text", inputmode: "numeric",
          autocomplete: "off", value: String(s.cash_to_collect_rp), required: true })]),
        el("label", {}, [W.recipient, el("input", { name: "recipient_name", type: "text", maxlength: "120", autocomplete: "off" })]),
        el("label", {}, [route.photo_required ? W.photo_needed : W.photo,
          el("input", { name: "photo", type: "file", accept: "image/*", capture: "environment" })]),
        el("button", { type: "submit", "class": "primary", "data-action": "delivered", text: W.delivered })
      ]));
    }
    var reasons = W.reasons.map(function (r) { return el("option", { value: r[0], text: r[1] }); });
    card.appendChild(el("button", { type: "button", "class": "secondary", "data-toggle": "fail", text: W.fail_open }));
    card.appendChild(el("form", { "class": "fail", "data-form": "failed", hidden: true }, [
      el("label", {}, [W.failed_because, el("select", { name: "reason" }, reasons)]),
      el("label", {}, [el("input", { name: "note", type: "text", maxlength: "200", placeholder: W.note_placeholder })]),
      el("button", { type: "submit", "class": "primary danger", "data-action": "failed", text: W.failed })
    ]));
    return card;
  }

  function doneCard(s) {
    if (s.kind === "pickup") { return pickupCard(s, false); }
    var lines = [];
    if (s.status === "delivered") {
      var amount = fill(W.collected, { amount: rupiah(s.collected_rp || 0) });
      lines.push(el("p", { "class": "stop__amount", "data-collected": String(s.collected_rp || 0) },
        [amount + (s.cash_corrections ? " (" + W.corrected + ")" : "")]));
      var notes = [];
      if (s.recipient_name) { notes.push(fill(W.recipient_was, { name: s.recipient_name })); }
      if (s.photos) { notes.push(W.has_photo); }
      if (notes.length) { lines.push(el("p", { "class": "stop__note", text: notes.join(" · ") })); }
    }
    if (s.status === "failed" && s.failure_reason) {
      lines.push(el("p", { "class": "stop__note", text: reasonText(s.failure_reason) }));
    }
    var card = el("article", { "class": "stop stop--" + s.status, "data-order-id": s.order_id, "data-status": s.status },
      [stopHead(s, false)].concat(lines, [refusedNote(s)]));
    if (s.status === "delivered") {
      card.appendChild(el("button", { type: "button", "class": "secondary", "data-toggle": "cash", text: W.correct }));
      card.appendChild(el("form", { "class": "cash", "data-form": "cash", hidden: true }, [
        el("label", {}, [W.collected_rp, el("input", { name: "cash_rp", type: "text", inputmode: "numeric",
          autocomplete: "off", value: String(s.collected_rp || 0), required: true })]),
        el("button", { type: "submit", "class": "primary", "data-action": "correct-cash", text: W.correct_save })
      ]));
    }
    return card;
  }

  function tripHeader(trip, stops) {
    var info = route.trips.filter(function (t) { return t.trip === trip; })[0];
    // bought at the market: not the goods collected at a seller
    var toBuy = stops.filter(function (s) { return s.kind !== "pickup" && !s.seller && s.status === "assigned"; });
    var load = route.runner.capacity_g;
    var header = el("section", { "class": "trip", "data-trip": String(trip) }, [el("h2", { text: fill(W.trip, { trip: trip }) })]);
    if (info) {
      var over = load && info.weight_g > load;
      header.appendChild(el("p", { "class": "trip__weight" + (over ? " over" : "") },
        [fill(W.trip_weight, { weight: kg(info.weight_g), load: kg(load) }) + (over ? " · " + W.trip_over : "")]));
      if (info.shopping.length) {
        var lines = info.shopping.map(function (line) {
          var qty = [decimal(line.quantity, 3), line.unit].filter(Boolean).join(" ");
          return el("li", { text: line.name + " " + qty + " " + plural(W.orders, line.orders) });
        });
        header.appendChild(el("details", { open: toBuy.length > 0 }, [el("summary", { text: W.shopping }), el("ul", { "class": "shopping" }, lines)]));
      }
    }
    if (toBuy.length) {
      header.appendChild(el("button", { type: "button", "class": "primary", "data-action": "trip-bought", "data-trip": String(trip), text: W.trip_bought }));
    } else {
      header.appendChild(el("p", { "class": "trip__weight", text: W.trip_done }));
    }
    return header;
  }

  function render() {
    // Never redraw under the runner's thumb: a field being typed in waits until it is left.
    var active = document.activeElement;
    var typing = active && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName) && active.type !== "file";
    if (typing && (stopsEl.contains(active) || doneEl.contains(active))) { dirty = true; return; }
    dirty = false;
    var kept = keepForms();
    var stops = effectiveStops();
    var visits = stops.concat(effectivePickups(stops)).sort(function (a, b) { return a.sequence - b.sequence; });
    var open = visits.filter(isOpen);
    var done = visits.filter(function (s) { return !isOpen(s); });
    var next = open[0];
    stopsEl.textContent = "";
    // An action refused for a stop that is no longer on the route (moved to another runner)
    // is said on top, with the customer's name.
    Object.keys(refusals).forEach(function (id) {
      if (stops.some(function (s) { return s.order_id === id; })) { return; }
      var refusal = refusals[id];
      stopsEl.appendChild(el("p", { "class": "stop__refused", role: "alert", "data-refused-order": id,
        text: (refusal.name ? refusal.name + ": " : "") + fill(W.refused, { reason: refusal.reason }) }));
    });
    if (!route.stops.length) { stopsEl.appendChild(el("p", { "class": "empty", text: W.no_stops })); }
    var trips = [];
    open.forEach(function (s) { if (trips.indexOf(s.trip) < 0) { trips.push(s.trip); } });
    trips.forEach(function (trip) {
      var mine = open.filter(function (s) { return s.trip === trip; });
      stopsEl.appendChild(tripHeader(trip, mine));
      mine.forEach(function (s) { stopsEl.appendChild(s.kind === "pickup" ? pickupCard(s, s === next) : openCard(s, s === next)); });
    });
    var shown = doneEl.querySelector("details");
    var doneOpen = shown ? shown.open : false;
    doneEl.textContent = "";
    if (done.length) {
      var details = el("details", { open: doneOpen }, [el("summary", { text: plural(W.done, done.length) })]);
      done.forEach(function (s) { details.appendChild(doneCard(s)); });
      doneEl.appendChild(details);
    }
    restoreForms(kept);
    // The map's markers follow the phone's state: the next stop ringed, done stops grey.
    document.querySelectorAll(".map .antar-stop[data-sequence]").forEach(function (marker) {
      var s = visits.filter(function (x) { return String(x.sequence) === marker.getAttribute("data-sequence"); })[0];
      if (!s) { return; }
      marker.classList.toggle("antar-stop--next", s === next);
      marker.classList.toggle("antar-stop--done", !isOpen(s));
    });
    var cash = open.reduce(function (sum, s) { return sum + (s.kind === "pickup" ? 0 : s.cash_to_collect_rp); }, 0);
    document.querySelector("[data-cash-total]").textContent = rupiah(cash);
    document.querySelector("[data-pending]").textContent = String(queue.length);
    document.querySelector("[data-updated]").textContent = fill(W.updated, { time: clock(routeAt) });
  }

  // What the runner started filling in (an amount, a name, a chosen photo, an open form)
  // survives a redraw when an answer or a fresher route arrives meanwhile.
  function formKey(form) {
    var card = form.closest("[data-order-id]");
    return card ? card.getAttribute("data-order-id") + "/" + form.getAttribute("data-form") : null;
  }
  function keepForms() {
    var kept = {};
    document.querySelectorAll("[data-order-id] form").forEach(function (form) {
      var values = {};
      Array.prototype.forEach.call(form.elements, function (field) {
        if (field.name) { values[field.name] = field.type === "file" ? field.files : field.value; }
      });
      kept[formKey(form)] = { hidden: form.hidden, touched: form.getAttribute("data-touched"), values: values };
    });
    return kept;
  }
  function restoreForms(kept) {
    document.querySelectorAll("[data-order-id] form").forEach(function (form) {
      var before = kept[formKey(form)];
      if (!before) { return; }
      form.hidden = before.hidden;
      if (before.touched) { form.setAttribute("data-touched", "1"); }
      Array.prototype.forEach.call(form.elements, function (field) {
        var value = before.values[field.name];
        if (value === undefined) { return; }
        if (field.type === "file") {
          if (value && value.length) { field.files = value; }
        } else if (before.touched) {
          field.value = value;
        }
      });
    });
  }
  function touched(event) {
    var form = event.target.form;
    if (form) { form.setAttribute("data-touched", "1"); }
  }

  function say(text) {
    message.textContent = text;
    message.hidden = !text;
  }
  message.addEventListener("click", function () { say(""); });  // read: tapped away

  // -- the queue ----------------------------------------------------------------------------
  function enqueue(kind, orderId, path, payload, type) {
    var action = {
      link: api, key: newKey(), kind: kind, order_id: orderId, path: path,
      body: payload, type: type || "application/json", at: new Date().toISOString()
    };
    if (orderId && refusals[orderId]) { delete refusals[orderId]; saveRefusals(); }
    return store("queue", "readwrite", function (s) { return s.add(action); }).then(function (seq) {
      action.seq = seq;
      queue.push(action);
    }, function () {
      queue.push(action);  // no IndexedDB: kept for this page's life only
    }).then(function () { render(); flush(); });
  }

  function send(action) {
    var headers = { "Idempotency-Key": action.key, "Content-Type": action.type, "Accept-Language": lang };
    var payload = action.type === "application/json" ? JSON.stringify(action.body) : action.body;
    return fetch(api + action.path, { method: "POST", headers: headers, body: payload }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: null }; });
    }, function () { return null; });
  }

  var flushing = false;
  var sentAny = false;
  function flush() {
    if (flushing) { return; }
    if (!queue.length) {
      if (sentAny) { sentAny = false; refreshRoute(); }
      return;
    }
    // The phone knows it has no network: the actions wait for "online" instead of a request
    // that cannot arrive (or, past the service worker, may arrive with its answer lost).
    if (navigator.onLine === false) { say(W.kept_offline); return; }
    flushing = true;
    var action = queue[0];
    send(action).then(function (answer) {
      if (answer === null || answer.status >= 500 || answer.status === 429 || answer.status === 408) {
        flushing = false;
        say(W.kept_offline);
        return;
      }
      var done = action.seq === undefined ? Promise.resolve() : remove("queue", action.seq).catch(function () {});
      return done.then(function () {
        queue.shift();
        sentAny = true;
        if (answer.status < 300) {
          if (action.order_id && answer.data && answer.data.order_id) {
            route.stops = route.stops.map(function (s) {
              return s.order_id === answer.data.order_id ? Object.assign({}, s, answer.data, { whatsapp_text: s.whatsapp_text }) : s;
            });
            saveRoute();
          }
        } else if (action.order_id) {
          var error = answer.data && answer.data.error;
          var stop = route.stops.filter(function (x) { return x.order_id === action.order_id; })[0];
          refusals[action.order_id] = {
            reason: (error && error.message) || String(answer.status),
            name: stop ? stop.customer_name : ""
          };
          saveRefusals();
        }
        if (!queue.length) { say(""); }
        flushing = false;
        render();
        flush();
      });
    });
  }

  function saveRefusals() {
    return put("state", { name: stateName("refusals"), value: refusals }).catch(function () {});
  }

  // The phone's copy of the route: "at" is when the server last sent all of it, "saved" when
  // the phone last changed it (an answer to one action updates one stop).
  function saveRoute() {
    var saved = new Date().toISOString();
    return put("state", { name: stateName("route"), value: route, at: routeAt, saved: saved }).catch(function () {});
  }

  function refreshRoute() {
    return fetch(api + "/route", { headers: { "Accept-Language": lang } }).then(function (response) {
      if (!response.ok) { return; }
      return response.json().then(function (data) {
        route = data;
        routeAt = new Date().toISOString();
        saveRoute();
        render();
      });
    }, function () { /* no signal: the phone's copy stays */ });
  }

  // -- the runner's taps ----------------------------------------------------------------------
  function stopOf(node) {
    var card = node.closest("[data-order-id]");
    var id = card && card.getAttribute("data-order-id");
    return effectiveStops().filter(function (s) { return s.order_id === id; })[0];
  }
  function stopPath(s, what) { return "/stops/" + s.order_id + "/" + what; }

  function scalePhoto(file) {
    return createImageBitmap(file).then(function (bitmap) {
      var largest = Math.max(bitmap.width, bitmap.height);
      function attempt(scale, quality) {
        var canvas = document.createElement("canvas");
        canvas.width = Math.max(1, Math.round(bitmap.width * scale));
        canvas.height = Math.max(1, Math.round(bitmap.height * scale));
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); }).then(function (blob) {
          if (!blob) { throw new Error("no picture"); }
          if (blob.size <= PHOTO_BYTES || canvas.width < 160) { return blob; }
          return quality > 0.5 ? attempt(scale, quality - 0.15) : attempt(scale * 0.7, 0.75);
        });
      }
      return attempt(Math.min(1, 1280 / largest), 0.8);
    });
  }

  function tooFar(amount, expected) {
    var difference = Math.abs(amount - expected);
    return difference > 50000 || difference > 0.2 * expected;
  }

  function deliver(form, s) {
    var amount = parseCash(form.elements.cash_rp.value);
    if (amount === null) { say(W.cash_invalid); return; }
    if (tooFar(amount, s.cash_to_collect_rp) &&
        !window.confirm(fill(W.confirm_cash, { amount: rupiah(amount), expected: rupiah(s.cash_to_collect_rp) }))) { return; }
    var file = form.elements.photo.files[0];
    if (route.photo_required && !file && !s.photos) { say(W.photo_required); return; }
    var recipient = form.elements.recipient_name.value.trim();
    var photo = file ? scalePhoto(file).then(function (blob) {
      say(fill(W.photo_kept, { size: Math.ceil(blob.size / 1024) }));
      return enqueue("photo", s.order_id, stopPath(s, "photo"), blob, "image/jpeg");
    }) : Promise.resolve();
    form.querySelector("button[type=submit]").disabled = true;
    photo.then(function () {
      return enqueue("delivered", s.order_id, stopPath(s, "delivered"), { collected_rp: amount, recipient_name: recipient || null });
    }, function () {
      form.querySelector("button[type=submit]").disabled = false;
      say(W.photo_failed);
    });
  }

  stopsEl.addEventListener("click", onClick);
  doneEl.addEventListener("click", onClick);
  stopsEl.addEventListener("submit", onSubmit);
  stopsEl.addEventListener("input", touched);
  stopsEl.addEventListener("change", touched);
  doneEl.addEventListener("input", touched);
  doneEl.addEventListener("submit", onSubmit);
  document.addEventListener("focusout", function () { setTimeout(function () { if (dirty) { render(); } }, 0); });

  function onClick(event) {
    var note = event.target.closest("[data-refused-order]");
    if (note) {  // read: the runner taps it away
      delete refusals[note.getAttribute("data-refused-order")];
      saveRefusals();
      render();
      return;
    }
    var button = event.target.closest("button");
    if (!button) { return; }
    var toggle = button.getAttribute("data-toggle");
    if (toggle) {
      var form = button.parentNode.querySelector("form." + toggle);
      form.hidden = !form.hidden;
      return;
    }
    var action = button.getAttribute("data-action");
    if (action === "picked-up") {
      button.disabled = true;
      var s = stopOf(button);
      enqueue("picked-up", s.order_id, stopPath(s, "picked-up"), {});
    } else if (action === "trip-bought") {
      button.disabled = true;
      var trip = Number(button.getAttribute("data-trip"));
      var chain = Promise.resolve();
      effectiveStops().forEach(function (stop) {
        if (stop.trip === trip && stop.status === "assigned" && !stop.seller) {
          chain = chain.then(function () { return enqueue("picked-up", stop.order_id, stopPath(stop, "picked-up"), {}); });
        }
      });
    }
  }

  function onSubmit(event) {
    event.preventDefault();
    if (document.activeElement && document.activeElement.blur) { document.activeElement.blur(); }
    var form = event.target;
    var s = stopOf(form);
    var kind = form.getAttribute("data-form");
    if (kind === "delivered") { deliver(form, s); return; }
    if (kind === "failed") {
      form.querySelector("button[type=submit]").disabled = true;
      enqueue("failed", s.order_id, stopPath(s, "failed"), { reason: form.elements.reason.value, note: form.elements.note.value });
    }
    if (kind === "cash") {
      var amount = parseCash(form.elements.cash_rp.value);
      if (amount === null) { say(W.cash_invalid); return; }
      if (tooFar(amount, s.cash_to_collect_rp) &&
          !window.confirm(fill(W.confirm_cash, { amount: rupiah(amount), expected: rupiah(s.cash_to_collect_rp) }))) { return; }
      form.querySelector("button[type=submit]").disabled = true;
      enqueue("cash", s.order_id, stopPath(s, "cash"), { collected_rp: amount });
    }
  }

  // -- the phone's position, with the runner's consent --------------------------------------
  var positionNote = document.querySelector("[data-position]");
  var shareButton = document.querySelector("[data-action=share-position]");
  var POSITION_KEY = "antar-share-position";
  function sharePosition() {
    if (!navigator.geolocation) { return; }
    shareButton.hidden = true;
    var latest = null;
    var sent = null;
    navigator.geolocation.watchPosition(function (position) {
      latest = position;
      positionNote.textContent = W.position_on;
      if (!sent) { report(); }
    }, function () { positionNote.textContent = W.position_off; }, { enableHighAccuracy: true, maximumAge: 15000 });
    function report() {
      if (!latest || latest === sent) { return; }
      sent = latest;
      enqueue("position", null, "/position", {
        lat: latest.coords.latitude, lon: latest.coords.longitude, at: new Date(latest.timestamp).toISOString()
      });
    }
    setInterval(report, 30000);
  }
  shareButton.addEventListener("click", function () {
    try { localStorage.setItem(POSITION_KEY, "1"); } catch (e) { /* private mode */ }
    sharePosition();
  });
  try { if (localStorage.getItem(POSITION_KEY) === "1") { sharePosition(); } } catch (e) { /* private mode */ }

  // -- start: the newest route the phone has, the actions it keeps, then the network ------
  render();
  Promise.all([getAll("queue"), getAll("state")]).then(function (found) {
    queue = found[0].filter(function (a) { return a.link === api; });
    found[1].forEach(function (row) {
      if (row.name === stateName("route") && (row.saved || row.at) > initial.at) { route = row.value; routeAt = row.at; }
      if (row.name === stateName("refusals")) { refusals = row.value || {}; }
    });
    if (routeAt === initial.at) { saveRoute(); }
    render();
    showNext();
    if (queue.length) { flush(); }
    if (Date.now() - Date.parse(routeAt) > 60000) { refreshRoute(); }
  }, showNext);

  // The page opens on the next stop: on its trip's shopping list while the trip is still to
  // be bought, else on the stop itself, scrolled to when it starts below the first screen.
  function showNext() {
    var next = stopsEl.querySelector(".stop--next");
    if (!next || window.scrollY !== 0) { return; }
    var target = next;
    if (next.getAttribute("data-status") === "assigned") {
      var trip = stopsEl.querySelector(".trip[data-trip='" + next.getAttribute("data-trip") + "']");
      target = trip || next;
    }
    if (target.getBoundingClientRect().top > window.innerHeight * 0.6) {
      target.scrollIntoView({ block: "start" });
    }
  }
  window.addEventListener("online", function () { flush(); refreshRoute(); });
  setInterval(flush, 15000);

  // -- the service worker keeps this page and its files for the next open without signal ----
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(body.getAttribute("data-sw"), { scope: "/r/", updateViaCache: "all" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        var mine = location.origin + "/static/";
        var files = performance.getEntriesByType("resource").map(function (e) { return e.name; })
          .filter(function (url) { return url.indexOf(mine) === 0; });
        registration.active.postMessage({ keep: [location.href].concat(files) });
      }).catch(function () { /* the page works online without it */ });
  }
})();
