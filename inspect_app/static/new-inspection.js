/* The forms that start an inspection. The new-inspection form: communes filtered by district and
 * reloaded for the chosen date, extra rows for team members and representatives. Both it and the
 * re-inspection form are sent once, and start an inspection without a network (below). The forms
 * work without this script. */
(function () {
  "use strict";
  var form = document.getElementById("new-inspection");
  if (!form) return;
  document.documentElement.classList.add("js");

  var dateInput = document.getElementById("inspection_date");
  var district = document.getElementById("district");
  var commune = document.getElementById("commune");
  var NO_DISTRICT = "Trực thuộc thành phố";

  // Every commune the server listed for the date, read once from the options.
  var communes = [];
  commune.querySelectorAll("option[value]").forEach(function (option) {
    if (!option.value) return;
    var group = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : NO_DISTRICT;
    communes.push({ code: option.value, label: option.textContent, district: option.dataset.district || "", group: group });
  });

  function option(value, text) {
    var node = document.createElement("option");
    node.value = value;
    node.textContent = text;
    return node;
  }

  function renderCommunes() {
    var chosen = commune.value;
    var wanted = district.value;
    var groups = {};
    var order = [];
    communes.forEach(function (c) {
      if (wanted && c.district !== wanted) return;
      if (!groups[c.group]) { groups[c.group] = []; order.push(c.group); }
      groups[c.group].push(c);
    });
    var fragment = document.createDocumentFragment();
    fragment.appendChild(option("", order.length ? "— Chọn xã, phường —" : "— Không có xã nào —"));
    order.forEach(function (label) {
      var group = document.createElement("optgroup");
      group.label = label;
      groups[label].forEach(function (c) {
        var node = option(c.code, c.label);
        node.dataset.district = c.district;
        if (c.code === chosen) node.selected = true;
        group.appendChild(node);
      });
      fragment.appendChild(group);
    });
    commune.replaceChildren(fragment);
  }

  function reloadUnits() {
    var iso = window.vnFormat.parseDate(dateInput.value);  // typed dd/mm/yyyy; the server checks it again
    if (!iso) return;
    fetch(form.dataset.unitsUrl + "?date=" + encodeURIComponent(iso), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) return;
      var keep = district.value;
      var fragment = document.createDocumentFragment();
      fragment.appendChild(option("", "— Tất cả địa bàn —"));
      data.districts.forEach(function (d) {
        var node = option(d.code, d.name);
        if (d.code === keep) node.selected = true;
        fragment.appendChild(node);
      });
      district.replaceChildren(fragment);
      communes = data.communes.map(function (c) {
        return { code: c.code, label: c.name + " (" + c.code + ")", district: c.district, group: c.district_name };
      });
      renderCommunes();
    }).catch(function () { /* offline: keep the lists the page came with */ });
  }

  district.addEventListener("change", renderCommunes);
  commune.addEventListener("change", function () {
    var picked = commune.options[commune.selectedIndex];
    if (picked && picked.dataset.district && !district.value) district.value = picked.dataset.district;
  });
  dateInput.addEventListener("change", reloadUnits);
  if (district.value) renderCommunes();

  // Extra rows: copy the last one with the next index (team-3-name, …) and empty values.
  form.querySelectorAll("[data-add]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var box = document.getElementById(button.dataset.add);
      var rows = box.querySelectorAll(".person");
      var last = rows[rows.length - 1];
      var index = rows.length;
      var copy = last.cloneNode(true);
      copy.dataset.index = index;
      copy.querySelectorAll(".field-error").forEach(function (e) { e.remove(); });
      copy.querySelectorAll("input, select").forEach(function (input) {
        input.name = input.name.replace(/-\d+-/, "-" + index + "-");
        if (input.tagName === "SELECT") input.value = "thanh_vien";
        else input.value = "";
      });
      box.insertBefore(copy, button);
      var first = copy.querySelector("input");
      if (first) first.focus();
    });
  });
}());

/* Sending a start form once, and starting an inspection without a network: then the form becomes the
 * JSON API's document, queued on the tablet under its client id (window.offlineStore), and the
 * inspector goes on to the checklist page cached for the version in force on the date typed. The
 * server checks everything again when the tablet syncs; the client id makes a second send return the
 * same inspection. With a network the form is posted from here, so that a network that drops the
 * post (weak signal: the browser still says online) queues the inspection the same way. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-offline-versions]");
  var store = window.offlineStore;
  if (!form || !store) return;
  var vnFormat = window.vnFormat;
  var clientInput = form.querySelector('[name="client_id"]');
  var versions = JSON.parse(form.dataset.offlineVersions || "[]");
  var problemsBox = document.getElementById("offline-problems");
  var sent = false;

  function newClientId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }
  // A page opened from the worker's cache carries the client id it was first served with: once that id
  // has a queued creation, this visit needs its own, or two inspections started offline would become one.
  store.creation(clientInput.value).then(function (used) { if (used) clientInput.value = newClientId(); });

  function value(name) {
    var field = form.querySelector('[name="' + name + '"]');
    return field ? field.value.trim() : "";
  }
  function rows(prefix, withRole) {
    var found = [];
    form.querySelectorAll('[name^="' + prefix + '-"][name$="-name"]').forEach(function (input) {
      var base = input.name.slice(0, -"name".length);
      var person = { name: input.value.trim(), position: value(base + "position") };
      if (withRole) person.role = value(base + "role") || "thanh_vien";
      if (person.name || person.position) found.push(person);
    });
    return found;
  }
  function versionFor(checklist, iso) {
    return versions.filter(function (v) {
      return v.id === checklist && v.from <= iso && (!v.to || iso <= v.to);
    }).sort(function (a, b) { return b.version - a.version; })[0];
  }

  // The document create_inspection takes, the labels the checklist page shows, or what is wrong.
  function read() {
    var problems = [];
    var previous = form.dataset.previous ? Number(form.dataset.previous) : null;
    var iso = vnFormat.parseDate(value("inspection_date"));
    if (!iso) problems.push("Ngày kiểm tra: cần một ngày có thật, dạng ngày/tháng/năm (ví dụ 15/09/2026).");
    else if (previous && iso <= form.dataset.previousDate) {
      problems.push("Ngày tái kiểm tra phải sau ngày " + vnFormat.formatDate(form.dataset.previousDate) + ".");
    }
    var villages = value("villages");
    if (!/^\d+$/.test(villages) || Number(villages) < 1 || Number(villages) > 500) {
      problems.push("Số thôn, tổ dân phố: cần số nguyên từ 1 đến 500.");
    }
    var team = rows("team", true), reps = rows("commune_reps", false);
    [["Đoàn kiểm tra", team], ["Đại diện UBND xã", reps]].forEach(function (group) {
      group[1].forEach(function (person, index) {  // as the server will check it: both, within their limits
        if (!person.name || person.name.length > 120 || !person.position || person.position.length > 200) {
          problems.push(group[0] + ", người thứ " + (index + 1) + ": cần cả họ tên (tối đa 120 ký tự) và chức vụ " +
                        "(tối đa 200 ký tự).");
        }
      });
    });
    var heads = team.filter(function (p) { return p.role === "truong_doan"; });
    if (heads.length !== 1) problems.push("Đoàn kiểm tra cần đúng một trưởng đoàn (họ tên, chức vụ).");
    var checklist = previous ? versions.length && versions[0].id : value("checklist");
    var commune = form.dataset.communeCode || value("commune");
    var communeName = form.dataset.communeName, districtName = form.dataset.districtName;
    if (!previous) {
      var select = form.querySelector('[name="commune"]');
      var option = select && select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null;
      if (!commune || !option) problems.push("Chọn xã, phường.");
      else {
        communeName = option.textContent.replace(/\s*\(\d+\)$/, "");
        districtName = option.parentElement.tagName === "OPTGROUP" ? option.parentElement.label : "Trực thuộc thành phố";
      }
    }
    var version = iso ? versionFor(checklist, iso) : null;
    if (iso && !version) problems.push("Không có biểu tiêu chí có hiệu lực vào ngày " + vnFormat.formatDate(iso) + ".");
    if (problems.length) return { problems: problems };
    var payload = { client_id: clientInput.value, inspection_date: iso, villages: Number(villages),
                    plan_reference: value("plan_reference"), team: team, commune_reps: reps };
    if (previous) payload.reinspection_of = previous;
    else { payload.checklist = checklist; payload.commune_code = commune; }
    return { creation: {
      client_id: clientInput.value, payload: payload, page: version.page,
      labels: { commune: communeName, district: districtName, date: vnFormat.formatDate(iso), villages: Number(villages),
                head: heads[0].name, reinspection: !!previous,
                title: (previous ? "Tái kiểm tra " : "") + communeName + " — ngày " + vnFormat.formatDate(iso) },
    } };
  }

  function showProblems(problems) {
    var list = document.getElementById("offline-problems-list");
    list.replaceChildren.apply(list, problems.map(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
    problemsBox.hidden = false;
    problemsBox.scrollIntoView({ block: "center" });
  }

  var button = form.querySelector('button[type="submit"]:not([name="refresh"])');
  var label = button.textContent;
  function busy(on) {
    sent = on;
    button.textContent = on ? "Đang tạo phiếu…" : label;
    button.disabled = on;
  }
  function queue() {
    var result = read();
    if (result.problems) { busy(false); showProblems(result.problems); return; }
    store.saveCreation(result.creation).then(function () {
      location.assign(result.creation.page + "#" + result.creation.client_id);
    }, function () {
      busy(false);
      showProblems(["Không ghi được phiếu vào bộ nhớ máy; hãy thử lại, hoặc chờ có mạng."]);
    });
  }
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.name === "refresh") return;  // the browser reloads the lists
    event.preventDefault();
    if (sent) return;
    busy(true);
    if (!navigator.onLine) { queue(); return; }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" }).then(function (response) {
      if (response.redirected) location.assign(response.url);  // created (or the login page)
      else form.submit();  // refused, nothing created: the browser posts it again and shows the server's messages
    }, queue);
  });
}());
