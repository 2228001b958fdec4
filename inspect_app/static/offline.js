/* Working without a network, on every page: the service worker, the tablet's queue and its state.
 *
 * window.offlineStore is the one queue of the app. Every change an inspector makes is written to
 * IndexedDB first (answers and notes per inspection in "changes", photos as blobs in "queue")
 * and removed only once the server has confirmed it; checklist.js sends them. Each entry names
 * the user who made it and only that user's session sends, counts or exports it: on a shared
 * tablet nobody's change is ever sent under someone else's name. The header shows
 * online / offline / N changes waiting, logging out with changes waiting asks first, and
 * "Xuất dữ liệu chờ gửi" saves the queue as a file an administrator can import.
 *
 * An inspection started without a network is a queued creation ("creations"): the start form's
 * document for the JSON API under its client id, which makes sending it twice harmless. Its answers,
 * notes, details and photos wait under "new-<client id>" until the server has created it; then they
 * move to the new inspection's id. Any page sends waiting creations when it has a network.
 */
(function () {
  "use strict";

  // The database keeps the name of the photo queue it grew from, so photos queued before stay.
  var DB_NAME = "inspect-photos", DB_VERSION = 3;
  var dbPromise = null;
  var memory = { changes: {}, queue: {}, creations: {} };  // when IndexedDB is unavailable (private mode): this page only
  var statusBox = document.getElementById("net-status");
  var user = statusBox ? statusBox.dataset.user : "";
  // A photo queued before entries named their user belongs to whoever is logged in, as it did then.
  function mine(row) { return !!row && (row.user === undefined || row.user === user); }

  function open() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve) {
        if (!window.indexedDB) { resolve(null); return; }
        var request = window.indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "key" });
          if (!db.objectStoreNames.contains("changes")) db.createObjectStore("changes", { keyPath: "key" });
          if (!db.objectStoreNames.contains("creations")) db.createObjectStore("creations", { keyPath: "key" });
        };
        request.onsuccess = function () {
          // A newer release's page needs the database upgraded: step aside and reload as that release.
          // Everything typed is in the database already, so the reload loses nothing.
          request.result.onversionchange = function () { request.result.close(); location.reload(); };
          resolve(request.result);
        };
        request.onerror = function () { resolve(null); };
        // An older release's page still holds the database open: wait for it (it is the queue), and say so.
        request.onblocked = function () {
          var state = document.getElementById("net-state");
          if (state) state.textContent = "Hãy đóng các thẻ khác của ứng dụng để lưu trên máy";
        };
      });
    }
    return dbPromise;
  }

  // One transaction on one store; resolves with the request's result once it is committed.
  function run(storeName, mode, action) {
    return open().then(function (db) {
      if (!db) return action(null, memory[storeName]);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(storeName, mode);
        var request = action(tx.objectStore(storeName));
        tx.oncomplete = function () { resolve(request ? request.result : undefined); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
      });
    });
  }
  function all(storeName) {
    return run(storeName, "readonly", function (store, mem) {
      return store ? store.getAll() : { result: Object.keys(mem).map(function (k) { return mem[k]; }) };
    }).then(function (rows) { return (rows || []).filter(mine); });
  }

  function codesIn(record) {
    var codes = {};
    ["answers", "notes"].forEach(function (part) { Object.keys(record[part] || {}).forEach(function (c) { codes[c] = 1; }); });
    return Object.keys(codes).length + (record.details && Object.keys(record.details).length ? 1 : 0);
  }
  function get(storeName, key) {
    return run(storeName, "readonly", function (s, mem) { return s ? s.get(key) : { result: mem[key] }; })
      .then(function (row) { return mine(row) ? row : null; });
  }
  function put(storeName, row) {
    return run(storeName, "readwrite", function (s, mem) { if (!s) { mem[row.key] = row; return null; } return s.put(row); });
  }
  function remove(storeName, key) {
    return run(storeName, "readwrite", function (s, mem) { if (!s) { delete mem[key]; return null; } return s.delete(key); });
  }
  var WAITING = "waiting", REFUSED = "refused", CREATED = "created";
  var sending = {};  // client id → the creation request in flight: one at a time per inspection

  var store = {
    changes: function (inspection) { return get("changes", user + "|" + inspection); },
    // The inspection's unsent answers, notes and minutes details; null or an empty record removes them.
    saveChanges: function (inspection, record) {
      var key = user + "|" + inspection;
      var empty = !record || !codesIn(record);
      var row = Object.assign({}, record, { key: key, user: user, inspection: String(inspection),
                                            saved_at: new Date().toISOString() });
      return (empty ? remove("changes", key) : put("changes", row)).then(refresh);
    },
    photos: function (inspection) {
      return all("queue").then(function (rows) {
        return rows.filter(function (r) { return String(r.inspection) === String(inspection); });
      });
    },
    putPhoto: function (entry) {
      return put("queue", Object.assign({}, entry, { user: user })).then(refresh);
    },
    deletePhoto: function (key) { return remove("queue", key).then(refresh); },
    // A start form queued without a network: {client_id, payload, page, labels}.
    saveCreation: function (creation) {
      return put("creations", Object.assign({}, creation, { key: user + "|" + creation.client_id, user: user,
                                                         status: WAITING, saved_at: new Date().toISOString() }))
        .then(refresh);
    },
    creation: function (clientId) { return get("creations", user + "|" + clientId); },
    creations: function () { return all("creations"); },
    // Create it on the server (the same client id again returns the same inspection) and move its queued
    // work to the new id. Resolves {id, version}, {refused: message} or {offline: true}.
    syncCreation: function (clientId) {
      if (sending[clientId]) return sending[clientId];
      sending[clientId] = store.creation(clientId).then(function (creation) {
        if (!creation) return { missing: true };
        if (creation.status === CREATED) return { id: creation.id, version: creation.version };
        return post("/api/v1/inspections", creation.payload, true).then(function (result) {
          if (result.status === 200 || result.status === 201) {
            var done = Object.assign({}, creation, { status: CREATED, id: result.body.id, version: result.body.version,
                                                     created_at: new Date().toISOString() });
            return store.moveInspection("new-" + clientId, result.body.id, result.body.version)
              .then(function () { return put("creations", done); })
              .then(function () { return { id: done.id, version: done.version }; });
          }
          if (!result.status || result.status >= 500 || result.status === 401) return { offline: true };  // try again later
          var message = refusal(result.body);
          return put("creations", Object.assign({}, creation, { status: REFUSED, error: message }))
            .then(function () { return { refused: message }; });
        });
      }).then(function (outcome) { delete sending[clientId]; refresh(); return outcome; },
               function () { delete sending[clientId]; return { offline: true }; });
      return sending[clientId];
    },
    // The queued work of "new-<client id>" now belongs to the inspection the server created.
    // Its changes were made against the new inspection as the server created it (version).
    moveInspection: function (from, to, version) {
      to = String(to);
      return Promise.all([store.changes(from), store.changes(to), store.photos(from)]).then(function (found) {
        var steps = [];
        if (found[0] && !found[1]) {
          steps.push(put("changes", Object.assign({}, found[0], { key: user + "|" + to, inspection: to,
                                                                base_version: version })));
        }
        if (found[0]) steps.push(remove("changes", user + "|" + from));
        found[2].forEach(function (photo) { steps.push(put("queue", Object.assign({}, photo, { inspection: to }))); });
        return Promise.all(steps);
      });
    },
    // How many changes wait: one per item with an answer or note, one per minutes details, one per photo,
    // one per inspection still to create.
    waiting: function () {
      return Promise.all([all("changes"), all("queue"), all("creations")]).then(function (rows) {
        return rows[0].reduce(function (n, r) { return n + codesIn(r); }, 0) + rows[1].length +
          rows[2].filter(function (c) { return c.status !== CREATED; }).length;
      });
    },
    refresh: refresh,
  };
  window.offlineStore = store;

  // ---- the page's CSRF token (in its meta tag), fetched again when a page left open outlived it ------
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  store.token = function () { return tokenMeta ? tokenMeta.content : ""; };
  // Resolves whether a fresh token is now in the page.
  store.refreshToken = function () {
    if (!tokenMeta) return Promise.resolve(false);
    return fetch(tokenMeta.dataset.refresh, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (fresh) { if (fresh.token) tokenMeta.content = fresh.token; return !!fresh.token; })
      .catch(function () { return false; });
  };

  // ---- sending a creation: JSON with the page's CSRF token, sent again once with a fresh one ---------
  function post(url, body, retry) {
    return fetch(url, { method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                        headers: { "Content-Type": "application/json", "Accept": "application/json",
                                   "X-CSRFToken": store.token() } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          if (retry && response.status === 400 && /CSRF/i.test(json.error || "")) {
            return store.refreshToken().then(function (fresh) {
              return fresh ? post(url, body, false) : { status: response.status, body: json };
            });
          }
          return { status: response.status, body: json };
        });
      }, function () { return { status: 0, body: {} }; });
  }
  function refusal(body) {
    var errors = body.errors || {};
    var details = Object.keys(errors).map(function (k) { return errors[k]; }).join("; ");
    return "Máy chủ không tạo được phiếu: " + (body.error || "dữ liệu chưa hợp lệ") + (details ? " (" + details + ")" : "");
  }

  // ---- creations made offline: sent from any page, listed on the inspections list -------------------
  var pendingList = document.getElementById("pending-creations");
  function showCreations() {
    if (!pendingList) return Promise.resolve();
    return store.creations().then(function (rows) {
      var waiting = rows.filter(function (c) { return c.status !== CREATED; });
      var list = document.getElementById("pending-creations-list");
      var fragment = document.createDocumentFragment();
      waiting.forEach(function (c) {
        var li = document.createElement("li");
        var link = document.createElement("a");
        link.href = c.page + "#" + encodeURIComponent(c.client_id);
        link.textContent = c.labels.title;
        li.appendChild(link);
        var state = document.createElement("span");
        state.className = "status " + (c.status === REFUSED ? "refused" : "draft");
        state.textContent = c.status === REFUSED ? c.error : "Chờ tạo trên máy chủ";
        li.appendChild(document.createTextNode(" "));
        li.appendChild(state);
        fragment.appendChild(li);
      });
      list.replaceChildren(fragment);
      pendingList.hidden = !waiting.length;
    }).catch(function () {});
  }
  function sendCreations() {
    // The checklist page of a creation sends its own (and then takes the server's id at once).
    var own = document.querySelector("form#checklist[data-pending]") ? decodeURIComponent(location.hash.slice(1)) : null;
    return store.creations().then(function (rows) {
      var stale = Date.now() - 30 * 24 * 3600 * 1000;
      return Promise.all(rows.map(function (c) {
        if (c.status === CREATED) return Date.parse(c.created_at) < stale ? remove("creations", c.key) : null;
        return c.client_id === own || !navigator.onLine ? null : store.syncCreation(c.client_id);
      }));
    }).then(showCreations, showCreations);
  }
  window.addEventListener("online", sendCreations);

  // ---- the header: online, offline, N changes waiting ------------------------------------------
  var stateEl = document.getElementById("net-state");
  var waitingEl = document.getElementById("net-waiting");
  var exportButton = document.getElementById("net-export");
  var waitingNow = 0;
  function refresh() {
    return store.waiting().then(function (count) {
      waitingNow = count;
      if (!stateEl) return;
      var online = navigator.onLine;
      stateEl.textContent = online ? "Trực tuyến" : "Ngoại tuyến";
      stateEl.parentElement.className = "net-status " + (online ? "online" : "offline") + (count ? " waiting" : "");
      waitingEl.hidden = !count;
      waitingEl.textContent = count + " thay đổi chờ gửi";
      exportButton.hidden = !count;
    }, function () { /* the header stays as it was */ });
  }
  window.addEventListener("online", refresh);
  window.addEventListener("offline", refresh);

  // ---- persistent storage: queued work must survive "clear browsing data" when the browser allows --
  if (stateEl && navigator.storage && navigator.storage.persist) {
    navigator.storage.persisted().then(function (already) {
      return already || navigator.storage.persist();
    }).then(function (granted) {
      document.getElementById("net-persist").hidden = !!granted;
    }).catch(function () {});
  }

  // ---- the escape hatch: the queue as a file ---------------------------------------------------
  function dataUrl(blob) {
    return new Promise(function (resolve, reject) {
      var reader = new FileReader();
      reader.onload = function () { resolve(reader.result); };
      reader.onerror = function () { reject(reader.error); };
      reader.readAsDataURL(blob);
    });
  }
  function exportQueue() {
    return Promise.all([all("changes"), all("queue"), all("creations")]).then(function (rows) {
      return Promise.all(rows[1].map(function (p) {
        return dataUrl(p.blob).then(function (data) {
          return { key: p.key, inspection: String(p.inspection), item: p.item, name: p.name, data: data };
        });
      })).then(function (photos) {
        var body = { format: "inspect-offline-queue", format_version: 1, exported_at: new Date().toISOString(),
                     origin: location.origin, user: user,
                     changes: rows[0], photos: photos,
                     creations: rows[2].filter(function (c) { return c.status !== CREATED; }) };
        var link = document.createElement("a");
        link.href = URL.createObjectURL(new Blob([JSON.stringify(body)], { type: "application/json" }));
        link.download = "du-lieu-cho-gui-" + new Date().toISOString().slice(0, 19).replace(/[:T]/g, "-") + ".json";
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
      });
    });
  }
  if (exportButton) exportButton.addEventListener("click", exportQueue);

  // ---- logging out with changes waiting: warn, and go only when confirmed ---------------------------
  var logoutForm = document.getElementById("logout-form");
  var warning = document.getElementById("logout-warning");
  var confirmedLogout = false;
  if (logoutForm && warning) {
    logoutForm.addEventListener("submit", function (event) {
      if (confirmedLogout) return;
      event.preventDefault();
      store.waiting().then(function (count) {
        if (!count) { confirmedLogout = true; forgetPages(); logoutForm.submit(); return; }
        document.getElementById("logout-warning-text").textContent = "Còn " + count +
          " thay đổi chưa gửi lên máy chủ. Nếu đăng xuất, chúng vẫn nằm trên máy này nhưng chỉ được gửi khi bạn " +
          "đăng nhập lại; hãy chờ có mạng để gửi xong, hoặc xuất dữ liệu chờ gửi ra tệp trước.";
        warning.hidden = false;
        document.getElementById("logout-stay").focus();
      });
    });
    document.getElementById("logout-stay").addEventListener("click", function () { warning.hidden = true; });
    document.getElementById("logout-export").addEventListener("click", exportQueue);
    document.getElementById("logout-anyway").addEventListener("click", function () {
      confirmedLogout = true;
      forgetPages();
      logoutForm.submit();
    });
  }
  function forgetPages() {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget-user" });
    }
  }

  // ---- the service worker, and the inspections to keep for the field ------------------------------
  // Registered once the page has loaded: on a slow link the worker's pre-cache must not compete with
  // the page the inspector is waiting for.
  function registerWorker() {
    navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // The drafts listed for this inspector and the communes they may re-inspect: open them offline later.
      // With them, the offline checklist pages an inspection started without a network opens on.
      var urls = [];
      document.querySelectorAll("tr.status-draft a.row-link, a.button.reinspect, #new-inspection-link, [data-offline-versions]")
        .forEach(function (node) {
          if (node.getAttribute("href")) urls.push(node.getAttribute("href"));
          if (node.dataset.offlinePages) urls.push.apply(urls, node.dataset.offlinePages.split(" "));
          if (node.dataset.offlineVersions) {
            JSON.parse(node.dataset.offlineVersions).forEach(function (v) { urls.push(v.page); });
          }
        });
      if (urls.length && registration.active) registration.active.postMessage({ type: "cache-pages", urls: urls });
    }).catch(function () { /* no worker (old browser, private mode): the pages still work online */ });
  }
  if ("serviceWorker" in navigator) {
    if (document.readyState === "complete") registerWorker();
    else window.addEventListener("load", registerWorker);
  }

  refresh();
  sendCreations();
}());
