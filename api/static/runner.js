// The runner's page: status buttons and the phone's position, through the runner's link.
(function () {
  "use strict";
  var api = document.body.getAttribute("data-api");
  var lang = document.body.getAttribute("data-lang") || "id";
  var message = document.getElementById("pesan");
  // The page's words for what only the script can say (from the server's catalogue).
  var refused = document.body.getAttribute("data-text-refused") || "{status}";
  var offline = document.body.getAttribute("data-text-offline") || "";

  function say(text) {
    message.textContent = text;
    message.hidden = false;
  }

  function post(path, body) {
    return fetch(api + path, {
      method: "POST",
      headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      if (response.ok) { return response.json(); }
      var fallback = refused.replace("{status}", String(response.status));
      return response.json().then(function (data) {
        throw new Error((data && data.error && data.error.message) || fallback);
      }, function () { throw new Error(fallback); });
    }, function () {
      // No answer at all (no signal): the browser's own words would be English.
      throw new Error(offline);
    });
  }

  function act(stop, action, body) {
    var order = stop.getAttribute("data-order");
    return post("/stops/" + order + "/" + action, body)
      .then(function () { window.location.reload(); })
      .catch(function (error) { say(error.message); });
  }

  document.querySelectorAll(".stop").forEach(function (stop) {
    stop.querySelectorAll("button.act").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        act(stop, button.getAttribute("data-action"), {});
      });
    });
    stop.querySelectorAll("form.actions").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var action = form.getAttribute("data-action");
        var body = {};
        if (action === "delivered") {
          body.collected_rp = parseInt(form.elements.collected_rp.value || "0", 10);
        } else {
          body.reason = form.elements.reason.value;
          body.note = form.elements.note.value;
        }
        act(stop, action, body);
      });
    });
  });

  // Report where the runner is, at most once a minute, when the runner allows it.
  if (navigator.geolocation) {
    var last = 0;
    navigator.geolocation.watchPosition(function (position) {
      var now = Date.now();
      if (now - last < 60000) { return; }
      last = now;
      post("/position", {
        lat: position.coords.latitude,
        lon: position.coords.longitude,
        at: new Date(position.timestamp).toISOString()
      }).catch(function () { /* a lost report is not worth bothering the runner */ });
    }, function () { /* denied or unavailable: the page works without it */ }, { enableHighAccuracy: true, maximumAge: 30000 });
  }
})();
