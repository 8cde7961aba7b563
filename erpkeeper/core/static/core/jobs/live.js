/* Live job rows for the console: refresh status, progress, duration and log without reloading.
 *
 * The page embeds its settings in <script id="job-live-config"> (API URL, the job on a detail
 * page, pre-rendered status badges). Rows carry data-job-status / data-job-progress /
 * data-job-duration attributes. Polling runs only while a shown job is queued or running and
 * pauses while the tab is hidden.
 */
(function () {
  "use strict";

  function readConfig() {
    var el = document.getElementById("job-live-config");
    return el ? JSON.parse(el.textContent) : null;
  }

  function formatSeconds(value) {
    if (value === null || value === undefined) return "–";
    var s = Math.max(0, Math.round(value));
    if (s < 60) return s + "s";
    var m = Math.floor(s / 60);
    s = s % 60;
    if (m < 60) return m + "m" + String(s).padStart(2, "0") + "s";
    return Math.floor(m / 60) + "h" + String(m % 60).padStart(2, "0") + "m";
  }

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  function apply(job, cfg) {
    each('[data-job-status="' + job.id + '"]', function (el) {
      if (el.dataset.status !== job.status) {
        el.dataset.status = job.status;
        el.innerHTML = cfg.badges[job.status] || job.status;
      }
    });
    var percent = Math.round(job.progress || 0);
    each('[data-job-progress="' + job.id + '"]', function (el) {
      var bar = el.querySelector("[data-job-bar]");
      var text = el.querySelector("[data-job-percent]");
      if (bar) bar.style.width = percent + "%";
      if (text) text.textContent = percent + "%";
      el.title = job.progress_message || "";
    });
    each('[data-job-duration="' + job.id + '"]', function (el) {
      el.textContent = formatSeconds(job.duration_seconds);
    });
    if (job.log) {
      each('[data-job-log="' + job.id + '"]', function (el) {
        var atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - 4;
        el.textContent = job.log.join("\n");
        if (atBottom) el.scrollTop = el.scrollHeight;
      });
    }
  }

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  function activeIds(cfg) {
    var ids = [];
    each("[data-job-status]", function (el) {
      if (cfg.active.indexOf(el.dataset.status) >= 0) ids.push(el.dataset.jobStatus);
    });
    return ids;
  }

  /* List page: one request for every active job; a row that left the active set is fetched
   * once more to show how it ended. Returns whether to keep polling. */
  function pollList(cfg) {
    var ids = activeIds(cfg);
    if (!ids.length) return Promise.resolve(false);
    var url = cfg.api + "?status=" + cfg.active.join(",") + "&limit=200";
    return getJSON(url).then(function (data) {
      var seen = {};
      (data.results || data).forEach(function (job) {
        seen[String(job.id)] = true;
        apply(job, cfg);
      });
      var ended = ids.filter(function (id) { return !seen[id]; });
      return Promise.all(
        ended.map(function (id) {
          return getJSON(cfg.api + id + "/").then(function (job) { apply(job, cfg); });
        })
      ).then(function () { return true; });
    });
  }

  /* Detail page: follow the one job; reload once when it ends so every field is final. */
  function pollDetail(cfg) {
    return getJSON(cfg.api + cfg.job + "/").then(function (job) {
      apply(job, cfg);
      if (job.is_finished) {
        window.location.reload();
        return false;
      }
      return true;
    });
  }

  function start() {
    var cfg = readConfig();
    if (!cfg) return;
    var poll = cfg.job ? pollDetail : pollList;
    if (!activeIds(cfg).length) return;
    function loop() {
      if (document.hidden) {
        window.setTimeout(loop, cfg.interval);
        return;
      }
      poll(cfg)
        .catch(function () { return true; })
        .then(function (again) {
          if (again) window.setTimeout(loop, cfg.interval);
        });
    }
    window.setTimeout(loop, cfg.interval);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
