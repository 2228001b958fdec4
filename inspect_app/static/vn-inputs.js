/* Dates, times, numbers, file pickers and required fields that read the same in Vietnamese whatever
 * the browser's language: the pages use text fields (dd/mm/yyyy, 24-hour HH:MM, a decimal comma),
 * a label-button over a hidden file input, and their own messages beside the field instead of the
 * browser's validation bubbles. The server reads and checks the same formats (domain/vn_format.py),
 * so every form still works without this script. window.vnFormat is shared with the page scripts. */
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  // dd/mm/yyyy, d/m/yyyy, dd.mm.yyyy, ddmmyyyy or ISO yyyy-mm-dd → "yyyy-mm-dd"; null when unreadable.
  function parseDate(text) {
    var value = String(text || "").trim();
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value), day, month, year;
    if (m) { year = +m[1]; month = +m[2]; day = +m[3]; }
    else {
      m = /^(\d{1,2})([\/.])(\d{1,2})\2(\d{4})$/.exec(value);
      if (m) m = [m[0], m[1], m[3], m[4]];
      else m = /^(\d{2})(\d{2})(\d{4})$/.exec(value);
      if (!m) return null;
      day = +m[1]; month = +m[2]; year = +m[3];
    }
    var date = new Date(Date.UTC(year, month - 1, day));
    if (year < 1 || date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
    return String(year).padStart(4, "0") + "-" + pad(month) + "-" + pad(day);
  }
  function formatDate(iso) { return iso ? iso.slice(8, 10) + "/" + iso.slice(5, 7) + "/" + iso.slice(0, 4) : ""; }

  // 08:30, 8:30, 8h30, 08.30, 0830, 8 → "08:30"; null when unreadable.
  function parseTime(text) {
    var value = String(text || "").trim().toLowerCase();
    var m = /^\d{3,4}$/.test(value) ? /^(\d{1,2})(\d{2})$/.exec(value) : /^(\d{1,2})\s*(?:[:.hg]\s*(\d{2})?)?$/.exec(value);
    if (!m) return null;
    var hour = +m[1], minute = +(m[2] || 0);
    if (hour > 23 || minute > 59) return null;
    return pad(hour) + ":" + pad(minute);
  }

  // 92,45 or 92.45 → 92.45 (a number); null when unreadable. No thousands separators: they would be ambiguous.
  function parseDecimal(text) {
    var value = String(text || "").trim().replace(/\s/g, "");
    if (!/^[+-]?\d+(?:[.,]\d+)?$/.test(value)) return null;
    return Number(value.replace(",", "."));
  }
  function formatDecimal(number) { return number === null || number === undefined ? "" : String(number).replace(".", ","); }

  window.vnFormat = { parseDate: parseDate, formatDate: formatDate, parseTime: parseTime,
                      parseDecimal: parseDecimal, formatDecimal: formatDecimal };

  // Typed dates, times and decimals are shown back in the one format on leaving the field.
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches) return;
    if (input.matches("[data-vn-date]")) {
      var iso = parseDate(input.value);
      if (iso) input.value = formatDate(iso);
    } else if (input.matches("[data-vn-time]")) {
      var time = parseTime(input.value);
      if (time) input.value = time;
    } else if (input.matches("[data-vn-decimal]")) {
      var number = parseDecimal(input.value);
      if (number !== null) input.value = formatDecimal(number);
    } else if (input.matches("input[type=file][data-file-name]")) {
      var out = document.getElementById(input.dataset.fileName);
      var names = Array.prototype.map.call(input.files || [], function (file) { return file.name; });
      if (out) out.textContent = names.length ? names.join(", ") : "Chưa chọn tệp";
    }
  }, true);

  // Required fields: a Vietnamese message beside the field, never the browser's bubble.
  function errorSlot(input) {
    var id = (input.id || input.name) + "-required-error";
    var slot = document.getElementById(id);
    if (!slot) {
      slot = document.createElement("p");
      slot.className = "field-error";
      slot.id = id;
      slot.setAttribute("role", "alert");
      (input.closest("label") || input).insertAdjacentElement("afterend", slot);
    }
    return slot;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target, first = null;
    form.querySelectorAll("[data-required]").forEach(function (input) {
      var empty = !input.value.trim();
      var slot = empty ? errorSlot(input) : document.getElementById((input.id || input.name) + "-required-error");
      if (slot) { slot.textContent = empty ? input.dataset.required : ""; slot.hidden = !empty; }
      if (empty) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
      if (empty && !first) first = input;
    });
    if (first) { event.preventDefault(); event.stopImmediatePropagation(); first.focus(); }
  }, true);
  document.querySelectorAll("form").forEach(function (form) { form.noValidate = true; });
}());
