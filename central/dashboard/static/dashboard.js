// Progressive enhancement only: every page works without it. Charts read the same JSON
// the API serves; the overview's table refreshes itself through htmx polling.
(function () {
  "use strict";
  const money = new Intl.NumberFormat("es-AR", { style: "currency", currency: "ARS", maximumFractionDigits: 0 });
  const percent = new Intl.NumberFormat("es-AR", { style: "percent", maximumFractionDigits: 1 });
  const charts = {};

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
  }

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || typeof Chart === "undefined") { return; }
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update("none");
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    charts[id] = new Chart(canvas, config);
  }

  function overviewCharts(data) {
    const labels = data.stores.map(function (s) { return s.store; });
    draw("chart-stock-value", {
      type: "bar",
      data: { labels: labels, datasets: [
        { label: "A costo", data: data.stores.map(function (s) { return Number(s.stock_value_cost); }), backgroundColor: "#7aa6d6" },
        { label: "A precio de venta", data: data.stores.map(function (s) { return Number(s.stock_value_price); }), backgroundColor: "#1f5fa8" }
      ] },
      options: { scales: { y: { ticks: { callback: function (v) { return money.format(v); } } } } }
    });
    draw("chart-movements", {
      type: "bar",
      data: { labels: labels, datasets: [
        { label: "Ventas", data: data.stores.map(function (s) { return s.sales_today; }), backgroundColor: "#e07b39" },
        { label: "Ingresos", data: data.stores.map(function (s) { return s.intakes_today; }), backgroundColor: "#3a8f5c" }
      ] },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  }

  function inflationChart(data) {
    const scopes = data.scopes.filter(function (s) { return s.cost_change !== null || s.scope === "all"; });
    draw("chart-inflation", {
      type: "bar",
      data: {
        labels: scopes.map(scopeLabel),
        datasets: [
          { label: "Aumento de costo", data: scopes.map(function (s) { return Number(s.cost_change); }), backgroundColor: "#e07b39" },
          { label: "Índice", data: scopes.map(function () { return Number(data.index_change); }), backgroundColor: "#7aa6d6" }
        ]
      },
      options: { scales: { y: { ticks: { callback: function (v) { return percent.format(v); } } } } }
    });
  }

  function start() {
    const overview = document.getElementById("chart-stock-value");
    if (overview) {
      const load = function () { getJSON(overview.dataset.source).then(overviewCharts).catch(function () {}); };
      load();
      window.setInterval(load, (Number(overview.dataset.refresh) || 5) * 1000);
    }
    const inflation = document.getElementById("chart-inflation");
    if (inflation) {
      getJSON(inflation.dataset.source).then(inflationChart).catch(function () {});
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  // An inflation-gap group as the table names it (web.py's scope_label): the supplier's
  // name, else its CUIT with dashes.
  function scopeLabel(s) {
    const parts = s.scope.split(":");
    if (parts[0] === "all") { return "Todos"; }
    const key = parts.slice(1).join(":");
    if (s.name && s.name !== key) { return s.name; }
    if (parts[0] === "supplier" && /^\d{11}$/.test(key)) {
      return "CUIT " + key.slice(0, 2) + "-" + key.slice(2, 10) + "-" + key.slice(10);
    }
    return key;
  }
})();

