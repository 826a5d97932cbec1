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
      datasets = spec.datasets.map(function (d) {
        return { label: d.label, data: toNumbers(d.data), backgroundColor: bucketColours.slice(0, d.data.length), borderRadius: 4, maxBarThickness: 56 };
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
          legend: { display: spec.kind !== "bar", position: "bottom", labels: { boxWidth: 12, usePointStyle: true } },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = ctx.parsed.y;
                if (v === null || v === undefined) return ctx.dataset.label + ": —";
                if (spec.kind === "bar" && spec.currency) {
                  return numberFormat(locale, { style: "currency", currency: spec.currency }).format(v);
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
})();
