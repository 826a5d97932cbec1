/* Credere staff application: navigation, keyboard shortcuts, menus, charts.
   Served by Credere itself; uses the vendored htmx and Chart.js only. */
(function () {
  "use strict";

  // ---------------------------------------------------------------- navigation drawer (phones)
  function setNav(open) {
    document.body.classList.toggle("nav-open", open);
    var toggle = document.querySelector("[data-nav-open]");
    if (toggle) toggle.setAttribute("aria-expanded", open ? "true" : "false");
    var scrim = document.querySelector(".scrim");
    if (scrim) scrim.hidden = !open;
    if (open) {
      var first = document.querySelector(".sidebar .nav-link");
      if (first) first.focus();
    }
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-nav-open]")) { setNav(true); }
    else if (e.target.closest("[data-nav-close]")) { setNav(false); }
    // close other open menus when one opens or the page is clicked
    document.querySelectorAll("details[data-menu][open]").forEach(function (d) {
      if (!d.contains(e.target)) d.removeAttribute("open");
    });
  });

  // ---------------------------------------------------------------- keyboard
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    var typing = tag === "input" || tag === "textarea" || tag === "select" || e.target.isContentEditable;
    if (e.key === "/" && !typing) {
      var search = document.getElementById("global-search");
      if (search) { e.preventDefault(); search.focus(); search.select(); }
    }
    if (e.key === "Escape") {
      setNav(false);
      document.querySelectorAll("details[data-menu][open]").forEach(function (d) { d.removeAttribute("open"); });
      var box = document.getElementById("search-suggestions");
      if (box && box.innerHTML) { box.innerHTML = ""; }
    }
    // arrow keys move through search suggestions
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && e.target.closest(".global-search")) {
      var options = Array.prototype.slice.call(document.querySelectorAll("#search-suggestions a"));
      if (!options.length) return;
      e.preventDefault();
      var i = options.indexOf(document.activeElement);
      var next = e.key === "ArrowDown" ? Math.min(i + 1, options.length - 1) : i - 1;
      if (next < 0) { document.getElementById("global-search").focus(); } else { options[next].focus(); }
    }
  });
  document.addEventListener("focusout", function (e) {
    var form = e.target.closest && e.target.closest(".global-search");
    if (!form) return;
    setTimeout(function () {
      if (!form.contains(document.activeElement)) {
        var box = document.getElementById("search-suggestions");
        if (box) box.innerHTML = "";
      }
    }, 150);
  });

  // ---------------------------------------------------------------- notifications read
  document.addEventListener("toggle", function (e) {
    var d = e.target;
    if (d.classList && d.classList.contains("notifications") && d.open) {
      var badge = d.querySelector(".dot-count");
      if (badge && window.htmx) {
        window.htmx.ajax("POST", "/notifications/seen/", { swap: "none" });
        badge.remove();
      }
    }
  }, true);

  // ---------------------------------------------------------------- charts
  var palette = ["#4338ca", "#0e9384", "#c4320a", "#7a5af8", "#d92d20", "#175cd3"];
  var bucketColours = ["#12b76a", "#fdb022", "#f79009", "#ef6820", "#d92d20", "#912018", "#55160c"];

  function numberFormat(locale, opts) {
    try { return new Intl.NumberFormat(locale, opts); } catch (err) { return new Intl.NumberFormat(undefined, opts); }
  }
  function toNumbers(values) {
    // Amounts arrive as decimal strings; they become numbers only here, to be drawn.
    return values.map(function (v) { return v === null ? null : Number(v); });
  }

  function drawChart(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || !window.Chart) return;
    var spec = JSON.parse(source.textContent);
    var locale = spec.locale || undefined;
    var money = spec.currency ? numberFormat(locale, { style: "currency", currency: spec.currency, notation: "compact", maximumFractionDigits: 1 }) : null;
    var plain = numberFormat(locale, { maximumFractionDigits: 1 });
    var datasets;
    var scales;
    if (spec.kind === "bar") {
      datasets = spec.datasets.map(function (d, i) {
        // grouped bars (before and after, exposure and loss) take one colour per series
        var colour = spec.grouped ? palette[i % palette.length] : bucketColours.slice(0, d.data.length);
        return { label: d.label, data: toNumbers(d.data), backgroundColor: colour, borderRadius: 4, maxBarThickness: 56 };
      });
      scales = {
        x: { grid: { display: false } },
        y: { beginAtZero: true, ticks: { callback: function (v) { return money ? money.format(v) : plain.format(v); } }, grid: { color: "#eef0f3" } }
      };
    } else {
      var hasPct = spec.datasets.some(function (d) { return d.axis === "pct"; });
      datasets = spec.datasets.map(function (d, i) {
        return {
          label: d.label, data: toNumbers(d.data), yAxisID: d.axis === "pct" ? "pct" : "days",
          borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length],
          borderDash: d.axis === "pct" ? [5, 4] : [], tension: 0.25, pointRadius: 2.5, spanGaps: true, borderWidth: 2
        };
      });
      scales = {
        x: { grid: { display: false } },
        days: { position: "left", beginAtZero: true, title: { display: true, text: "days" }, grid: { color: "#eef0f3" } }
      };
      if (hasPct) {
        scales.pct = { position: "right", beginAtZero: true, suggestedMax: 100, title: { display: true, text: "%" }, grid: { display: false } };
      }
    }
    var chart = new window.Chart(canvas, {
      type: spec.kind === "bar" ? "bar" : "line",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true, maintainAspectRatio: false, animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { display: spec.kind !== "bar" || !!spec.grouped, position: "bottom", labels: { boxWidth: 12, usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = ctx.parsed.y;
                if (v === null || v === undefined) return ctx.dataset.label + ": —";
                if (spec.kind === "bar" && spec.currency) {
                  var amount = numberFormat(locale, { style: "currency", currency: spec.currency }).format(v);
                  return spec.grouped ? ctx.dataset.label + ": " + amount : amount;
                }
                return ctx.dataset.label + ": " + plain.format(v);
              }
            }
          }
        },
        scales: scales,
        onClick: function (evt, elements) {
          if (spec.urls && elements.length) { window.location.href = spec.urls[elements[0].index]; }
        },
        onHover: function (evt, elements) {
          evt.native.target.style.cursor = spec.urls && elements.length ? "pointer" : "default";
        }
      }
    });
    canvas._chart = chart;
  }

  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(function (c) { if (!c._chart) drawChart(c); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(); });
  } else { drawAll(); }
  document.addEventListener("htmx:afterSwap", function (e) { drawAll(e.target); });

  // ---------------------------------------------------------------- tables that still do not fit
  // app.css drops low-priority columns when space is short; a table still wider than its box
  // scrolls sideways inside it as a last resort (its header then sticks to the box, not the page).
  function fitTables() {
    document.querySelectorAll(".table-scroll").forEach(function (box) {
      var table = box.querySelector("table");
      box.classList.remove("is-overflowing");
      if (table && table.offsetWidth > box.clientWidth + 1) box.classList.add("is-overflowing");
    });
  }
  var fitPending = false;
  function fitSoon() {
    if (fitPending) return;
    fitPending = true;
    window.requestAnimationFrame(function () { fitPending = false; fitTables(); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fitTables); } else { fitTables(); }
  window.addEventListener("resize", fitSoon);
  document.addEventListener("htmx:afterSettle", fitSoon);
})();

/* Cash-application workbench: keyboard shortcuts, the queue selection, building a manual match. */
(function () {
  "use strict";

  function workbench() { return document.querySelector("[data-workbench]"); }
  function entries() { return Array.prototype.slice.call(document.querySelectorAll("#queue .queue-entry")); }
  function mark(link) {
    entries().forEach(function (e) {
      var on = e === link;
      e.classList.toggle("selected", on);
      if (on) { e.setAttribute("aria-current", "true"); } else { e.removeAttribute("aria-current"); }
    });
  }
  function choose(link) {
    if (!link) return;
    mark(link);
    link.scrollIntoView({ block: "nearest" });
    link.click();  // htmx loads the panel (a plain link without it)
  }

  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("#queue .queue-entry");
    if (link) mark(link);
  });

  // Capture phase on window: runs before the page-wide "/" of the global search.
  window.addEventListener("keydown", function (e) {
    if (!workbench() || e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    var tag = (t.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable) {
      if (e.key === "Escape") { t.blur(); }
      return;
    }
    var list = entries();
    var current = list.findIndex(function (el) { return el.classList.contains("selected"); });
    var key = e.key;
    if (key === "j" || key === "ArrowDown") {
      choose(list[Math.min(current + 1, list.length - 1)]);
    } else if (key === "k" || key === "ArrowUp") {
      choose(list[Math.max(current - 1, 0)]);
    } else if (key === "Enter") {
      // only when no button or link outside the queue has the focus (Enter keeps its meaning there)
      if (t !== document.body && t.id !== "main" && !(t.closest && t.closest("#queue"))) return;
      var accept = document.querySelector("[data-shortcut=accept]");
      if (!accept) return;
      accept.form.requestSubmit(accept);
    } else if (key === "/") {
      var search = document.getElementById("item-search");
      if (!search) return;
      search.focus();
      search.select();
    } else if (key === "a") {
      var box = document.getElementById("on-account");
      if (!box) return;
      box.open = true;
      var field = document.getElementById("oa-customer");
      if (field) { field.focus(); field.select(); }
    } else {
      return;
    }
    e.preventDefault();
    e.stopPropagation();
  }, true);

  // ---------------------------------------------------------------- manual match
  function minorUnits(text, decimals) {
    // "1,234.50" / "1234,5" -> integer minor units of a currency with `decimals` decimals (ISO 4217), without
    // floating point. The last separator is the decimal one when at most max(decimals, 2) digits follow it
    // (those beyond the currency's decimals must be zeros: "1234.00" yen), else it separates thousands.
    var raw = String(text || "").replace(/[\s'\u00a0\u202f]/g, "");
    if (!/^\d[\d.,]*$/.test(raw)) return null;
    var dot = raw.lastIndexOf("."), comma = raw.lastIndexOf(",");
    var sep = Math.max(dot, comma);
    var whole = raw, frac = "";
    if (sep >= 0 && raw.length - sep - 1 <= Math.max(decimals, 2)) { whole = raw.slice(0, sep); frac = raw.slice(sep + 1); }
    else if (sep >= 0 && raw.length - sep - 1 !== 3) return null;
    if (/[^0]/.test(frac.slice(decimals))) return null;
    whole = whole.replace(/[.,]/g, "");
    var scale = Math.pow(10, decimals);
    return parseInt(whole || "0", 10) * scale + (decimals ? parseInt((frac + "0000").slice(0, decimals), 10) : 0);
  }
  function updateTotal() {
    var form = document.getElementById("manual-form");
    var out = document.getElementById("manual-total");
    if (!form || !out) return;
    var total = 0, any = false, mixed = false;
    var decimals = parseInt(form.getAttribute("data-decimals") || "2", 10);
    form.querySelectorAll("input[name=item]:checked").forEach(function (box) {
      var input = form.querySelector("input[name='amount_" + box.value + "']");
      if (!input) return;
      if (input.getAttribute("data-currency") !== form.getAttribute("data-currency")) mixed = true;
      var c = minorUnits(input.value, decimals);
      if (c === null) return;
      any = true;
      total += input.hasAttribute("data-credit") ? -c : c;
    });
    if (!any) { out.textContent = "—"; return; }
    var locale = document.documentElement.lang || undefined;
    var text;
    try {
      text = new Intl.NumberFormat(locale, { style: "currency", currency: form.getAttribute("data-currency"),
        minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(total / Math.pow(10, decimals));
    } catch (err) { text = (total / Math.pow(10, decimals)).toFixed(decimals); }
    out.textContent = text + (mixed ? " (items in another currency are converted when applied)" : "");
  }
  document.addEventListener("input", function (e) { if (e.target.closest && e.target.closest("#manual-form")) updateTotal(); });
  document.addEventListener("change", function (e) {
    if (!(e.target.closest && e.target.closest("#manual-form"))) return;
    var row = e.target.closest("tr[data-item]");
    if (e.target.name === "item" && row) {
      var chosen = document.getElementById("item-chosen");
      if (e.target.checked && chosen && row.parentNode !== chosen) {
        // a ticked item stays in the match while the clerk searches for the next one
        chosen.appendChild(row);
        var keep = row.querySelector("input[name=chosen]");
        if (keep) keep.disabled = false;
      }
    }
    updateTotal();
  });
  // typing an amount ticks the item
  document.addEventListener("input", function (e) {
    var input = e.target;
    if (!input.name || !/^(amount|deduction)_/.test(input.name)) return;
    var row = input.closest("tr[data-item]");
    var box = row && row.querySelector("input[name=item]");
    if (box && !box.checked) { box.checked = true; box.dispatchEvent(new Event("change", { bubbles: true })); }
  });
  // a hand match sent back with an error keeps its ticked items: show their total again
  document.addEventListener("htmx:afterSwap", updateTotal);
  updateTotal();
  // a form sent back with errors: the first field in error gets the focus
  var firstInvalid = document.querySelector("[aria-invalid=true]");
  if (firstInvalid && typeof firstInvalid.focus === "function") firstInvalid.focus();
})();
