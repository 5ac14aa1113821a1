// Tanji — a little progressive enhancement; every page works without it.
(function () {
  "use strict";
  var csrf = function () {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  };
  window.tanji = { csrf: csrf };

  // "Go back" links on error pages (CSP forbids inline javascript: URLs).
  document.addEventListener("click", function (event) {
    var back = event.target.closest("[data-back]");
    if (back) { event.preventDefault(); history.back(); }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();

// ---------------------------------------------------------------------------------------
// factor picker
//
// Contract (used by the factor pages and the study editor):
//   <input name="…" data-factor-picker
//          data-unit-field="[name=unit]"   optional: CSS selector of the field holding the
//                                          unit the factor must convert to; it is looked up
//                                          in the nearest ancestor that contains a match
//                                          (so a table row finds its own unit field)
//          data-unit="kWh"                 optional: a fixed unit instead of a field
//          data-dimension="mass"           optional: only factors of this dimension
//          data-release="2026.1"           optional: search this release, not the published set
//          data-empty-text="…">            optional: translated text shown when nothing matches
// As the person types (debounced), GET /api/v1/factors/search?q=&unit=&dimension=&limit=20
// fills a listbox; choosing a factor (click, or arrows and Enter) puts its slug in the
// input, fires "change" and a "tanji:factor-picked" event whose detail is the factor
// (slug, name_zh, name_en, unit, co2e, geography, year, source), and shows its name and
// value next to the input. Without JavaScript the input stays a plain text field for the
// slug. Inputs added later are enhanced on first focus.
// ---------------------------------------------------------------------------------------
(function () {
  "use strict";
  var DELAY = 250;
  var counter = 0;

  function chinese() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0;
  }

  function nameOf(factor) {
    return (chinese() ? factor.name_zh || factor.name_en : factor.name_en || factor.name_zh) || factor.slug;
  }

  function formatValue(value) {
    try {
      return new Intl.NumberFormat(document.documentElement.lang || undefined,
        { maximumSignificantDigits: 4 }).format(value);
    } catch (error) {
      return String(value);
    }
  }

  function describe(factor) {
    return formatValue(factor.co2e) + " kg CO2e/" + factor.unit + " · " + factor.geography +
      (factor.year ? " " + factor.year : "");
  }

  function unitOf(input) {
    if (input.dataset.unit) { return input.dataset.unit; }
    var selector = input.dataset.unitField;
    if (!selector) { return ""; }
    for (var node = input.parentElement; node; node = node.parentElement) {
      var found = node.querySelector(selector);
      if (found && found !== input) { return (found.value || "").trim(); }
    }
    return "";
  }

  function enhance(input) {
    if (input.dataset.factorPickerReady) { return; }
    input.dataset.factorPickerReady = "1";
    counter += 1;
    var listId = "factor-picker-list-" + counter;
    var wrapper = document.createElement("span");
    wrapper.className = "factor-picker";
    input.parentNode.insertBefore(wrapper, input);
    wrapper.appendChild(input);
    var list = document.createElement("div");
    list.className = "search-results";
    list.id = listId;
    list.setAttribute("role", "listbox");
    list.hidden = true;
    wrapper.appendChild(list);
    var choice = document.createElement("span");
    choice.className = "factor-picker-choice";
    choice.setAttribute("aria-live", "polite");
    wrapper.parentNode.insertBefore(choice, wrapper.nextSibling);
    input.setAttribute("autocomplete", "off");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-expanded", "false");

    var timer = null;
    var sequence = 0;
    var results = [];
    var active = -1;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function showChoice(factor) {
      choice.textContent = "";
      if (!factor) { return; }
      var strong = document.createElement("strong");
      strong.textContent = nameOf(factor);
      choice.appendChild(strong);
      choice.appendChild(document.createTextNode(" · " + describe(factor)));
    }

    function choose(index) {
      var factor = results[index];
      if (!factor) { return; }
      input.value = factor.slug;
      showChoice(factor);
      close();
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.dispatchEvent(new CustomEvent("tanji:factor-picked", { bubbles: true, detail: factor }));
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = index;
      for (var i = 0; i < options.length; i += 1) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      if (options[index]) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function render(message) {
      list.textContent = "";
      input.removeAttribute("aria-activedescendant");
      results.forEach(function (factor, index) {
        var option = document.createElement("button");
        option.type = "button";
        option.id = listId + "-" + index;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.tabIndex = -1;
        var title = document.createElement("span");
        title.textContent = nameOf(factor);
        var detail = document.createElement("small");
        detail.textContent = factor.slug + " · " + describe(factor);
        option.appendChild(title);
        option.appendChild(detail);
        option.addEventListener("mousedown", function (event) { event.preventDefault(); });
        option.addEventListener("click", function () { choose(index); });
        list.appendChild(option);
      });
      var empty = message || (results.length ? "" : input.dataset.emptyText || "");
      if (empty) {
        var note = document.createElement("div");
        note.className = "empty";
        note.textContent = empty;
        list.appendChild(note);
      }
      list.hidden = !list.childNodes.length;
      input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
      active = -1;
    }

    function query(text) {
      var params = new URLSearchParams({ q: text, limit: "20" });
      var unit = unitOf(input);
      if (unit) { params.set("unit", unit); }
      if (input.dataset.dimension) { params.set("dimension", input.dataset.dimension); }
      if (input.dataset.release) { params.set("release", input.dataset.release); }
      return fetch("/api/v1/factors/search?" + params.toString(), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      });
    }

    function search() {
      var text = input.value.trim();
      var mine = ++sequence;
      if (!text) { results = []; close(); return; }
      query(text).then(function (answer) {
        if (mine !== sequence) { return; }  // a later keystroke has its own request
        if (!answer.ok) {
          results = [];
          var detail = answer.body && answer.body.detail && answer.body.detail[0];
          render(detail ? detail.msg : "");
          return;
        }
        results = answer.body;
        render("");
      }).catch(function () {
        if (mine === sequence) { results = []; close(); }
      });
    }

    input.addEventListener("input", function () {
      showChoice(null);
      window.clearTimeout(timer);
      timer = window.setTimeout(search, DELAY);
    });
    input.addEventListener("keydown", function (event) {
      if (list.hidden) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight(Math.min(active + 1, results.length - 1));
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === "Enter" && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 150); });

    // A slug already in the field: show what it is.
    var initial = input.value.trim();
    if (initial) {
      query(initial).then(function (answer) {
        if (!answer.ok || !Array.isArray(answer.body)) { return; }
        answer.body.forEach(function (factor) {
          if (factor.slug === initial && input.value.trim() === initial) { showChoice(factor); }
        });
      }).catch(function () { /* the field still works as plain text */ });
    }
  }

  document.querySelectorAll("input[data-factor-picker]").forEach(enhance);
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("input[data-factor-picker]") &&
        !target.dataset.factorPickerReady) {
      enhance(target);
      target.focus();  // wrapping the input moved it, which took the focus away
    }
  });
  window.tanji = window.tanji || {};
  window.tanji.factorPicker = enhance;
})();
// end of factor picker

// ---------------------------------------------------------------------------------------
// study editor (/studies/{id}/edit)
//
// Without JavaScript, "Add input", "Remove" … post the form and the server answers with
// the row added or removed. With it, those rows are added and removed in place: a blank
// row is cloned from <template id="row-templates"> with its placeholders __P__ (process)
// and __N__ (row) replaced. The server reads rows in index order and accepts gaps, so
// removed rows need no renumbering. "Add process", "Remove this process" and "Save" still
// post the form.
// ---------------------------------------------------------------------------------------
(function () {
  "use strict";
  var ROW_ACTION = /^(add|remove)-(output|input|emission):(\d+)(?::(\d+))?$/;

  function nextIndex(tbody, prefix) {
    var highest = -1;
    var pattern = new RegExp("^" + prefix + "(\\d+)-");
    var fields = tbody.querySelectorAll("[name]");
    for (var i = 0; i < fields.length; i += 1) {
      var match = pattern.exec(fields[i].getAttribute("name"));
      if (match) { highest = Math.max(highest, parseInt(match[1], 10)); }
    }
    return highest + 1;
  }

  function addRow(kind, process) {
    var templates = document.getElementById("row-templates");
    var tbody = document.getElementById("rows-" + process + "-" + kind);
    if (!templates || !tbody) { return false; }
    var blank = templates.content.querySelector('tr[data-row="' + kind + '"]');
    if (!blank) { return false; }
    var index = nextIndex(tbody, "processes-" + process + "-" + kind + "-");
    var row = blank.cloneNode(true);
    var nodes = [row].concat(Array.prototype.slice.call(row.querySelectorAll("*")));
    nodes.forEach(function (node) {
      ["name", "id", "value", "aria-describedby", "data-unit-field"].forEach(function (attr) {
        var value = node.getAttribute(attr);
        if (value && value.indexOf("__") !== -1) {
          node.setAttribute(attr, value.split("__P__").join(process).split("__N__").join(String(index)));
        }
      });
    });
    tbody.appendChild(row);
    var first = row.querySelector("input:not([type=hidden]), select");
    if (first) { first.focus(); }
    return true;
  }

  function removeRow(button) {
    var row = button.closest("tr");
    if (!row) { return false; }
    var next = row.nextElementSibling;
    if (next && next.classList.contains("row-error")) { next.parentNode.removeChild(next); }
    row.parentNode.removeChild(row);
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("#model-editor button[name=action]");
    if (!button) { return; }
    var match = ROW_ACTION.exec(button.value);
    if (!match) { return; }
    var done = match[1] === "add" ? addRow(match[2] + "s", match[3]) : removeRow(button);
    if (done) { event.preventDefault(); }
  });
})();
