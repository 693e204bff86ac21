/// The page's only script (served at `/dashboard/app.js`): drag-and-drop, upload progress, and the batch's
/// live status. Everything it shows from data goes through `textContent`, never `innerHTML`.
public enum DashboardScript {
    public static let source = #"""
        "use strict";
        (function () {
          const $ = (id) => document.getElementById(id);
          const FINAL = ["completed", "failed"];
          function el(tag, attrs, children) {
            const e = document.createElement(tag);
            for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
            for (const c of children || []) e.append(c);
            return e;
          }
          function badge(status) {
            return el("span", { class: "status status-" + status, "data-status": status }, [status]);
          }
          function batchLink(b) {
            return el("a", { href: "/dashboard/batch?batch_num=" + encodeURIComponent(b) }, [b]);
          }
          function renderBatch(u, duplicate) {
            const box = el("div", { id: "batch-status", "data-batch": u.batch_num, "data-status": u.status, "aria-live": "polite" });
            if (duplicate) {
              box.append(el("p", { class: "notice", id: "duplicate-notice" },
                ["This file was already uploaded: it repeats batch ", batchLink(u.batch_num), " (" + u.original_filename + "), shown below."]));
            }
            box.append(el("p", {}, ["Batch ", batchLink(u.batch_num), " from ", el("strong", {}, [u.original_filename]), ": ", badge(u.status)]));
            const counters = [["Rows", u.num_total_rows], ["Inserted", u.num_inserted_rows], ["Updated", u.num_updated_rows],
              ["Unchanged", u.num_unchanged_rows], ["Imputed", u.num_imputed_rows], ["Missing values", u.num_missing_rows],
              ["Rejected", u.num_rejected_rows], ["Repeated", u.num_repeated_rows]];
            const dl = el("dl");
            for (const [k, v] of counters) dl.append(el("dt", {}, [k]), el("dd", {}, [String(v)]));
            box.append(el("div", { class: "cards" }, [el("div", { class: "card" }, [dl])]));
            if (u.error_log) box.append(el("h3", {}, ["Errors"]), el("pre", { class: "errors", id: "batch-errors" }, [u.error_log]));
            return box;
          }
          async function showCategories(target) {
            try {
              const r = await fetch("/categories");
              if (!r.ok) return;
              const names = await r.json();
              if (!names.length) return;
              const ul = el("ul", { class: "links", id: "live-categories" });
              for (const n of names) ul.append(el("li", {}, [el("a", { href: "/dashboard/category?name=" + encodeURIComponent(n) }, [n])]));
              target.append(el("p", {}, ["Forecasts by category (they appear once the models are fitted):"]), ul);
            } catch (e) { /* the links are on the home page too */ }
          }
          // The uploads table, categories and health follow the batch: the server renders them again and the
          // page swaps in its own panels (parsed as a document, the same markup a reload would bring).
          async function refreshPanels() {
            try {
              const r = await fetch("/", { cache: "no-store" });
              if (!r.ok) return;
              const doc = new DOMParser().parseFromString(await r.text(), "text/html");
              for (const id of ["panel-uploads", "panel-categories", "panel-health"]) {
                const fresh = doc.getElementById(id), old = document.getElementById(id);
                if (fresh && old) old.replaceWith(document.importNode(fresh, true));
              }
            } catch (e) { /* the next change tries again */ }
          }
          // The work on the batch as it happens: the share of the file read, then the categories fitted.
          function renderProgress(p) {
            const box = el("div", { id: "batch-progress", "aria-live": "polite" });
            if (p.etl_status && p.etl_status !== "completed" && p.etl_status !== "failed") {
              const pct = Math.round(100 * (p.etl_progress || 0));
              box.append(el("p", {}, [el("label", { for: "etl-progress" }, ["Reading the file: " + pct + " %"]), " ",
                el("progress", { id: "etl-progress", max: "100", value: String(pct) }, [pct + "%"])]));
            }
            const f = p.forecasts;
            if (f && f.total > 0) {
              const pct = Math.round(100 * f.progress);
              const text = "Forecasting: " + f.done + " of " + f.total + (f.total === 1 ? " category" : " categories") + " fitted" +
                (f.running ? ", " + f.running + " fitting now" : "") + (f.failed ? ", " + f.failed + " failed" : "");
              box.append(el("p", { id: "forecast-progress-text" }, [el("label", { for: "forecast-progress" }, [text]), " ",
                el("progress", { id: "forecast-progress", max: "100", value: String(pct) }, [pct + "%"])]));
            }
            return box;
          }
          function watch(target, batch, duplicate) {
            let stopped = false, last = null, finished = null;
            async function tick() {
              if (stopped) return;
              try {
                if (!finished) {
                  const r = await fetch("/metadata/" + encodeURIComponent(batch), { cache: "no-store" });
                  if (r.ok) {
                    const u = await r.json();
                    target.replaceChildren(renderBatch(u, duplicate));
                    if (u.status !== last) { last = u.status; refreshPanels(); }
                    if (FINAL.includes(u.status)) {
                      finished = u.status;
                      if (u.status === "completed") showCategories(target);
                      else { stopped = true; return; }
                    }
                  }
                }
                const pr = await fetch("/dashboard/progress?batch_num=" + encodeURIComponent(batch), { cache: "no-store" });
                if (pr.ok) {
                  const p = await pr.json();
                  const old = document.getElementById("batch-progress");
                  const fresh = renderProgress(p);
                  if (old) old.replaceWith(fresh); else target.append(fresh);
                  const f = p.forecasts;
                  if (finished && (!f || f.done + f.failed >= f.total)) { stopped = true; refreshPanels(); return; }
                }
              } catch (e) { /* try again */ }
              setTimeout(tick, 1000);
            }
            tick();
          }
          function message(target, text) {
            target.replaceChildren(el("p", { class: "errors", role: "alert" }, [text]));
          }

          const form = $("upload-form"), input = $("file"), zone = $("drop-zone"), live = $("batch-live");
          if (form && input && zone && live) {
            ["dragenter", "dragover"].forEach((t) => zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add("over"); }));
            ["dragleave", "drop"].forEach((t) => zone.addEventListener(t, () => zone.classList.remove("over")));
            zone.addEventListener("drop", (e) => {
              e.preventDefault();
              if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
            });
            form.addEventListener("submit", (e) => {
              e.preventDefault();
              const file = input.files && input.files[0];
              if (!file) { message(live, "Choose a CSV file first."); return; }
              const data = new FormData();
              data.append("file", file, file.name);
              const skip = form.querySelector("input[name=on_error]");
              const xhr = new XMLHttpRequest();
              xhr.open("POST", "/upload" + (skip && skip.checked ? "?on_error=skip" : ""));
              // Signed in by the dashboard's cookie: the page's token proves the request comes from this page.
              const csrf = document.querySelector("meta[name=csrf-token]");
              if (csrf) xhr.setRequestHeader("X-CSRF-Token", csrf.content);
              const row = $("upload-progress-row"), bar = $("upload-progress"), button = $("upload-button");
              row.hidden = false; bar.value = 0; bar.textContent = "0%"; button.disabled = true;
              live.replaceChildren(el("p", {}, ["Uploading " + file.name + "…"]));
              xhr.upload.onprogress = (p) => {
                if (p.lengthComputable) { bar.value = Math.round(100 * p.loaded / p.total); bar.textContent = bar.value + "%"; }
              };
              xhr.onerror = () => { button.disabled = false; message(live, "The upload failed: the server could not be reached."); };
              xhr.onload = () => {
                button.disabled = false;
                bar.value = 100;
                let body = {};
                try { body = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
                if (xhr.status === 201 && body.batch_num) watch(live, body.batch_num, false);
                else if (xhr.status === 409 && body.batch_num) watch(live, body.batch_num, true);
                else message(live, "The upload was refused (" + xhr.status + "): " + (body.error || xhr.statusText));
              };
              xhr.send(data);
            });
          }

          const status = $("batch-status");
          if (status && !FINAL.includes(status.dataset.status) && status.parentElement) {
            const holder = el("div", { class: "live" });
            status.parentElement.replaceChild(holder, status);
            holder.append(status);
            watch(holder, status.dataset.batch, false);
          }

          const pending = $("forecast-pending");
          if (pending && pending.dataset.category) {
            const poll = async () => {
              try {
                const r = await fetch("/forecast-data?limit=1&category=" + encodeURIComponent(pending.dataset.category), { cache: "no-store" });
                if (r.ok && (await r.json()).length) { location.reload(); return; }
              } catch (e) { /* try again */ }
              setTimeout(poll, 2000);
            };
            setTimeout(poll, 2000);
          }
        })();
        """#
}
