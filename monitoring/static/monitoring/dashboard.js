// The dashboard's charts: live rooms and players over the last 24 hours, drawn with uPlot
// (vendored beside this file) from the samples the page carries (json_script).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("dashboard-chart-data").textContent);

  function chart(id, label, values, colour) {
    var element = document.getElementById(id);
    var options = {
      width: Math.max(element.clientWidth, 300),
      height: 220,
      legend: { show: false },
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(max, 1)]; } } },
      series: [{}, { label: label, stroke: colour, fill: colour + "33", width: 2 }],
    };
    return new uPlot(options, [data.times, values], element);
  }

  chart("chart-rooms", "Live rooms", data.rooms, "#417690");
  chart("chart-players", "Players", data.players, "#c47a21");
})();
