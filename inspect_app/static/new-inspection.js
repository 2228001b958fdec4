/* The new-inspection form: communes filtered by district and reloaded for the chosen date,
 * extra rows for team members and representatives, no double submit. The form works without it. */
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

  // One submit only; the hidden client_id makes a second one harmless anyway.
  form.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    if (submitter && submitter.name === "refresh") return;
    var button = document.getElementById("create-submit");
    if (button.dataset.sent) { event.preventDefault(); return; }
    button.dataset.sent = "1";
    button.textContent = "Đang tạo phiếu…";
    setTimeout(function () { button.disabled = true; }, 0);
  });
}());
