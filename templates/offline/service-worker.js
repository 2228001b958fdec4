/* The tablet app's service worker (release {{ version }}), rendered by web/offline.py.
 *
 * Pages and data are cached as the inspector opens them, so a reload without a network opens
 * the last copy instead of the browser's error page; a page never opened gives the Vietnamese
 * offline page. Nothing here writes or sends a change: every change waits in IndexedDB
 * (static/offline.js) until the page itself sends it, so a new release, which replaces only the
 * shell cache, can never lose queued work. Same-origin GET requests only.
 */
"use strict";

var VERSION = {{ version|tojson }};
var SHELL = "inspect-shell-" + VERSION;      // replaced with each release
var PAGES = "inspect-pages";                 // pages the inspector opened: kept across releases
var DATA = "inspect-data";                   // API reads and photos for those pages
var SHELL_URLS = {{ shell|tojson }};
var OFFLINE_URL = {{ offline_url|tojson }};
var NETWORK_WAIT = 3000;                     // a weak network longer than this: show the cached copy
var NOT_CACHED = /^\/(login|logout|password|offline|service-worker\.js)(\/|$)/;
var DATA_PATHS = /^\/(api\/v1\/checklists(\/[^/]+)?|api\/v1\/inspections\/\d+|inspections\/\d+\/photos\/\d+)$/;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    // The criteria need a login: a worker installed from the login page caches them on first use.
    return Promise.all(SHELL_URLS.map(function (url) {
      return fetch(url, { credentials: "same-origin", cache: "reload" }).then(function (response) {
        if (response.ok && !response.redirected) return cache.put(url, response);
        if (url.indexOf("/static/") === 0 || url === OFFLINE_URL) throw new Error("shell file missing: " + url);
      });
    }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("inspect-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }).then(refreshPages));
});

// Cached pages name the old release's files: fetch them again, while there is a network, so they match.
function refreshPages() {
  return caches.open(PAGES).then(function (cache) {
    return cache.keys().then(function (requests) {
      return Promise.all(requests.map(function (request) { return store(cache, request.url).catch(function () {}); }));
    });
  });
}

function cacheable(response) {
  return response && response.ok && response.type === "basic" && !response.redirected;
}

function store(cache, url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (cacheable(response)) return cache.put(url, response);
  });
}

function fromShell(request) {
  // An old page asking for an older fingerprint of a file gets this release's copy.
  return caches.open(SHELL).then(function (cache) {
    return cache.match(request).then(function (hit) { return hit || cache.match(request, { ignoreSearch: true }); });
  });
}

function staticFile(request) {
  return fromShell(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (cacheable(response)) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
  });
}

// The network's answer, kept for later; the cached copy when the network fails or is too slow.
function networkFirst(request, cacheName, fallback) {
  return caches.open(cacheName).then(function (cache) {
    return cache.match(request).then(function (cached) {
      var network = fetch(request).then(function (response) {
        if (cacheable(response)) cache.put(request, response.clone());
        return response;
      });
      if (!cached) return network.catch(fallback);
      var slow = new Promise(function (resolve) { setTimeout(function () { resolve(cached); }, NETWORK_WAIT); });
      return Promise.race([network.catch(function () { return cached; }), slow]);
    });
  });
}

function offlinePage() {
  return caches.open(SHELL).then(function (cache) { return cache.match(OFFLINE_URL); }).then(function (hit) {
    return hit || new Response("Chưa có kết nối mạng.", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (NOT_CACHED.test(url.pathname)) {
      if (url.pathname === OFFLINE_URL) event.respondWith(offlinePage());
      return;
    }
    event.respondWith(networkFirst(request, PAGES, offlinePage));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(staticFile(request));
  } else if (DATA_PATHS.test(url.pathname)) {
    var name = SHELL_URLS.indexOf(url.pathname + url.search) >= 0 ? SHELL : DATA;
    event.respondWith(networkFirst(request, name, function () {
      return caches.match(request).then(function (hit) { return hit || Response.error(); });
    }));
  }
});

self.addEventListener("message", function (event) {
  var message = event.data || {};
  if (message.type === "cache-pages" && Array.isArray(message.urls)) {
    // The inspections assigned to the inspector: ready before the team leaves for the commune.
    event.waitUntil(caches.open(PAGES).then(function (cache) {
      return Promise.all(message.urls.filter(function (url) {
        return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/";
      }).map(function (url) {
        return cache.match(url).then(function (hit) { return hit || store(cache, url).catch(function () {}); });
      }));
    }));
  } else if (message.type === "forget-user") {
    // Logging out: the next user of the tablet must not open this one's pages offline.
    event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(DATA)]));
  }
});
