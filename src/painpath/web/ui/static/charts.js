// painpath: charts drawn with the vendored Apache ECharts (static/vendor/echarts-*/).
// Two kinds of chart, no inline script anywhere (CSP script-src 'self'):
//  - [data-line-chart="table-id"]: a small line chart drawn from its own data table
//    (rows carry data-x and data-y); the table stays on the page as the data-table view.
//  - [data-summary-charts]: the pain summary's charts, drawn from the JSON at data-src
//    (GET /api/patients/{id}/pain-summary/charts); each chart's text alternative and data
//    table are already on the page, rendered by the server from the same numbers.
// Without JavaScript (or ECharts) the page shows the text and the tables only.
(function () {
  "use strict";
  if (!window.echarts) {
    return;
  }
  var echarts = window.echarts;
  var INK = "#1f2933";
  var MUTED = "#52606d";
  var BRAND = "#0b5c8e";
  var ACCENT = "#a3400d";
  var GREEN = "#1d6b3a";
  var charts = [];

  function base(extra) {
    var option = {
      animation: false,
      aria: { enabled: false }, // the container carries the text alternative
      textStyle: { color: INK },
      grid: { left: 48, right: 48, top: 36, bottom: 36, containLabel: true },
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, textStyle: { color: INK } },
    };
    Object.keys(extra).forEach(function (key) {
      option[key] = extra[key];
    });
    return option;
  }

  function draw(element, option) {
    var chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    charts.push(chart);
    element.setAttribute("data-drawn", "true");
    return chart;
  }

  function timeAxis() {
    return { type: "time", axisLabel: { color: MUTED, hideOverlap: true } };
  }

  function valueAxis(name, max) {
    var axis = { type: "value", name: name, min: 0, nameTextStyle: { color: MUTED },
      axisLabel: { color: MUTED } };
    if (max !== undefined && max !== null) {
      axis.max = max;
    }
    return axis;
  }

  // Small line charts from a table on the page.
  function tableCharts() {
    var holders = document.querySelectorAll("[data-line-chart]");
    Array.prototype.forEach.call(holders, function (holder) {
      var table = document.getElementById(holder.getAttribute("data-line-chart"));
      if (!table) {
        return;
      }
      var points = Array.prototype.map.call(table.querySelectorAll("tr[data-x]"), function (row) {
        return [row.getAttribute("data-x"), Number(row.getAttribute("data-y"))];
      });
      points.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
      var max = Number(holder.getAttribute("data-y-max")) || null;
      draw(holder, base({
        legend: { show: false },
        grid: { left: 32, right: 16, top: 12, bottom: 28, containLabel: true },
        xAxis: timeAxis(),
        yAxis: valueAxis("", max),
        series: [{ name: "Pain", type: "line", data: points, symbolSize: 6,
          itemStyle: { color: BRAND }, lineStyle: { color: BRAND, width: 2 } }],
      }));
    });
  }

  function bandAreas(bands) {
    return bands.map(function (band) {
      return [{ name: band.label, xAxis: band.start }, { xAxis: band.end }];
    });
  }

  function painChart(element, data) {
    draw(element, base({
      xAxis: timeAxis(),
      yAxis: valueAxis("0–10", 10),
      series: [
        { name: "Pain", type: "line", data: data.pain, symbolSize: 5,
          itemStyle: { color: BRAND }, lineStyle: { color: BRAND, width: 2 } },
        { name: "PEG", type: "line", data: data.peg, symbolSize: 7, symbol: "diamond",
          itemStyle: { color: ACCENT }, lineStyle: { color: ACCENT, width: 2, type: "dashed" } },
        { name: "Therapies", type: "line", data: [], itemStyle: { color: "#9fb3c8" },
          markArea: { silent: true, itemStyle: { color: "rgba(98, 125, 152, 0.12)" },
            label: { color: MUTED, fontSize: 10, position: "insideTopLeft" },
            data: bandAreas(data.bands) } },
      ],
    }));
  }

  function activityChart(element, data) {
    draw(element, base({
      xAxis: timeAxis(),
      yAxis: [valueAxis("steps"), valueAxis("sleep (h)", 14)],
      series: [
        { name: "Steps", type: "bar", data: data.steps, itemStyle: { color: BRAND } },
        { name: "Sleep (hours)", type: "line", yAxisIndex: 1, data: data.sleep_hours,
          symbolSize: 5, itemStyle: { color: ACCENT }, lineStyle: { color: ACCENT } },
      ],
    }));
  }

  function pdcChart(element, data) {
    var measured = data.pdc.filter(function (row) { return row.pdc !== null; });
    draw(element, base({
      legend: { show: false },
      xAxis: { type: "category", data: measured.map(function (row) { return row.drug; }),
        axisLabel: { color: MUTED, interval: 0 } },
      yAxis: valueAxis("PDC %", 100),
      series: [{ name: "Proportion of days covered (%)", type: "bar",
        data: measured.map(function (row) { return Math.round(row.pdc * 1000) / 10; }),
        itemStyle: { color: GREEN },
        markLine: { silent: true, symbol: "none", lineStyle: { color: ACCENT, type: "dashed" },
          label: { formatter: "80 %" }, data: [{ yAxis: 80 }] } }],
    }));
  }

  function prnChart(element, data) {
    var palette = [BRAND, ACCENT, GREEN, "#6b3fa0"];
    draw(element, base({
      xAxis: timeAxis(),
      yAxis: valueAxis("doses"),
      series: data.prn.map(function (use, index) {
        return { name: use.drug + " (as needed)", type: "bar", stack: "prn", data: use.doses,
          itemStyle: { color: palette[index % palette.length] } };
      }),
    }));
  }

  function mmeChart(element, data) {
    draw(element, base({
      legend: { show: false },
      xAxis: timeAxis(),
      yAxis: valueAxis("MME/day"),
      series: [{ name: "MME per day", type: "line", step: "end", data: data.mme, showSymbol: false,
        itemStyle: { color: BRAND }, lineStyle: { color: BRAND, width: 2 },
        areaStyle: { color: "rgba(11, 92, 142, 0.12)" },
        markLine: { silent: true, symbol: "none", lineStyle: { color: ACCENT, type: "dashed" },
          label: { formatter: "{c} MME" }, data: [{ yAxis: 50 }, { yAxis: 90 }] } }],
    }));
  }

  function calendarChart(element, data, start, end) {
    draw(element, base({
      legend: { show: false },
      tooltip: { renderMode: "richText" },
      visualMap: { min: 0, max: 10, calculable: false, orient: "horizontal", left: "center",
        bottom: 0, text: ["10", "0"], textStyle: { color: INK },
        inRange: { color: ["#e3f2e1", "#f5d76e", "#d9822b", "#a3271d"] } },
      calendar: { range: [start, end], top: 28, left: 40, right: 16, cellSize: ["auto", 16],
        yearLabel: { show: false }, dayLabel: { color: MUTED, firstDay: 1 },
        monthLabel: { color: MUTED }, itemStyle: { borderColor: "#ffffff" } },
      series: [{ name: "Daily pain", type: "heatmap", coordinateSystem: "calendar",
        data: data.pain }],
    }));
  }

  var DRAWERS = {
    pain: function (el, d) { painChart(el, d.pain); },
    activity: function (el, d) { activityChart(el, d.activity); },
    pdc: function (el, d) { pdcChart(el, d.adherence); },
    prn: function (el, d) { prnChart(el, d.adherence); },
    mme: function (el, d) { mmeChart(el, d.mme); },
    calendar: function (el, d) { calendarChart(el, d.calendar, d.start, d.end); },
  };

  function summaryCharts() {
    var holder = document.querySelector("[data-summary-charts]");
    if (!holder || !("fetch" in window)) {
      return;
    }
    var state = holder.querySelector("[data-charts-state]");
    fetch(holder.getAttribute("data-src"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("chart data answered " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        Array.prototype.forEach.call(holder.querySelectorAll("[data-chart]"), function (element) {
          var drawer = DRAWERS[element.getAttribute("data-chart")];
          if (drawer) {
            drawer(element, data);
          }
        });
        holder.setAttribute("data-charts", "drawn");
      })
      .catch(function () {
        holder.setAttribute("data-charts", "failed");
        if (state) {
          state.textContent = "The charts could not be drawn; the tables below hold the same data.";
        }
      });
  }

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
  tableCharts();
  summaryCharts();
})();
