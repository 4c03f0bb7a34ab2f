//! `scan` output for people: a text summary by severity, and one
//! self-contained HTML page (inline CSS, no scripts) with the allocation
//! picture and every finding. Every file-derived string is escaped for its
//! medium: control characters for terminals, `& < > " '` for HTML.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{human_bytes, sanitized};
use crate::ops::scan::{ScanReport, Severity};

/// The text summary.
pub fn text(out: &mut dyn Write, r: &ScanReport) -> io::Result<()> {
    let s = |t: &str| sanitized(t);
    writeln!(
        out,
        "snapshot {} ({}, {} entries)",
        s(&r.snapshot.path),
        r.snapshot.kind,
        r.snapshot.entries
    )?;
    writeln!(
        out,
        "kubelet release judged: {} ({})",
        r.release.minor.as_deref().unwrap_or("every release"),
        s(&r.release.source)
    )?;
    for h in &r.release.hints {
        writeln!(out, "  hint: {}", s(h))?;
    }
    writeln!(
        out,
        "certificates judged at {} ({})",
        r.now.time,
        if r.now.source == "clock" {
            "the clock; use --now to judge at another time"
        } else {
            "--now"
        }
    )?;
    writeln!(
        out,
        "layout: {} root, root dir {}, config {}, cpu policy {}, memory policy {}",
        r.layout.mode,
        s(&r.layout.root_dir),
        s(r.layout.config.as_deref().unwrap_or("-")),
        s(r.layout
            .cpu_manager_policy
            .as_deref()
            .unwrap_or("none (default)")),
        s(r.layout
            .memory_manager_policy
            .as_deref()
            .unwrap_or("None (default)")),
    )?;
    writeln!(out)?;
    writeln!(out, "state files:")?;
    for f in r.files.iter().filter(|f| f.state.is_some()) {
        let st = f.state.as_ref().expect("filtered");
        writeln!(
            out,
            "  {:<13} {:<14} {}  [{}]{}",
            st.verdict,
            st.kind.as_deref().unwrap_or("-"),
            s(&f.path),
            s(&st.summary),
            if st.ok_releases.is_empty() {
                String::new()
            } else {
                format!(" read by {}", st.ok_releases)
            }
        )?;
    }
    writeln!(out)?;
    for sev in [Severity::Error, Severity::Warning, Severity::Info] {
        let fs: Vec<_> = r.findings.iter().filter(|f| f.severity == sev).collect();
        if fs.is_empty() {
            continue;
        }
        writeln!(out, "{} ({}):", sev.as_str().to_uppercase(), fs.len())?;
        for f in fs {
            writeln!(out, "  [{}] {}", f.code, s(&f.message))?;
            for p in f.paths.iter().take(10) {
                writeln!(out, "      {}", s(p))?;
            }
            if f.paths.len() > 10 {
                writeln!(out, "      ... and {} more", f.paths.len() - 10)?;
            }
        }
    }
    writeln!(
        out,
        "\n{} error(s), {} warning(s), {} info; {} files ({} unknown in the kubelet's directories)",
        r.summary.errors, r.summary.warnings, r.summary.infos, r.summary.files, r.summary.unknown
    )
}

/// HTML-escapes `s` (text and attribute values).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {
                let _ = write!(o, "&#{};", c as u32);
            }
            c => o.push(c),
        }
    }
    o
}

/// A stable colour per owner (hue from FNV-1a of the key).
fn colour(key: &str) -> String {
    let mut h: u32 = 0x811c_9dc5;
    for b in key.bytes() {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    format!("hsl({}, 65%, 62%)", h % 360)
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;font-size:.9em}td,th{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}\
.sev-error{background:#fdd}.sev-warning{background:#ffe9c2}.sev-info{background:#eef4ff}\
.grid{display:flex;flex-wrap:wrap;gap:4px;max-width:60em}.cpu{width:5.5em;height:3.2em;border:1px solid #888;border-radius:4px;font-size:.72em;padding:2px;overflow:hidden}\
.shared{background:#e8e8e8}.bar{display:flex;height:1.6em;border:1px solid #888;max-width:50em;margin:2px 0 8px}.seg{height:100%;overflow:hidden;font-size:.7em;white-space:nowrap}\
.free{background:#f4f4f4}.legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:.9em;height:.9em;border:1px solid #888;margin-right:.3em}\
code{font-size:.9em}";

/// The HTML report.
pub fn html(out: &mut dyn Write, r: &ScanReport) -> io::Result<()> {
    let mut h = String::new();
    let e = esc;
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\
<title>kubelet-ckpt scan: {}</title><style>{CSS}</style></head><body>\n",
        e(&r.snapshot.path)
    );
    let _ = write!(
        h,
        "<h1>kubelet-ckpt scan of <code>{}</code></h1>\n<p>{} snapshot, {} entries; {} {}; \
kubelet release judged: <b>{}</b> ({}); certificates judged at {} ({}); scanned {}.</p>\n\
<p><b class=\"sev-error\">{} error(s)</b> · <span class=\"sev-warning\">{} warning(s)</span> · \
<span class=\"sev-info\">{} info</span></p>\n",
        e(&r.snapshot.path),
        r.snapshot.kind,
        r.snapshot.entries,
        e(r.tool.name),
        e(r.tool.version),
        e(r.release.minor.as_deref().unwrap_or("every release")),
        e(&r.release.source),
        e(&r.now.time),
        e(r.now.source),
        e(&r.scanned_at),
        r.summary.errors,
        r.summary.warnings,
        r.summary.infos
    );

    // CPUs.
    h.push_str("<h2>CPUs</h2>\n");
    if r.allocation.cpus.is_empty() {
        h.push_str("<p>No CPU manager state.</p>\n");
    } else {
        let mut legend: BTreeMap<String, String> = BTreeMap::new();
        h.push_str("<div class=\"grid\">");
        for c in &r.allocation.cpus {
            if c.shared {
                let _ = write!(
                    h,
                    "<div class=\"cpu shared\" title=\"CPU {} shared\"><b>{}</b><br>shared</div>",
                    c.cpu, c.cpu
                );
            } else {
                let pod = c
                    .pod
                    .clone()
                    .or_else(|| c.pod_uid.clone())
                    .unwrap_or_default();
                let ctr = c.container.clone().unwrap_or_default();
                let key = format!("{pod}/{ctr}");
                let col = colour(&key);
                legend.insert(key.clone(), col.clone());
                let _ = write!(
                    h,
                    "<div class=\"cpu\" style=\"background:{col}\" title=\"CPU {} {}\"><b>{}</b><br>{}</div>",
                    c.cpu,
                    e(&key),
                    c.cpu,
                    e(&ctr)
                );
            }
        }
        h.push_str("</div>\n<p class=\"legend\">");
        for (k, col) in &legend {
            let _ = write!(
                h,
                "<span><i class=\"sw\" style=\"background:{col}\"></i>{}</span>",
                e(k)
            );
        }
        h.push_str("<span><i class=\"sw shared\"></i>shared pool</span></p>\n");
    }

    // Memory.
    h.push_str("<h2>Memory per NUMA node</h2>\n");
    if r.allocation.memory.is_empty() {
        h.push_str("<p>No memory manager state.</p>\n");
    }
    for m in &r.allocation.memory {
        let _ = write!(
            h,
            "<div>NUMA {} · {}: total {}, reserved {}, free {}</div><div class=\"bar\">",
            m.numa,
            e(&m.resource),
            human_bytes(m.total),
            human_bytes(m.reserved),
            human_bytes(m.free)
        );
        let total = m.total.max(1) as f64;
        for b in &m.blocks {
            let who = format!(
                "{}/{}",
                b.pod.clone().unwrap_or_else(|| b.pod_uid.clone()),
                b.container
            );
            let _ = write!(
                h,
                "<div class=\"seg\" style=\"width:{:.2}%;background:{}\" title=\"{} {}\">{}</div>",
                (b.size as f64 / total * 100.0).min(100.0),
                colour(&who),
                e(&who),
                human_bytes(b.size),
                e(&who)
            );
        }
        let _ = writeln!(
            h,
            "<div class=\"seg free\" style=\"flex:1\" title=\"free {}\"></div></div>",
            human_bytes(m.free)
        );
    }

    // Devices and claims.
    h.push_str("<h2>Devices</h2>\n");
    if r.allocation.devices.is_empty() {
        h.push_str("<p>No device allocations.</p>\n");
    } else {
        h.push_str("<table><tr><th>resource</th><th>device</th><th>NUMA</th><th>pod</th><th>container</th></tr>\n");
        for d in &r.allocation.devices {
            let pod = d.pod.clone().unwrap_or_else(|| d.pod_uid.clone());
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td style=\"background:{}\">{}</td><td>{}</td></tr>",
                e(&d.resource),
                e(&d.device),
                d.numa.map_or("-".into(), |n| n.to_string()),
                colour(&format!("{pod}/{}", d.container)),
                e(&pod),
                e(&d.container)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>DRA claims</h2>\n");
    if r.allocation.claims.is_empty() {
        h.push_str("<p>No DRA claims.</p>\n");
    } else {
        h.push_str(
            "<table><tr><th>claim</th><th>namespace</th><th>pods</th><th>devices</th></tr>\n",
        );
        for c in &r.allocation.claims {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                e(&c.claim),
                e(&c.namespace),
                e(&c.pod_uids.join(", ")),
                e(&c.devices.join(", "))
            );
        }
        h.push_str("</table>\n");
    }

    // Findings.
    h.push_str("<h2>Findings</h2>\n<table><tr><th>severity</th><th>code</th><th>message</th><th>paths</th></tr>\n");
    for f in &r.findings {
        let _ =
            writeln!(
            h,
            "<tr class=\"sev-{}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            f.severity.as_str(),
            f.severity.as_str(),
            e(&f.code),
            e(&f.message),
            f.paths.iter().map(|p| e(p)).collect::<Vec<_>>().join("<br>")
        );
    }
    h.push_str("</table>\n");

    // State files.
    h.push_str("<h2>State files</h2>\n<table><tr><th>path</th><th>kind</th><th>verdict</th><th>read by</th><th>content</th><th>sha256</th></tr>\n");
    for f in r.files.iter().filter(|f| f.state.is_some()) {
        let st = f.state.as_ref().expect("filtered");
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td title=\"{}\">{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            e(&f.path),
            e(st.kind.as_deref().unwrap_or("-")),
            e(&st.message),
            e(&st.verdict),
            e(&st.ok_releases),
            e(&st.summary),
            e(f.sha256.as_deref().unwrap_or("-"))
        );
    }
    h.push_str("</table>\n");

    // Timeline.
    h.push_str("<h2>Timeline (kubelet files by modification time)</h2>\n<table><tr><th>time (UTC)</th><th>class</th><th>path</th></tr>\n");
    for t in &r.timeline {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&t.time),
            e(t.class),
            e(&t.path)
        );
    }
    h.push_str("</table>\n</body></html>\n");
    out.write_all(h.as_bytes())
}
