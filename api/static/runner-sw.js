// The runner page's service worker: keeps the page, its files and its route's data on the
// phone, so the link opens without signal. Served as /r/sw.js (scope /r/).
//  - the page (/r/...) and the route's data (/api/v1/runner/.../route): network first, the
//    kept copy when there is no answer;
//  - the application's files (/static/...): the kept copy first, the network when missing;
//  - everything else (actions, tiles): untouched; the page queues actions itself.
// The page sends the list of what it loaded ({keep: [urls]}) once the worker is active;
// they are taken from the browser's own cache ("force-cache"), so keeping them costs no
// request.
"use strict";
var CACHE = "antar-runner-v1";

self.addEventListener("install", function () { self.skipWaiting(); });

self.addEventListener("activate", function (event) {
  // Navigation preload: the page's request leaves while the worker starts, not after.
  var preload = self.registration.navigationPreload ? self.registration.navigationPreload.enable() : Promise.resolve();
  event.waitUntil(preload.then(function () { return caches.keys(); }).then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("antar-runner-") === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var urls = (event.data && event.data.keep) || [];
  var origin = self.location.origin;
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(urls.filter(function (url) { return url.indexOf(origin + "/") === 0; }).map(function (url) {
      return cache.match(url).then(function (found) {
        if (found) { return null; }
        return fetch(url, { cache: "force-cache", credentials: "same-origin" }).then(function (response) {
          if (response.ok) { return cache.put(url, response); }
          return null;
        }).catch(function () { return null; });
      });
    }));
  }));
});

function networkFirst(request, preloaded) {
  return Promise.resolve(preloaded).then(function (response) {
    return response || fetch(request);
  }).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }, function (error) {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (found) {
        return found || cache.match(request, { ignoreSearch: true });
      });
    }).then(function (found) {
      if (found) { return found; }
      throw error;
    });
  });
}

function cacheFirst(request) {
  return caches.open(CACHE).then(function (cache) {
    return cache.match(request).then(function (found) {
      return found || fetch(request).then(function (response) {
        if (response.ok) { cache.put(request, response.clone()); }
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.indexOf("/r/") === 0 && url.pathname !== "/r/sw.js") {
    event.respondWith(networkFirst(request, request.mode === "navigate" ? event.preloadResponse : null));
  } else if (/^\/api\/v1\/runner\/[^/]+\/route$/.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});
