/* Maps on the platform's pages (Leaflet, vendored; no build step, nothing from the internet).
 * Each <div data-map="pick|case|public|hotspot"> (web/templates/_map.html) becomes a map: tiles from the
 * configured server if any, always the city's district and street boundaries. Without JavaScript the
 * pages keep their plain fields and text. */
(function () {
  "use strict";
  var STREET_KINDS = { street: true, township: true };
  var HEAT = ["#fee8c8", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];

  function json(el, name, fallback) {
    var raw = el.getAttribute("data-" + name);
    if (!raw) return fallback;
    try { return JSON.parse(raw); } catch (e) { return fallback; }
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error(url + ": " + r.status);
      return r.json();
    });
  }

  function english() { return (document.documentElement.lang || "").indexOf("en") === 0; }

  function areaName(props) { return (english() && props.name_en) || props.name_zh; }

  /* Even-odd ray casting over every ring of a Polygon or MultiPolygon ([lng, lat] pairs). */
  function inside(geometry, lng, lat) {
    var polygons = geometry.type === "MultiPolygon" ? geometry.coordinates : [geometry.coordinates];
    var hit = false;
    polygons.forEach(function (polygon) {
      polygon.forEach(function (ring) {
        for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
          var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
          if ((yi > lat) !== (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi) hit = !hit;
        }
      });
    });
    return hit;
  }

  function streetAt(areas, lat, lng) {
    for (var i = 0; i < areas.features.length; i++) {
      var f = areas.features[i];
      if (STREET_KINDS[f.properties.kind] && inside(f.geometry, lng, lat)) return f;
    }
    return null;
  }

  function districtOf(areas, street) {
    for (var i = 0; i < areas.features.length; i++) {
      var f = areas.features[i];
      if (f.properties.kind === "district" && f.properties.id === street.properties.district_id) return f;
    }
    return null;
  }

  /* The base map: tiles when configured, the boundary layer with its labels always. */
  function baseMap(el, config, areas, options) {
    el.innerHTML = "";
    var map = L.map(el, { maxZoom: config.max_zoom || 18, zoomSnap: 0.5 });
    map.attributionControl.setPrefix("Leaflet");
    map.createPane("labels");  /* street names under the points and the pin (map.css) */
    if (config.tiles) {
      L.tileLayer(config.tiles, { maxZoom: config.max_zoom || 18, attribution: config.attribution || "" }).addTo(map);
    }
    var fill = options && options.fill;
    L.geoJSON(areas, {
      style: function (f) {
        var district = f.properties.kind === "district";
        return { color: district ? "#55606e" : "#8a94a3", weight: district ? 2.5 : 1, dashArray: district ? null : "4 3",
                 fill: !district, fillColor: fill ? fill(f) : "#ffffff", fillOpacity: fill ? 0.55 : (config.tiles ? 0 : 0.35) };
      },
      onEachFeature: function (f, layer) {
        if (STREET_KINDS[f.properties.kind]) {
          layer.bindTooltip(areaName(f.properties), { permanent: true, direction: "center", className: "map-label", pane: "labels" });
        }
      },
      interactive: !!fill
    }).addTo(map);
    map.fitBounds(config.bounds);
    return map;
  }

  function legend(map, items) {
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "map-legend");
      items.forEach(function (item) {
        var row = L.DomUtil.create("div", "", div);
        if (item[0]) L.DomUtil.create("i", item[0], row);
        row.appendChild(document.createTextNode(item[1]));
      });
      return div;
    };
    control.addTo(map);
  }

  /* Report and whistle forms: a tap or "use my location" fills the lat/lng inputs and suggests the street. */
  function pick(el, config, areas, labels) {
    var form = el.closest("form") || document;
    var lat = form.querySelector("input[name=lat]"), lng = form.querySelector("input[name=lng]");
    if (!lat || !lng) return;
    var map = baseMap(el, config, areas), marker = null;
    var tools = document.createElement("div");
    tools.className = "map-tools";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary map-locate";
    button.textContent = labels.locate;
    var note = document.createElement("span");
    note.className = "map-note";
    note.setAttribute("role", "status");
    note.textContent = labels.pick_hint;
    tools.appendChild(button);
    tools.appendChild(note);
    el.parentNode.insertBefore(tools, el.nextSibling);

    function place(latValue, lngValue, fill) {
      var point = L.latLng(latValue, lngValue);
      if (marker) marker.setLatLng(point); else marker = L.marker(point).addTo(map);
      if (fill) {
        lat.value = point.lat.toFixed(6);
        lng.value = point.lng.toFixed(6);
        suggest(point);
      }
    }
    function suggest(point) {
      var street = streetAt(areas, point.lat, point.lng);
      if (!street) { note.textContent = labels.outside; return; }
      var name = areaName(street.properties);
      note.textContent = labels.suggested.replace("{name}", name);
      var select = form.querySelector("select[name=street_id]");
      if (select && !select.value && select.querySelector("option[value='" + street.properties.id + "']")) {
        select.value = street.properties.id;
      }
      var address = form.querySelector("input[name=address]");
      if (address && !address.value.trim()) {
        var district = districtOf(areas, street);
        address.value = (district ? areaName(district.properties) + (english() ? ", " : "") : "") + name;
      }
    }
    function typed() {
      var a = parseFloat(lat.value), b = parseFloat(lng.value);
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        place(a, b, false);
        map.setView([a, b], Math.max(map.getZoom(), 14));
      }
    }
    map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, true); });
    lat.addEventListener("change", typed);
    lng.addEventListener("change", typed);
    typed();
    if (!navigator.geolocation) { button.hidden = true; return; }
    button.addEventListener("click", function () {
      note.textContent = labels.locating;
      navigator.geolocation.getCurrentPosition(function (position) {
        place(position.coords.latitude, position.coords.longitude, true);
        map.setView([position.coords.latitude, position.coords.longitude], Math.max(map.getZoom(), 15));
      }, function () { note.textContent = labels.no_location; }, { enableHighAccuracy: true, timeout: 10000 });
    });
  }

  function showCase(el, config, areas) {
    var point = json(el, "point", null);
    var map = baseMap(el, config, areas);
    if (point) {
      L.marker(point).addTo(map);
      map.setView(point, 15);
    }
  }

  /* The public map: bounded pages of rounded points, read until the server says there is no next page. */
  function showPublic(el, config, areas, labels) {
    var map = baseMap(el, config, areas);
    legend(map, [["open", labels.open], ["closed", labels.closed]]);
    var colours = { open: "#d9822b", closed: "#2e8540" };
    map.createPane("cases");  /* the points above the street names (map.css) */
    function load(page) {
      fetchJson("/board/map.geojson?page=" + page)
        .then(function (data) {
          L.geoJSON(data, {
            pointToLayer: function (f, latlng) {
              return L.circleMarker(latlng, { pane: "cases", radius: 6, weight: 1, color: "#ffffff", fillOpacity: 0.9,
                                             fillColor: colours[f.properties.status] || "#555" });
            },
            onEachFeature: function (f, layer) {
              var p = f.properties, status = p.status === "closed" ? labels.closed : labels.open;
              layer.bindPopup([p.id || "", status, p.category, p.day].filter(Boolean).join(" · "));
            }
          }).addTo(map);
          el.setAttribute("data-loaded-points", String((+el.getAttribute("data-loaded-points") || 0) + data.features.length));
          if (data.next_page) load(data.next_page);
        });
    }
    load(1);
  }

  /* The dashboard: cases per 0.01° cell and per street, shaded from few to many. */
  function showHotspots(el, config, areas, labels) {
    var cells = json(el, "cells", []), streets = json(el, "streets", []);
    var perStreet = {}, streetMax = 1, cellMax = 1;
    streets.forEach(function (s) { perStreet[s[0]] = s[1]; streetMax = Math.max(streetMax, s[1]); });
    cells.forEach(function (c) { cellMax = Math.max(cellMax, c[2]); });
    function shade(n, max) { return HEAT[Math.min(HEAT.length - 1, Math.floor((n / max) * HEAT.length))]; }
    var map = baseMap(el, config, areas, {
      fill: function (f) { return perStreet[f.properties.id] ? shade(perStreet[f.properties.id], streetMax) : "#ffffff"; }
    });
    cells.forEach(function (c) {
      var half = 0.005;
      L.rectangle([[c[0] - half, c[1] - half], [c[0] + half, c[1] + half]],
                  { color: "#4d0000", weight: 1.5, fillColor: shade(c[2], cellMax), fillOpacity: 0.95 })
        .bindTooltip(labels.cases.replace("{n}", c[2])).addTo(map);
    });
    legend(map, [["scale", ""], ["", labels.few + " → " + labels.many]]);
    el.setAttribute("data-cells-drawn", String(cells.length));
  }

  var KINDS = { pick: pick, "case": showCase, "public": showPublic, hotspot: showHotspots };

  function start() {
    var boxes = document.querySelectorAll("[data-map]");
    if (!boxes.length || typeof L === "undefined") return;
    var config = null;
    fetchJson(boxes[0].getAttribute("data-config")).then(function (c) {
      config = c;
      return fetchJson(c.boundaries);
    }).then(function (areas) {
      Array.prototype.forEach.call(boxes, function (el) {
        var labels = json(el, "labels", {}), draw = KINDS[el.getAttribute("data-map")];
        if (!draw) return;
        try { draw(el, config, areas, labels); el.setAttribute("data-ready", "1"); }
        catch (e) { el.setAttribute("data-error", String(e)); }
      });
    }).catch(function (e) {
      Array.prototype.forEach.call(boxes, function (el) { el.setAttribute("data-error", String(e)); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
})();
