/* The offline checker's service worker (served as /verify/offline/sw.js, scope /verify/).
   Installed: it caches what /verify/offline/assets.json lists — the checker in both languages, its script,
   the stylesheet and fonts, the published keys and the universities' revocation lists.
   Then: the checker, the keys and the lists come from the network when it answers (and the copy is
   refreshed), from the cache when it does not; static files from the cache first. A verification page
   opened from a QR code with the network cut falls back to the checker, which reads the token in the
   address's fragment. Nothing else is touched: other requests, and every non-GET, go to the network. */
"use strict";

var PREFIX = "diploma-verify-offline-";
var ASSETS = new URL("assets.json", self.location).pathname;
var CHECKER = new URL(".", self.location).pathname.replace(/\/$/, "");
var KEYS = new URL("keys.json", self.location).pathname;

function cacheName(version) {
  return PREFIX + version;
}

self.addEventListener("install", function (event) {
  event.waitUntil(fetch(ASSETS, {cache: "no-store"}).then(function (response) {
    return response.json();
  }).then(function (assets) {
    return caches.open(cacheName(assets.version)).then(function (cache) {
      var fresh = function (url) { return new Request(url, {cache: "reload"}); };
      // The optional ones (a university's revocation list may be unavailable a while) never fail the
      // installation; they are fetched again whenever the checker is opened online.
      var optional = Promise.all((assets.optional || []).map(function (url) {
        return cache.add(fresh(url)).catch(function () { return null; });
      }));
      return Promise.all([cache.addAll(assets.urls.map(fresh)), optional])
        .then(function () { return cache.put("version", new Response(assets.version)); });
    });
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return names.sort().reverse();
  }).then(function (names) {
    // Keep the newest complete cache, drop the others.
    return Promise.all(names.filter(function (name) { return name.indexOf(PREFIX) === 0; })
      .map(function (name) {
        return caches.open(name).then(function (cache) { return cache.match("version"); })
          .then(function (marker) { return {name: name, complete: !!marker}; });
      }));
  }).then(function (entries) {
    var keep = null;
    entries.forEach(function (entry) { if (!keep && entry.complete) { keep = entry.name; } });
    return Promise.all(entries.filter(function (entry) { return entry.name !== keep; })
      .map(function (entry) { return caches.delete(entry.name); }));
  }).then(function () { return self.clients.claim(); }));
});

function currentCache() {
  return caches.keys().then(function (names) {
    var ours = names.filter(function (name) { return name.indexOf(PREFIX) === 0; });
    return caches.open(ours.length ? ours[0] : cacheName("runtime"));
  });
}

function fromCache(request, options) {
  return currentCache().then(function (cache) { return cache.match(request, options); });
}

/* The network's answer (a copy kept when ``keep``), or the cached copy when the network fails. */
function networkFirst(request, keep, fallback) {
  return fetch(request).then(function (response) {
    if (keep && response.ok) {
      var copy = response.clone();
      currentCache().then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return (keep ? fromCache(request) : Promise.resolve(null)).then(function (cached) {
      return cached || (fallback ? fallback() : Response.error());
    });
  });
}

/* The cached copy at once, refreshed from the network for next time (a deploy changes the stylesheet). */
function staleWhileRevalidate(event) {
  var request = event.request;
  var refreshed = fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      event.waitUntil(currentCache().then(function (cache) { return cache.put(request, copy); }));
    }
    return response;
  });
  return fromCache(request).then(function (cached) {
    if (cached) {
      refreshed.catch(function () { return null; });
      return cached;
    }
    return refreshed;
  });
}

/* The checker in the page's language: the copy of this address, else of the language asked, else any. */
function cachedChecker(request) {
  return function () {
    var language = new URL(request.url).searchParams.get("lang");
    var wanted = language ? CHECKER + "?lang=" + language : null;
    return fromCache(request).then(function (cached) {
      return cached || (wanted ? fromCache(wanted) : null);
    }).then(function (cached) {
      return cached || fromCache(CHECKER + "?lang=ar");
    }).then(function (cached) {
      return cached || fromCache(CHECKER, {ignoreSearch: true});
    }).then(function (cached) {
      return cached || Response.error();
    });
  };
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  var path = url.pathname;
  if (path === CHECKER || path === KEYS || /^\/issuers\/[A-Z]{3}(\/status)?$/.test(path)) {
    event.respondWith(networkFirst(request, true, path === CHECKER ? cachedChecker(request) : null));
  } else if (request.mode === "navigate" && path.indexOf("/verify/") === 0) {
    // A verification page opened from a QR code: the server's page when online (not kept: it names a
    // graduate), else the checker, which reads the token in the address's fragment.
    event.respondWith(networkFirst(request, false, cachedChecker(request)));
  } else if (path.indexOf("/static/") === 0) {
    event.respondWith(staleWhileRevalidate(event));
  }
});
