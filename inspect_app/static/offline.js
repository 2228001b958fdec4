/* Working without a network, on every page: the service worker, the tablet's queue and its state.
 *
 * window.offlineStore is the one queue of the app. Every change an inspector makes is written to
 * IndexedDB first (answers and notes per inspection in "changes", photos as blobs in "queue")
 * and removed only once the server has confirmed it; checklist.js sends them. Each entry names
 * the user who made it and only that user's session sends, counts or exports it: on a shared
 * tablet nobody's change is ever sent under someone else's name. The header shows
 * online / offline / N changes waiting, logging out with changes waiting asks first, and
 * "Xuất dữ liệu chờ gửi" saves the queue as a file an administrator can import.
 */
(function () {
  "use strict";

  // The database keeps the name of the photo queue it grew from, so photos queued before stay.
  var DB_NAME = "inspect-photos", DB_VERSION = 2;
  var dbPromise = null;
  var memory = { changes: {}, queue: {} };  // when IndexedDB is unavailable (private mode): this page only
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
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = request.onblocked = function () { resolve(null); };
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

  var store = {
    changes: function (inspection) {
      var key = user + "|" + inspection;
      return run("changes", "readonly", function (s, mem) { return s ? s.get(key) : { result: mem[key] }; })
        .then(function (row) { return mine(row) ? row : null; });
    },
    // The inspection's unsent answers, notes and minutes details; null or an empty record removes them.
    saveChanges: function (inspection, record) {
      var key = user + "|" + inspection;
      var empty = !record || !codesIn(record);
      var row = Object.assign({}, record, { key: key, user: user, inspection: String(inspection),
                                            saved_at: new Date().toISOString() });
      return run("changes", "readwrite", function (s, mem) {
        if (!s) { if (empty) delete mem[key]; else mem[key] = row; return null; }
        return empty ? s.delete(key) : s.put(row);
      }).then(refresh);
    },
    photos: function (inspection) {
      return all("queue").then(function (rows) {
        return rows.filter(function (r) { return String(r.inspection) === String(inspection); });
      });
    },
    putPhoto: function (entry) {
      entry = Object.assign({}, entry, { user: user });
      return run("queue", "readwrite", function (s, mem) { if (!s) { mem[entry.key] = entry; return null; } return s.put(entry); })
        .then(refresh);
    },
    deletePhoto: function (key) {
      return run("queue", "readwrite", function (s, mem) { if (!s) { delete mem[key]; return null; } return s.delete(key); })
        .then(refresh);
    },
    // How many changes wait: one per item with an answer or note, one per minutes details, one per photo.
    waiting: function () {
      return Promise.all([all("changes"), all("queue")]).then(function (rows) {
        return rows[0].reduce(function (n, r) { return n + codesIn(r); }, 0) + rows[1].length;
      });
    },
    refresh: refresh,
  };
  window.offlineStore = store;

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
    return Promise.all([all("changes"), all("queue")]).then(function (rows) {
      return Promise.all(rows[1].map(function (p) {
        return dataUrl(p.blob).then(function (data) {
          return { key: p.key, inspection: String(p.inspection), item: p.item, name: p.name, data: data };
        });
      })).then(function (photos) {
        var body = { format: "inspect-offline-queue", format_version: 1, exported_at: new Date().toISOString(),
                     origin: location.origin, user: user,
                     changes: rows[0], photos: photos };
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
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // The drafts listed for this inspector and the communes they may re-inspect: open them offline later.
      var urls = Array.prototype.map.call(document.querySelectorAll(
        "tr.status-draft a.row-link, a.button.reinspect"), function (a) { return a.getAttribute("href"); });
      if (urls.length && registration.active) registration.active.postMessage({ type: "cache-pages", urls: urls });
    }).catch(function () { /* no worker (old browser, private mode): the pages still work online */ });
  }

  refresh();
}());
