/* The checklist page: autosave through the JSON API, offline-safe.
 *
 * Every change goes into the tablet's queue in IndexedDB (window.offlineStore, static/offline.js)
 * before it is sent, so no answer is lost when the network drops, the tablet reloads or the page
 * is closed: an entry leaves the queue only when the server has confirmed that value. Saves are
 * debounced (400 ms), one request at a time, against the version the tablet last saw
 * (base_version), retried with backoff and on the "online" event. Photos, downscaled here, wait
 * in the same database as blobs until uploaded. No framework, no inline code (CSP default-src 'self').
 *
 * The minutes' details (times, place, copies, opinions) are queued the same way and sent with PATCH.
 * An inspection started without a network opens this page from the worker's cache with its client id
 * after # (data-pending): everything waits under "new-<client id>" until the server has created it,
 * then moves to its id, and once all is sent the page gives way to the inspection's own page.
 */
(function () {
  "use strict";

  var form = document.getElementById("checklist");
  if (!form) return;
  var vnFormat = window.vnFormat;  // vn-inputs.js: dd/mm/yyyy, HH:MM, decimal comma
  var live = document.getElementById("live");
  var toggle = document.getElementById("live-toggle");
  var portrait = window.matchMedia("(max-width: 999.98px)");

  function setPanel(open) {
    live.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }
  toggle.addEventListener("click", function () { setPanel(!live.classList.contains("open")); });
  live.addEventListener("click", function (event) {
    if (event.target.closest("a[href^='#']") && portrait.matches) setPanel(false);
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest(".note-toggle");
    if (!button) return;
    var box = document.getElementById(button.getAttribute("aria-controls"));
    var open = box.hidden;
    box.hidden = !open;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) box.querySelector("textarea").focus();
  });

  if (form.dataset.editable !== "1") return;

  // ---- state -------------------------------------------------------------------------------
  var pendingClient = form.dataset.pending === "1" ? decodeURIComponent(location.hash.slice(1)) : "";
  var inspectionId = pendingClient ? "new-" + pendingClient : form.dataset.id;
  var apiBase = form.dataset.apiBase;   // empty until an inspection started offline exists on the server
  var photoBase = form.dataset.photoBase;
  var refusedCreation = false;
  var NO_CREATION = "Không tìm thấy phiếu này trên máy; có thể đã bị xóa khi xóa dữ liệu trình duyệt.";
  var store = window.offlineStore;
  var version = parseInt(form.dataset.version, 10);
  var pending = emptyPending();
  var writing = Promise.resolve();  // queue writes in order: the last one written is the latest state
  var timer = null;
  var running = null;         // the promise of the request in flight, if any
  var backoff = 0;
  var locked = false;
  var statusEl = document.getElementById("save-status");
  var DEBOUNCE = 400;
  var confirmed = {};        // what the server holds, per item: a change back to it is no change
  var confirmedNotes = {};

  // Beside each unsent value, its base: what the server held when the inspector changed it. A 409
  // then tells a real clash (someone else changed that item too) from a change that can simply go.
  // Clashing items are held back, shown side by side, and sent only once the inspector has chosen.
  function emptyPending() {
    return { answers: {}, notes: {}, details: {}, bases: { answers: {}, notes: {} }, held: { answers: {}, notes: {} } };
  }
  function persist() {
    var record = { answers: Object.assign({}, pending.answers), notes: Object.assign({}, pending.notes),
                   details: Object.assign({}, pending.details),
                   bases: JSON.parse(JSON.stringify(pending.bases)), held: JSON.parse(JSON.stringify(pending.held)),
                   base_version: version, page: location.pathname };
    writing = writing.then(function () { return store.saveChanges(inspectionId, record); })
      .catch(function () { setStatus("error", "Không ghi được vào bộ nhớ máy — đừng tải lại trang khi chưa có mạng"); });
    return writing;
  }
  function isEmpty() {
    return !Object.keys(pending.answers).length && !Object.keys(pending.notes).length && !Object.keys(pending.details).length;
  }
  function track(kind, code) {
    if (code in pending[kind]) return;
    var base = kind === "answers" ? confirmed[code] : confirmedNotes[code];
    pending.bases[kind][code] = base === undefined ? (kind === "answers" ? null : "") : base;
  }
  function forget(kind, code) {
    delete pending[kind][code];
    delete pending.bases[kind][code];
    delete pending.held[kind][code];
  }
  function sendable() {
    var out = { answers: {}, notes: {} };
    ["answers", "notes"].forEach(function (kind) {
      Object.keys(pending[kind]).forEach(function (code) {
        if (!(code in pending.held[kind])) out[kind][code] = pending[kind][code];
      });
    });
    return out;
  }
  function hasSendable() { var s = sendable(); return Object.keys(s.answers).length + Object.keys(s.notes).length > 0; }
  function pendingCount() {
    var codes = {};
    Object.keys(pending.answers).forEach(function (c) { codes[c] = 1; });
    Object.keys(pending.notes).forEach(function (c) { codes[c] = 1; });
    return Object.keys(codes).length + (Object.keys(pending.details).length ? 1 : 0);
  }

  // ---- status line ------------------------------------------------------------------------------
  function hhmm(date) { return String(date.getHours()).padStart(2, "0") + ":" + String(date.getMinutes()).padStart(2, "0"); }
  function setStatus(kind, text) {
    if (!statusEl) return;
    statusEl.className = "save-status " + kind;
    statusEl.textContent = text;
  }

  // ---- reading and writing controls -------------------------------------------------------------
  function article(code) { return document.getElementById("item-" + code); }
  function controls(code) { return form.querySelectorAll('[name="' + CSS.escape(code) + '"]'); }

  function readAnswer(code) {
    var box = article(code);
    if (!box) return { error: "Mã tiêu chí không có trong biểu." };
    var type = box.dataset.type;
    var checked = form.querySelector('input[type=radio][name="' + CSS.escape(code) + '"]:checked');
    if (type === "yesno" || type === "choice") return { value: checked ? checked.value : null };
    if (checked && checked.value === "na") return { value: "na" };
    var input = box.querySelector('input:not([type=radio]):not([type=file])[name="' + CSS.escape(code) + '"], textarea[name="' + CSS.escape(code) + '"]');
    if (!input) return { value: null };
    var raw = input.value.trim();
    if (raw === "") return { value: null };
    if (type === "int") {
      var n = /^\d+$/.test(raw) ? Number(raw) : NaN;
      var low = box.dataset.min !== undefined ? Number(box.dataset.min) : 0;
      var high = box.dataset.max !== undefined ? Number(box.dataset.max) : null;
      if (!Number.isInteger(n)) return { error: "Cần một số nguyên (chỉ gồm chữ số)." };
      if (n < low || (high !== null && n > high)) {
        return { error: high !== null ? "Cần số nguyên từ " + low + " đến " + high + "." : "Cần số nguyên lớn hơn hoặc bằng " + low + "." };
      }
      return { value: n };
    }
    if (type === "pct") {  // a decimal comma or a dot, whatever the browser's language
      var p = vnFormat.parseDecimal(raw);
      if (p === null) return { error: "Cần một tỷ lệ phần trăm dạng số, dấu phẩy thập phân (ví dụ 87,5)." };
      if (p < 0 || p > 100) return { error: "Tỷ lệ phải từ 0 đến 100." };
      if (!/^\d+([.,]\d)?$/.test(raw)) return { error: "Tỷ lệ chỉ được có một chữ số thập phân (ví dụ 87,5)." };
      return { value: p };
    }
    if (type === "date") {  // typed dd/mm/yyyy, sent as the API's yyyy-mm-dd
      var iso = vnFormat.parseDate(raw);
      if (!iso) return { error: "Ngày không hợp lệ: cần một ngày có thật, dạng ngày/tháng/năm (ví dụ 15/09/2020)." };
      return { value: iso };
    }
    return { value: raw };
  }

  // What a text field shows for a stored answer: dd/mm/yyyy dates, decimal commas.
  function shown(type, value) {
    if (value === null || value === undefined || value === "na") return "";
    if (type === "date") return vnFormat.formatDate(String(value));
    if (type === "pct" || type === "int") return vnFormat.formatDecimal(value);
    return String(value);
  }

  function setControl(code, value) {
    var box = article(code);
    if (!box) return;
    controls(code).forEach(function (el) {
      if (el.type === "radio") el.checked = value !== null && value !== undefined && el.value === String(value);
      else el.value = shown(box.dataset.type, value);
    });
    refreshItem(code);
  }
  function setNote(code, text) {
    var area = form.querySelector('[name="note-' + CSS.escape(code) + '"]');
    if (!area) return;
    area.value = text || "";
    if (text) {
      area.parentElement.hidden = false;
      var button = form.querySelector('.note-toggle[data-note="' + CSS.escape(code) + '"]');
      if (button) button.setAttribute("aria-expanded", "true");
    }
  }

  function refreshItem(code) {
    var box = article(code);
    if (!box) return;
    var read = readAnswer(code);
    box.classList.toggle("answered", read.value !== null && read.value !== undefined && !read.error);
    var out = box.querySelector("output.date-read");
    if (out) out.textContent = read.value || box.dataset.required === "1" ? "" : "chưa công khai";
  }

  function showError(code, message) {
    var box = article(code);
    var slot = document.getElementById("err-" + code);
    if (!box || !slot) return false;
    slot.textContent = message.charAt(0).toUpperCase() + message.slice(1);
    slot.hidden = false;
    box.classList.add("invalid");
    return true;
  }
  function clearError(code) {
    var box = article(code);
    var slot = document.getElementById("err-" + code);
    if (slot) { slot.hidden = true; slot.textContent = ""; }
    if (box) box.classList.remove("invalid", "missing");
  }

  // ---- progress ----------------------------------------------------------------------------------
  function updateProgress() {
    var sections = {}, answered = 0, required = 0;
    form.querySelectorAll("article.item").forEach(function (box) {
      var section = box.closest("section").dataset.section;
      var s = sections[section] || (sections[section] = { answered: 0, required: 0 });
      if (box.dataset.required !== "1") return;
      s.required += 1; required += 1;
      if (box.classList.contains("answered")) { s.answered += 1; answered += 1; }
    });
    Object.keys(sections).forEach(function (code) {
      var s = sections[code], done = s.answered === s.required;
      form.querySelectorAll('[data-progress="' + code + '"]').forEach(function (el) {
        el.textContent = s.answered + "/" + s.required;
        if (el.classList.contains("sec-progress")) el.classList.toggle("complete", done);
      });
      var nav = form.querySelector('[data-nav="' + code + '"]');
      if (nav) nav.classList.toggle("complete", done);
    });
    document.getElementById("progress-answered").textContent = answered;
    document.getElementById("progress-required").textContent = required;
    var bar = document.getElementById("progress-bar");
    bar.max = required; bar.value = answered;
  }

  // ---- the live panel --------------------------------------------------------------------------
  var KIND = { violation: "Vi phạm", recommendation: "Khuyến nghị", escalation: "Kiến nghị xử lý" };
  function number(value) { return value === null || value === undefined ? "—" : Number(value).toFixed(2).replace(".", ","); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function renderFinding(f) {
    var li = el("li", "finding " + f.kind + (f.severity === "high" ? " high" : ""));
    var head = el("div", "f-head");
    var code;
    if (f.items && f.items.length) { code = el("a", "f-code", f.code); code.href = "#item-" + f.items[0]; }
    else code = el("span", "f-code", f.code);
    head.appendChild(code);
    head.appendChild(el("span", "badge " + f.kind, KIND[f.kind] || f.kind));
    if (f.severity === "high") head.appendChild(el("span", "badge high", "Nghiêm trọng"));
    if (f.repeat) head.appendChild(el("span", "badge repeat", "Tái phạm"));
    li.appendChild(head);
    li.appendChild(el("p", "f-title", f.title));
    var due = el("p", "f-deadline");
    if (f.deadline) {
      due.appendChild(document.createTextNode("Hạn khắc phục: ")); due.appendChild(el("b", "", vnFormat.formatDate(f.deadline)));
      if (f.deadline_provisional) { due.appendChild(document.createTextNode(" (tạm tính: lịch nghỉ năm " + f.deadline.slice(0, 4) + " chưa công bố)")); }
    }
    else due.textContent = "Không đặt hạn khắc phục";
    li.appendChild(due);
    if (f.legal_basis) li.appendChild(el("p", "f-basis", "Căn cứ: " + f.legal_basis));
    return li;
  }
  function renderResult(body) {
    if (Array.isArray(body.findings)) {
      var list = document.getElementById("findings");
      var fragment = document.createDocumentFragment();
      body.findings.forEach(function (f) { fragment.appendChild(renderFinding(f)); });
      list.replaceChildren(fragment);
      document.getElementById("findings-empty").hidden = body.findings.length > 0;
      document.getElementById("live-count").textContent = body.findings.length;
    }
    if (body.scores) {
      // A dimension without any answer yet is "not yet assessed", never 10/10; the total waits for all.
      var assessed = Array.isArray(body.assessed) ? body.assessed : Object.keys(body.scores);
      var dimensions = parseInt(live.dataset.dimensions, 10);
      var complete = assessed.filter(function (code) { return code !== "total"; }).length >= dimensions;
      document.querySelectorAll("[data-score]").forEach(function (cell) {
        var code = cell.dataset.score;
        var shown = code === "total" ? complete : assessed.indexOf(code) >= 0;
        cell.textContent = shown ? number(body.scores[code]) : (code === "total" ? "chưa đủ lĩnh vực" : "chưa đánh giá");
        cell.classList.toggle("unassessed", !shown);
      });
      document.getElementById("live-total").textContent = complete ? number(body.scores.total) : "chưa đủ";
      document.getElementById("live-total-of").textContent = complete ? "/80"
        : " (" + assessed.length + "/" + dimensions + " lĩnh vực)";
    }
  }

  // ---- saving ------------------------------------------------------------------------------------
  function headers(json) {
    var h = { "X-CSRFToken": store.token(), "Accept": "application/json" };
    if (json) h["Content-Type"] = "application/json";
    return h;
  }
  function schedule(ms) {
    if (locked) return;
    clearTimeout(timer);
    timer = setTimeout(flush, ms);
  }
  function sameValue(a, b) { return a === b || (a !== a && b !== b); }
  function drop(sent) {
    Object.keys(sent.answers).forEach(function (code) {
      if (code in pending.answers && sameValue(pending.answers[code], sent.answers[code])) forget("answers", code);
    });
    Object.keys(sent.notes).forEach(function (code) {
      if (code in pending.notes && pending.notes[code] === sent.notes[code]) forget("notes", code);
    });
    persist();
  }
  function applyServer(answers, notes) {
    // Someone else saved first: take their answers except where this tablet has unsent changes.
    form.querySelectorAll("article.item").forEach(function (box) {
      var code = box.dataset.code;
      confirmed[code] = answers && code in answers ? answers[code] : null;
      confirmedNotes[code] = notes && code in notes ? notes[code] : "";
    });
    Object.keys(answers || {}).forEach(function (code) {
      if (!(code in pending.answers)) setControl(code, answers[code]);
    });
    form.querySelectorAll("article.item").forEach(function (box) {
      var code = box.dataset.code;
      if (!(code in pending.answers) && answers && !(code in answers)) setControl(code, null);
    });
    Object.keys(notes || {}).forEach(function (code) {
      if (!(code in pending.notes)) setNote(code, notes[code]);
    });
    updateProgress();
  }

  // One PUT of everything pending. Resolves to "ok", "again" (send once more now), "fail" or "stop".
  function sendOnce(conflictRetry) {
    var sent = sendable();
    setStatus("saving", "Đang lưu…");
    return fetch(apiBase + "/answers", {
      method: "PUT", credentials: "same-origin", headers: headers(true),
      body: JSON.stringify({ answers: sent.answers, notes: sent.notes, base_version: version })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return handle(response.status, body, sent, conflictRetry);
      });
    }, function () {
      setStatus("offline", "Mất kết nối — sẽ tự gửi lại (" + pendingCount() + " thay đổi đang chờ)");
      return "fail";
    });
  }

  function handle(status, body, sent, conflictRetry) {
    if (status === 200) {
      if (typeof body.version === "number") version = body.version;
      Object.keys(sent.answers).forEach(function (code) { confirmed[code] = sent.answers[code]; });
      Object.keys(sent.notes).forEach(function (code) { confirmedNotes[code] = sent.notes[code]; });
      drop(sent);
      Object.keys(sent.answers).forEach(clearError);
      renderResult(body);
      setStatus("saved", "Đã lưu lúc " + hhmm(new Date()));
      backoff = 0;
      return "ok";
    }
    if (status === 409) {
      if (body.answers && typeof body.version === "number") {
        version = body.version;
        reconcile(body.answers, body.notes || {});
        applyServer(body.answers, body.notes);
        persist();
        showConflicts();
        if (isEmpty()) { setStatus("saved", "Đã lưu lúc " + hhmm(new Date())); return "ok"; }  // it had got through
        if (!hasSendable()) return "held";
        if (!conflictRetry) return "conflict";
        setStatus("error", "Phiếu đang được người khác cập nhật — sẽ thử lại");
        return "fail";
      }
      if (body.status && body.status !== "draft") { lockForm(body.error || "Phiếu đã hoàn tất và bị khóa."); return "stop"; }
      return reloadVersion().then(function () { return conflictRetry ? "fail" : "conflict"; });
    }
    if (status === 422) {
      var errors = body.errors || {}, general = [];
      Object.keys(errors).forEach(function (code) {
        if (showError(code, errors[code])) {
          if (code in pending.answers && sameValue(pending.answers[code], sent.answers[code])) forget("answers", code);
          if (code in pending.notes && pending.notes[code] === sent.notes[code]) forget("notes", code);
          refreshItem(code);
        } else general.push(errors[code]);
      });
      if (general.length || !Object.keys(errors).length) {
        // Nothing to point at: keep the answers, say why, and do not hammer the server.
        setStatus("error", (body.error || "Dữ liệu chưa hợp lệ") + (general.length ? ": " + general.join("; ") : ""));
        return "stop";
      }
      persist();
      updateProgress();
      setStatus("error", "Có câu trả lời chưa hợp lệ — xem thông báo màu đỏ tại tiêu chí");
      return isEmpty() ? "stop" : "again";
    }
    if (status === 401) {
      setStatus("error", "Phiên đăng nhập đã hết hạn — hãy đăng nhập lại; các câu trả lời vẫn được giữ trên máy này");
      return "fail";
    }
    if (status === 400 && /CSRF/i.test(body.error || "")) {
      return store.refreshToken().then(function (ok) { return ok && !conflictRetry ? "conflict" : "fail"; });
    }
    if (status === 403) {
      lockForm(body.error || "Bạn không có quyền sửa phiếu kiểm tra này.");
      return "stop";
    }
    setStatus("error", "Máy chủ chưa lưu được — sẽ tự gửi lại (" + pendingCount() + " thay đổi đang chờ)");
    return "fail";
  }

  function reloadVersion() {
    if (!apiBase) return Promise.resolve(null);
    return fetch(apiBase, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (b) {
        if (b && typeof b.version === "number" && b.version > version) {
          version = b.version;
          applyServer(b.answers, b.notes);
        }
        if (b) renderResult(b);
        return b;
      }).catch(function () { return null; });
  }

  // Send until nothing is pending or a send fails; resolves true when everything is saved.
  function retryLater() {
    backoff = Math.min(backoff ? backoff * 2 : 2000, 60000);
    schedule(backoff);
    return false;
  }
  function flush() {
    clearTimeout(timer);
    timer = null;
    if (running) return running;
    if (locked || refusedCreation) return Promise.resolve(false);
    if (!apiBase) {  // started on this tablet without a network: the server creates it first
      running = created().then(function (ok) { running = null; return ok ? flush() : retryLater(); });
      return running;
    }
    if (!hasSendable()) return sendDetails().then(function () { return isEmpty(); });  // held items wait for a choice
    var conflictRetry = false, rounds = 0;
    function step(outcome) {
      rounds += 1;
      if (outcome === "held") return false;
      if (outcome === "conflict" && !conflictRetry) { conflictRetry = true; return sendOnce(true).then(step); }
      if ((outcome === "ok" || outcome === "again") && hasSendable() && rounds < 20 && !locked) {
        conflictRetry = false;
        return sendOnce(false).then(step);
      }
      if (outcome === "fail" || outcome === "conflict") return retryLater();
      return outcome === "ok" || outcome === "again" ? sendDetails().then(function () { return isEmpty(); }) : isEmpty();
    }
    running = sendOnce(false).then(step).then(function (done) { running = null; return done; },
      function () { running = null; return retryLater(); });
    return running;
  }

  // ---- the minutes' details: queued, then one PATCH; refused fields are shown beside them ---------
  var detailsForm = document.getElementById("details-form");
  var DETAIL_NAMES = ["start_time", "end_time", "copies", "place", "plan_reference", "commune_opinion",
                      "commune_refusal_reason", "team_refusal_reason"];
  function detailsField(name) { return detailsForm ? detailsForm.querySelector('[name="' + name + '"]') : null; }
  function detailsFieldError(name, message) {
    var input = detailsField(name);
    if (!input) return;
    var slot = input.parentElement.querySelector(".field-error");
    if (!slot && message) { slot = el("p", "field-error"); slot.setAttribute("role", "alert"); input.insertAdjacentElement("afterend", slot); }
    if (slot) { slot.textContent = message || ""; slot.hidden = !message; }
    input.classList.toggle("invalid", !!message);
  }
  // One detail as typed (trimmed), checked as the server will: { value } (null for an empty time) or { problem }.
  function checkDetail(name, raw) {
    if (name === "start_time" || name === "end_time") {  // 24-hour HH:MM, however it was typed (8:30, 8h30, 0830)
      var time = raw ? vnFormat.parseTime(raw) : null;
      return raw && !time ? { problem: "Giờ không hợp lệ: cần dạng giờ:phút theo 24 giờ (ví dụ 08:30 hoặc 14:00)." }
                          : { value: time };
    }
    if (name === "copies") {
      var copies = /^\d+$/.test(raw) ? Number(raw) : NaN;
      return copies >= 1 && copies <= 20 ? { value: copies } : { problem: "Số bản phải là số nguyên từ 1 đến 20." };
    }
    return { value: raw };
  }
  // What the details form holds, checked; null (with the errors shown) if something is wrong.
  function readDetails() {
    var values = {}, wrong = null;
    DETAIL_NAMES.forEach(function (name) {
      var input = detailsField(name);
      if (!input) return;
      var checked = checkDetail(name, input.value.trim());
      detailsFieldError(name, checked.problem || "");
      if (checked.problem) { wrong = wrong || input; return; }
      values[name] = checked.value;
      if (checked.value && input.dataset.vnTime) input.value = checked.value;  // shown as it will be printed
    });
    if (values.start_time && values.end_time && values.end_time <= values.start_time && !wrong) {
      detailsFieldError("end_time", "Giờ kết thúc phải sau giờ bắt đầu.");
      wrong = detailsField("end_time");
    }
    if (wrong) { wrong.focus(); return null; }
    return values;
  }
  function sendDetails() {
    var sent = Object.assign({}, pending.details);
    if (!Object.keys(sent).length || !apiBase || locked) return Promise.resolve(true);
    return fetch(apiBase, { method: "PATCH", credentials: "same-origin", headers: headers(true), body: JSON.stringify(sent) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok || response.status === 422) {
            if (typeof body.version === "number") version = body.version;
            var errors = response.ok ? {} : body.errors || {};
            Object.keys(sent).forEach(function (name) {
              if (pending.details[name] === sent[name]) delete pending.details[name];  // refused ones too: shown, not resent
              detailsFieldError(name, errors[name] ? errors[name].charAt(0).toUpperCase() + errors[name].slice(1) + "." : "");
            });
            persist();
            if (response.ok) detailsStatus("Đã lưu thông tin biên bản lúc " + hhmm(new Date()));
            else detailsStatus("Thông tin biên bản chưa hợp lệ — xem các ô được đánh dấu.");
            return response.ok;
          }
          if (response.status === 409 && body.status && body.status !== "draft") { lockForm(body.error); return false; }
          if (response.status === 400 && /CSRF/i.test(body.error || "")) return store.refreshToken().then(retryLater);
          return retryLater();
        });
      }, retryLater);
  }
  function detailsStatus(text) {
    var line = document.getElementById("details-status");
    if (line) line.textContent = text;
  }
  if (detailsForm) {
    detailsForm.addEventListener("submit", function (event) {
      event.preventDefault();
      if (locked) return;
      var values = readDetails();
      if (!values) return;
      Object.keys(values).forEach(function (name) { pending.details[name] = values[name]; });
      detailInputs.forEach(function (input) {  // the finalising confirmation asks for the same facts
        var name = input.dataset.detail;
        if (name in values && values[name] !== null) input.value = values[name];
      });
      persist();
      detailsStatus(navigator.onLine && apiBase ? "Đang lưu thông tin biên bản…"
        : "Đã lưu trên máy — sẽ tự gửi khi có mạng.");
      flush();
    });
  }

  // ---- an inspection started on this tablet: created on the server before anything else is sent ----
  var creating = null;
  function created() {
    if (apiBase) return Promise.resolve(true);
    if (!creating) {
      creating = store.syncCreation(pendingClient).then(function (outcome) {
        creating = null;
        if (outcome.id) { adopt(outcome.id, outcome.version); return true; }
        if (outcome.refused || outcome.missing) {
          refusedCreation = true;
          showRefused(outcome.refused || NO_CREATION);
        } else setStatus("offline", "Chưa có mạng — phiếu và " + pendingCount() + " thay đổi được giữ trên máy, sẽ tự gửi");
        return false;
      });
    }
    return creating;
  }
  function showRefused(message) {
    document.getElementById("pending-refused-text").textContent = message;
    document.getElementById("pending-refused").hidden = false;
    setStatus("error", "Máy chủ chưa tạo được phiếu — các câu trả lời vẫn ở trên máy này");
  }
  function adopt(id, serverVersion) {
    var from = inspectionId;
    inspectionId = String(id);
    apiBase = "/api/v1/inspections/" + id;
    photoBase = "/inspections/" + id + "/photos/";
    version = serverVersion;
    // Whatever was written under the old key before now follows it; the page's own state is written last.
    writing = writing.then(function () { return store.moveInspection(from, inspectionId, version); }).catch(function () {});
    persist();
    leaveWhenSent();
  }
  // Everything of an inspection started offline has reached the server: its own page takes over.
  function leaveWhenSent() {
    flush().then(function (saved) {
      return flushPhotos().then(queueAll).then(function (photos) {
        if (saved && isEmpty() && !photos.length && !locked) location.replace("/inspections/" + inspectionId);
      });
    });
  }

  // ---- conflicts: both versions of each clashing item, the inspector chooses ---------------------
  // For each unsent item: the same value on the server is done; a server value still equal to the
  // base means nobody else touched it (send ours); anything else is a clash, held for a person.
  function reconcile(answers, notes) {
    ["answers", "notes"].forEach(function (kind) {
      var server = kind === "answers" ? answers : notes;
      Object.keys(pending[kind]).forEach(function (code) {
        var theirs = code in server ? server[code] : (kind === "answers" ? null : "");
        if (sameValue(theirs, pending[kind][code])) { forget(kind, code); return; }
        var bases = pending.bases[kind];
        if (code in bases && sameValue(theirs, bases[code])) { delete pending.held[kind][code]; return; }
        pending.held[kind][code] = theirs;
      });
    });
  }
  var conflictBox = document.getElementById("conflicts");
  function answerLabel(code, value) {
    if (value === null || value === undefined) return "(chưa trả lời)";
    var radio = form.querySelector('input[type=radio][name="' + CSS.escape(code) + '"][value="' + CSS.escape(String(value)) + '"]');
    if (radio && radio.nextElementSibling) return radio.nextElementSibling.textContent.trim();
    var box = article(code);
    return shown(box ? box.dataset.type : "", value);
  }
  function conflictSide(cls, title, text, keep, label) {
    var side = el("div", "conflict-side " + cls);
    side.appendChild(el("h4", "", title));
    side.appendChild(el("p", "conflict-value", text));
    var button = el("button", "button" + (keep === "mine" ? " primary" : ""), label);
    button.type = "button";
    button.dataset.keep = keep;
    side.appendChild(button);
    return side;
  }
  function showConflicts() {
    var list = document.getElementById("conflict-list");
    var fragment = document.createDocumentFragment();
    var count = 0;
    ["answers", "notes"].forEach(function (kind) {
      Object.keys(pending.held[kind]).sort().forEach(function (code) {
        count += 1;
        var theirs = pending.held[kind][code], mine = pending[kind][code];
        var row = el("article", "conflict");
        row.dataset.code = code;
        row.dataset.kind = kind;
        var box = article(code), question = box ? box.querySelector("h3").childNodes[1] : null;
        row.appendChild(el("h3", "", code + (kind === "notes" ? " — ghi chú" : "") +
          (question ? ": " + question.textContent.trim() : "")));
        var show = kind === "answers" ? function (v) { return answerLabel(code, v); }
                                      : function (v) { return v ? v : "(không có ghi chú)"; };
        var sides = el("div", "conflict-sides");
        sides.appendChild(conflictSide("mine", "Trên máy này (chưa gửi)", show(mine), "mine", "Giữ bản trên máy này"));
        sides.appendChild(conflictSide("theirs", "Trên máy chủ (người khác đã lưu)", show(theirs), "theirs", "Dùng bản trên máy chủ"));
        row.appendChild(sides);
        fragment.appendChild(row);
      });
    });
    list.replaceChildren(fragment);
    document.getElementById("conflict-count").textContent = count;
    conflictBox.hidden = !count;
    if (count) setStatus("error", count + " tiêu chí bị người khác sửa cùng lúc — hãy chọn bản giữ lại");
  }
  conflictBox.addEventListener("click", function (event) {
    var button = event.target.closest("[data-keep]");
    if (!button || locked) return;
    var row = button.closest(".conflict"), code = row.dataset.code, kind = row.dataset.kind;
    var theirs = pending.held[kind][code];
    if (button.dataset.keep === "mine") {
      pending.bases[kind][code] = theirs;  // the server's value is now known and deliberately replaced
      delete pending.held[kind][code];
    } else {
      forget(kind, code);
      if (kind === "answers") setControl(code, theirs); else setNote(code, theirs);
    }
    persist();
    updateProgress();
    showConflicts();
    schedule(0);
  });

  // ---- listening to the form ---------------------------------------------------------------------
  function onEdit(event) {
    var target = event.target;
    if (locked || !target.name || target.type === "file") return;
    var code;
    if (target.name.indexOf("note-") === 0) {
      code = target.name.slice(5);
      if (target.value.length > 4000) { showError(code, "Ghi chú tối đa 4000 ký tự."); return; }
      if (!(code in pending.notes) && (confirmedNotes[code] || "") === target.value) return;
      track("notes", code);
      pending.notes[code] = target.value;
    } else {
      code = target.name;
      if (!article(code)) return;
      var read = readAnswer(code);
      refreshItem(code);
      if (read.error) {
        if (event.type === "change") showError(code, read.error);
        updateProgress();
        return;
      }
      clearError(code);
      if (!(code in pending.answers) && sameValue(confirmed[code], read.value)) { updateProgress(); return; }
      track("answers", code);
      pending.answers[code] = read.value;
    }
    persist();
    updateProgress();
    if (navigator.onLine) setStatus("saving", "Đang lưu…");
    else setStatus("offline", "Mất kết nối — đã lưu trên máy, sẽ tự gửi lại (" + pendingCount() + " thay đổi đang chờ)");
    schedule(DEBOUNCE);
  }
  form.addEventListener("input", onEdit);
  form.addEventListener("change", onEdit);
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  form.addEventListener("click", function (event) {
    var clear = event.target.closest("[data-clear]");
    if (!clear) return;
    var code = clear.dataset.clear;
    setControl(code, null);
    clearError(code);
    track("answers", code);
    pending.answers[code] = null;
    persist();
    updateProgress();
    schedule(0);
  });

  window.addEventListener("online", function () { backoff = 0; flush(); flushPhotos(); });
  window.addEventListener("offline", function () {
    if (!isEmpty()) setStatus("offline", "Mất kết nối — sẽ tự gửi lại (" + pendingCount() + " thay đổi đang chờ)");
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { flush(); flushPhotos(); }
  });
  window.addEventListener("pagehide", function () {
    // Best effort while the page goes away; what is not confirmed stays in IndexedDB anyway.
    if (isEmpty() || locked || running || !navigator.onLine || !apiBase) return;
    try {
      fetch(apiBase + "/answers", { method: "PUT", keepalive: true, credentials: "same-origin", headers: headers(true),
        body: JSON.stringify({ answers: pending.answers, notes: pending.notes, base_version: version }) });
    } catch (e) { /* the page is going anyway */ }
  });

  // ---- photos: downscaled on the tablet, queued in IndexedDB until the upload is confirmed -----
  function queuePut(entry) { return store.putPhoto(entry); }
  function queueDelete(key) { return store.deletePhoto(key); }
  function queueAll() { return store.photos(inspectionId); }

  function downscale(file) {
    var LONGEST = 1600;
    if (!window.createImageBitmap || !file.type || file.type.indexOf("image/") !== 0) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && file.size < 1500000) { bitmap.close && bitmap.close(); return file; }
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close && bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  // The original's EXIF segment ("Exif\0\0" + TIFF data, ≤64 KB), sent beside a downscaled copy: the
  // canvas drops it, and the server reads the time taken (and, for a team that opted in, the place) from it.
  function exifOf(file) {
    if (!file.slice || !/jpe?g$/i.test(file.type || "")) return Promise.resolve(null);
    return file.slice(0, 131072).arrayBuffer().then(function (buffer) {
      var bytes = new DataView(buffer), at = 2;
      if (bytes.byteLength < 4 || bytes.getUint16(0) !== 0xFFD8) return null;
      while (at + 4 <= bytes.byteLength && bytes.getUint8(at) === 0xFF) {
        var marker = bytes.getUint8(at + 1), length = bytes.getUint16(at + 2);
        if (marker === 0xDA) return null;  // image data: no EXIF before it
        if (marker === 0xE1 && at + 4 + 6 <= bytes.byteLength && bytes.getUint32(at + 4) === 0x45786966) {
          var end = Math.min(at + 2 + length, bytes.byteLength);
          return new Blob([buffer.slice(at + 4, end)], { type: "application/octet-stream" });
        }
        at += 2 + length;
      }
      return null;
    }).catch(function () { return null; });
  }

  function thumbSlot(code) { return form.querySelector('.photos[data-item="' + CSS.escape(code) + '"] .thumbs'); }
  function pendingThumb(entry) {
    var existing = form.querySelector('[data-queue="' + entry.key + '"]');
    if (existing) return existing;
    var box = el("span", "pending");
    box.dataset.queue = entry.key;
    box.title = "Ảnh đang chờ gửi";
    var img = el("img");
    img.alt = "Ảnh chờ gửi " + entry.item;
    img.src = URL.createObjectURL(entry.blob);
    box.appendChild(img);
    var slot = thumbSlot(entry.item);
    if (slot) slot.appendChild(box);
    return box;
  }
  // "Chụp lúc 15/09/2020 08:45" in Hà Nội time, whatever the tablet's own zone and language.
  function takenLabel(photo) {
    if (!photo.taken_at) return "";
    var parts = {};
    new Intl.DateTimeFormat("en-GB", { timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(new Date(photo.taken_at))
      .forEach(function (p) { parts[p.type] = p.value; });
    return (photo.taken_at_source === "exif" ? "Chụp lúc " : "Tải lên lúc ") +
      parts.day + "/" + parts.month + "/" + parts.year + " " + parts.hour + ":" + parts.minute;
  }
  function photoCard(item, photo) {
    var card = el("figure", "photo-card");
    card.dataset.photoId = photo.id;
    card.dataset.item = item;
    card.dataset.taken = takenLabel(photo);
    var link = el("a");
    link.href = photoBase + photo.id;
    link.target = "_blank";
    link.rel = "noopener";
    var img = el("img");
    img.alt = "Ảnh minh chứng " + item;
    img.width = 64; img.height = 64;
    img.src = photoBase + photo.id + "?size=thumb";
    link.appendChild(img);
    var caption = el("figcaption");
    caption.appendChild(el("span", "photo-caption", photo.caption || ""));
    if (card.dataset.taken) caption.appendChild(el("span", "photo-taken", card.dataset.taken));
    var edit = el("button", "photo-edit", "Chú thích, xóa");
    edit.type = "button";
    edit.dataset.photoEdit = photo.id;
    edit.setAttribute("aria-label", "Chú thích hoặc xóa ảnh " + item);
    card.appendChild(link);
    card.appendChild(caption);
    card.appendChild(edit);
    return card;
  }
  function confirmedThumb(entry, photo) {
    var card = photoCard(entry.item, photo);
    var box = form.querySelector('[data-queue="' + entry.key + '"]');
    if (form.querySelector('.photo-card[data-photo-id="' + photo.id + '"]')) {  // a replay: the page shows it already
      if (box) box.remove();
      return;
    }
    if (box) {
      var old = box.querySelector("img");
      if (old && old.src.indexOf("blob:") === 0) URL.revokeObjectURL(old.src);
      box.replaceWith(card);
    } else {
      var slot = thumbSlot(entry.item);
      if (slot) slot.appendChild(card);
    }
  }

  var uploading = false, photoBackoff = 0, photoTimer = null;
  function flushPhotos() {
    if (uploading || locked || refusedCreation) return Promise.resolve();
    if (!apiBase) {  // shown while they wait for the inspection to exist on the server
      return queueAll().then(function (entries) { entries.forEach(pendingThumb); })
        .then(flush).then(function () { return apiBase ? flushPhotos() : undefined; });
    }
    uploading = true;
    return queueAll().then(function (entries) {
      var chain = Promise.resolve(true);
      entries.forEach(function (entry) {
        pendingThumb(entry);
        chain = chain.then(function (ok) { return ok ? uploadPhoto(entry) : false; });
      });
      return chain;
    }).then(function (ok) {
      uploading = false;
      if (ok === false && !locked) {
        photoBackoff = Math.min(photoBackoff ? photoBackoff * 2 : 3000, 60000);
        clearTimeout(photoTimer);
        photoTimer = setTimeout(flushPhotos, photoBackoff);
      } else photoBackoff = 0;
    }, function () { uploading = false; });
  }
  function uploadPhoto(entry) {
    var data = new FormData();
    data.append("item", entry.item);
    data.append("client_key", entry.key);  // a replay after a lost answer is the same photo, not a second one
    data.append("file", entry.blob, entry.name || "anh.jpg");
    if (entry.exif) data.append("exif", entry.exif, "exif.bin");
    return fetch(apiBase + "/photos", { method: "POST", credentials: "same-origin", headers: headers(false), body: data })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.status === 201 || response.status === 200) {
            confirmedThumb(entry, body);
            return queueDelete(entry.key).then(function () { return reloadVersion(); }).then(function () { return true; });
          }
          if (response.status === 400 && /CSRF/i.test(body.error || "")) return store.refreshToken().then(function () { return false; });
          if (response.status === 409 && body.status && body.status !== "draft") { lockForm(body.error); return false; }
          if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 408 && response.status !== 429) {
            // The server refused this file (not an image, too large…): say so and drop it.
            var message = (body.errors && (body.errors.file || body.errors.item)) || body.error || "Không tải được ảnh.";
            showError(entry.item, message);
            var box = form.querySelector('[data-queue="' + entry.key + '"]');
            if (box) box.remove();
            return queueDelete(entry.key).then(function () { return true; });
          }
          return false;
        });
      }, function () {
        var box = form.querySelector('[data-queue="' + entry.key + '"]');
        if (box) box.title = "Mất kết nối — ảnh sẽ tự gửi lại";
        return false;
      });
  }
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (input.type !== "file" || !input.dataset.photo || locked) return;
    var code = input.dataset.photo;
    var files = Array.prototype.slice.call(input.files || []);
    input.value = "";
    clearError(code);
    Promise.all(files.map(function (file, index) {
      return Promise.all([downscale(file), exifOf(file)]).then(function (read) {
        var blob = read[0];
        var entry = { key: inspectionId + "-" + Date.now() + "-" + index + "-" + Math.random().toString(36).slice(2, 8),
                      inspection: inspectionId, item: code, blob: blob, name: file.name || "anh.jpg",
                      exif: blob !== file ? read[1] : null };
        pendingThumb(entry);
        return queuePut(entry);
      });
    })).then(flushPhotos);
  });

  // ---- a photo's caption, or deleting a wrongly taken one (online only; the server refuses once finalised) ----
  var dialog = document.getElementById("photo-dialog");
  var captionInput = document.getElementById("photo-caption-input");
  var dialogError = document.getElementById("photo-dialog-error");
  var deleteConfirm = document.getElementById("photo-delete-confirm");
  var dialogActions = document.getElementById("photo-dialog-actions");
  var editing = null;  // the figure being edited
  function dialogMessage(text) { dialogError.textContent = text || ""; dialogError.hidden = !text; }
  function closeDialog() { deleteConfirm.hidden = true; dialogActions.hidden = false; editing = null; if (dialog.open) dialog.close(); }
  form.addEventListener("click", function (event) {
    var button = event.target.closest("[data-photo-edit]");
    if (!button || locked) return;
    editing = button.closest(".photo-card");
    document.getElementById("photo-dialog-item").textContent = editing.dataset.item;
    var img = document.getElementById("photo-dialog-img");
    img.src = photoBase + editing.dataset.photoId;
    img.alt = "Ảnh minh chứng " + editing.dataset.item;
    document.getElementById("photo-dialog-taken").textContent = editing.dataset.taken || "";
    captionInput.value = editing.querySelector(".photo-caption").textContent;
    dialogMessage("");
    deleteConfirm.hidden = true;
    dialogActions.hidden = false;
    dialog.showModal();
    captionInput.focus();
  });
  function photoRequest(method, body) {
    var id = editing.dataset.photoId;
    return fetch(apiBase + "/photos/" + id, { method: method, credentials: "same-origin", headers: headers(!!body),
                                               body: body ? JSON.stringify(body) : undefined })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (b) { return { status: response.status, body: b }; });
      }, function () { return { status: 0, body: {} }; })
      .then(function (result) {
        if (result.status === 400 && /CSRF/i.test(result.body.error || "")) {
          return store.refreshToken().then(function (ok) { return ok ? photoRequest(method, body) : result; });
        }
        return result;
      });
  }
  function photoRefused(result) {
    if (result.status === 0) { dialogMessage("Mất kết nối — chưa lưu được; hãy thử lại khi có mạng."); return; }
    if (result.status === 409 && result.body.status && result.body.status !== "draft") {
      closeDialog(); lockForm(result.body.error); return;
    }
    var errors = result.body.errors || {};
    dialogMessage(errors.caption || result.body.error || "Chưa lưu được, vui lòng thử lại.");
  }
  captionInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); document.getElementById("photo-caption-save").click(); }
  });
  document.getElementById("photo-caption-save").addEventListener("click", function () {
    if (!editing) return;
    var card = editing;
    photoRequest("PATCH", { caption: captionInput.value }).then(function (result) {
      if (result.status !== 200) { photoRefused(result); return; }
      card.querySelector(".photo-caption").textContent = result.body.caption;
      if (typeof result.body.version === "number") version = result.body.version;
      setStatus("saved", "Đã lưu chú thích ảnh lúc " + hhmm(new Date()));
      closeDialog();
    });
  });
  document.getElementById("photo-delete").addEventListener("click", function () {
    dialogActions.hidden = true;
    deleteConfirm.hidden = false;
    document.getElementById("photo-delete-cancel").focus();
  });
  document.getElementById("photo-delete-cancel").addEventListener("click", function () {
    deleteConfirm.hidden = true;
    dialogActions.hidden = false;
  });
  document.getElementById("photo-delete-go").addEventListener("click", function () {
    if (!editing) return;
    var card = editing;
    photoRequest("DELETE").then(function (result) {
      if (result.status !== 200 && result.status !== 404) { photoRefused(result); return; }
      card.remove();  // 404: someone else deleted it already
      if (result.status === 200) {
        version = result.body.version;
        renderResult(result.body);
      }
      setStatus("saved", "Đã xóa ảnh lúc " + hhmm(new Date()));
      closeDialog();
    });
  });
  document.getElementById("photo-dialog-close").addEventListener("click", closeDialog);
  dialog.addEventListener("cancel", function () { editing = null; deleteConfirm.hidden = true; dialogActions.hidden = false; });

  // ---- finalising ----------------------------------------------------------------------------------
  var finalizeButton = document.getElementById("finalize");
  var confirmBox = document.getElementById("finalize-confirm");
  var missingBox = document.getElementById("finalize-missing");
  finalizeButton.addEventListener("click", function () {
    missingBox.hidden = true;
    // What is still unanswered is listed before anything is confirmed (the server checks again).
    var unanswered = Array.prototype.map.call(
      form.querySelectorAll('article.item[data-required="1"]:not(.answered)'), function (box) { return box.dataset.code; });
    if (unanswered.length) {
      confirmBox.hidden = true;
      showMissing("Chưa thể hoàn tất: còn " + unanswered.length + " tiêu chí bắt buộc chưa trả lời.", unanswered);
      return;
    }
    confirmBox.hidden = false;
    var empty = detailInputs.filter(function (input) { return !input.value.trim(); })[0];
    (empty || document.getElementById("finalize-go")).focus();
    flush();
  });
  document.getElementById("finalize-cancel").addEventListener("click", function () { confirmBox.hidden = true; });
  document.getElementById("finalize-go").addEventListener("click", function () {
    var go = this;
    go.disabled = true;
    finalizeButton.disabled = true;
    // Finalising needs everything on the server first: the answers, the notes and every photo.
    flush().then(function (saved) {
      return flushPhotos().then(queueAll).then(function (photos) { return saved && isEmpty() && !photos.length; });
    }).then(function (synced) {
      if (!synced) {
        showMissing("Chưa gửi được hết câu trả lời và ảnh lên máy chủ — kiểm tra kết nối rồi bấm “Hoàn tất phiếu” lại.", []);
        return;
      }
      return saveDetails().then(function (detailsSaved) {
        if (!detailsSaved) return;
        return fetch(apiBase + "/finalize", { method: "POST", credentials: "same-origin", headers: headers(true), body: "{}" })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            if (response.ok) {
              renderResult(body);
              lockForm(null, true);
              setPanel(true);
              return;
            }
            if (response.status === 422) {
              showMissing(body.error || "Chưa thể hoàn tất: còn tiêu chí bắt buộc chưa trả lời.", body.missing || Object.keys(body.errors || {}));
              return;
            }
            if (response.status === 409) { lockForm(body.error || "Phiếu đã hoàn tất và bị khóa."); return; }
            showMissing(body.error || "Chưa hoàn tất được phiếu, vui lòng thử lại.", []);
          });
        }, function () { showMissing("Mất kết nối — chưa hoàn tất được phiếu; hãy thử lại khi có mạng.", []); })
        .then(function () { confirmBox.hidden = true; });
      });
    }).then(function () {
      go.disabled = false;
      if (!locked) finalizeButton.disabled = false;
    });
  });

  // The minutes' times, place and copies are asked for in the confirmation itself: the minutes are
  // a legal record and never invent them. Saved with PATCH before finalising; errors stay beside
  // the fields and the confirmation stays open.
  var detailInputs = Array.prototype.slice.call(confirmBox.querySelectorAll("[data-detail]"));
  function detailError(name, message) {
    var input = document.getElementById("confirm-" + name);
    var note = document.getElementById("confirm-" + name + "-error");
    if (!input || !note) return;
    note.textContent = message || "";
    note.hidden = !message;
    input.classList.toggle("invalid", !!message);
    if (message) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
  }
  function saveDetails() {
    var payload = {};
    var firstWrong = null;
    detailInputs.forEach(function (input) {
      var name = input.dataset.detail;
      var raw = input.value.trim();
      var checked = raw ? checkDetail(name, raw) : { problem: "Bắt buộc nhập trước khi hoàn tất." };
      detailError(name, checked.problem || "");
      if (checked.problem) {
        firstWrong = firstWrong || input;
        return;
      }
      if (input.dataset.vnTime) input.value = checked.value;
      payload[name] = checked.value;
    });
    if (firstWrong) { firstWrong.focus(); return Promise.resolve(false); }
    return fetch(apiBase, { method: "PATCH", credentials: "same-origin", headers: headers(true), body: JSON.stringify(payload) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) {
            if (typeof body.version === "number") version = body.version;
            var read = document.querySelectorAll(".details-form [name]");
            Array.prototype.forEach.call(read, function (input) {
              if (Object.prototype.hasOwnProperty.call(payload, input.name)) input.value = payload[input.name];
            });
            return true;
          }
          var errors = body.errors || {};
          Object.keys(errors).forEach(function (name) { detailError(name, errors[name]); });
          if (!Object.keys(errors).length) showMissing(body.error || "Chưa lưu được thông tin biên bản.", []);
          return false;
        });
      }, function () {
        showMissing("Mất kết nối — chưa lưu được thông tin biên bản; hãy thử lại khi có mạng.", []);
        return false;
      });
  }

  function showMissing(message, codes) {
    document.getElementById("finalize-message").textContent = message;
    var list = document.getElementById("missing-links");
    var fragment = document.createDocumentFragment();
    codes.forEach(function (code) {
      var box = article(code);
      var li = el("li");
      var link = el("a", "", code);
      link.href = "#item-" + code;
      if (box) {
        var question = box.querySelector("h3").childNodes[1];
        link.title = question ? question.textContent.trim() : code;
        box.classList.add("missing");
        showError(code, "Chưa trả lời — tiêu chí bắt buộc.");
      }
      li.appendChild(link);
      fragment.appendChild(li);
    });
    list.replaceChildren(fragment);
    missingBox.hidden = false;
    missingBox.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function lockForm(message, finalised) {
    locked = true;
    clearTimeout(timer);
    clearTimeout(photoTimer);
    form.dataset.editable = "0";
    document.body.classList.add("is-locked");
    form.querySelectorAll("input, textarea, select, button").forEach(function (control) { control.disabled = true; });
    form.querySelectorAll(".photo-btn, .photo-edit, [data-clear]").forEach(function (node) { node.hidden = true; });
    form.querySelectorAll(".note-toggle").forEach(function (node) {
      var box = document.getElementById(node.getAttribute("aria-controls"));
      node.hidden = true;
      if (box && !box.querySelector("textarea").value) box.hidden = true;
    });
    var draftLink = document.getElementById("minutes-draft-link");
    if (finalised) {
      document.getElementById("scores-title").textContent = "Điểm chính thức";
      if (draftLink) { draftLink.textContent = "In biên bản (PDF)"; draftLink.id = "minutes-link"; }  // same URL, now frozen
    }
    [finalizeButton, confirmBox, missingBox].forEach(function (node) { if (node) node.hidden = true; });
    var banner = document.getElementById("locked-banner");
    banner.replaceChildren();
    banner.appendChild(el("strong", "", "Phiếu đã hoàn tất"));
    banner.appendChild(document.createTextNode(finalised
      ? " — các câu trả lời đã bị khóa; phát hiện, hạn khắc phục và điểm trong bảng kết quả là kết quả chính thức."
      : " — " + (message || "các câu trả lời đã bị khóa.")));
    banner.hidden = false;
    var label = document.getElementById("status-label");
    if (label) { label.textContent = "Đã hoàn tất"; label.className = "status finalised"; }
    var lost = pendingCount();
    setStatus(lost ? "error" : "saved", lost ? lost + " thay đổi chưa lưu được vì phiếu đã bị khóa" : "Đã lưu toàn bộ");
    pending = emptyPending();
    persist();
    banner.scrollIntoView({ block: "start", behavior: "smooth" });
  }

  // ---- start: show and re-send whatever a previous visit left unsent ----------------------------
  form.querySelectorAll("article.item").forEach(function (box) {
    var code = box.dataset.code, read = readAnswer(code);
    var note = form.querySelector('[name="note-' + CSS.escape(code) + '"]');
    confirmed[code] = read.error ? undefined : read.value;
    confirmedNotes[code] = note ? note.value : "";
  });
  // An inspection started offline: its head from the queued creation, and only the items in force on its date.
  function showCreation(creation) {
    if (!creation) return;
    var labels = creation.labels || {};
    document.querySelectorAll("[data-pending]").forEach(function (node) {
      var key = node.dataset.pending;
      if (key === "head") node.textContent = labels.head ? "Trưởng đoàn: " + labels.head : "";
      else if (key in labels) node.textContent = labels[key];
    });
    document.title = labels.title || document.title;
    var day = creation.payload.inspection_date;
    form.querySelectorAll("article.item[data-from], article.item[data-to]").forEach(function (box) {
      if ((box.dataset.from && day < box.dataset.from) || (box.dataset.to && day > box.dataset.to)) box.remove();
    });
    updateProgress();
    if (creation.status === "created") location.replace("/inspections/" + creation.id);
  }
  var starting = pendingClient ? store.creation(pendingClient).then(function (creation) {
    if (!creation) { refusedCreation = true; showRefused(NO_CREATION); }
    showCreation(creation);
  }) : Promise.resolve();
  starting.then(function () { return store.changes(inspectionId); }).then(function (saved) {
    if (!saved) return;
    // Changes typed since this page was loaded from the server (or from the worker's cache) win over it.
    ["answers", "notes"].forEach(function (kind) {
      Object.keys(saved[kind] || {}).forEach(function (code) {
        pending[kind][code] = saved[kind][code];
        var bases = (saved.bases || {})[kind] || {};
        if (code in bases) pending.bases[kind][code] = bases[code];
        if (code in ((saved.held || {})[kind] || {})) pending.held[kind][code] = saved.held[kind][code];
      });
    });
    Object.keys(saved.details || {}).forEach(function (name) {
      pending.details[name] = saved.details[name];
      var input = detailsField(name);
      if (input) input.value = saved.details[name] === null ? "" : saved.details[name];
    });
    // Sent against the version they were made on, so that the server says if anything changed since.
    if (typeof saved.base_version === "number" && !isEmpty()) version = saved.base_version;
  }).then(function () {
    if (!isEmpty()) {
      Object.keys(pending.answers).forEach(function (code) { setControl(code, pending.answers[code]); });
      Object.keys(pending.notes).forEach(function (code) { setNote(code, pending.notes[code]); });
      updateProgress();
      setStatus("saving", "Đang gửi lại " + pendingCount() + " thay đổi chưa lưu…");
      showConflicts();
      flush();
    }
    flushPhotos();
  });
}());
