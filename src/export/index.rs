//! `index.html` (CONTRACT §3): with several scenarios in one command, a page linking each
//! scenario's report with its pass/fail status.

use super::html::{badge, escape, page, table};

/// One scenario of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Scenario name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// Link to its report, relative to the index (`web/report.html`).
    pub report: String,
    /// Expectations that failed (over all its runs).
    pub failed: usize,
    /// Expectations checked (over all its runs).
    pub checked: usize,
}

/// Builds `index.html` for `entries`, in the order given.
pub fn build(entries: &[Entry]) -> String {
    let failing = entries.iter().filter(|e| e.failed > 0).count();
    let mut body = format!(
        "<h1>timonel: {} scenarios {}</h1>\n<p class=\"meta\">{} passed, {} failed.</p>\n",
        entries.len(),
        badge(failing == 0),
        entries.len() - failing,
        failing
    );
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                badge(e.failed == 0).to_string(),
                format!("<a href=\"{}\">{}</a>", escape(&e.report), escape(&e.name)),
                format!(
                    "<span class=\"num\">{} of {}</span>",
                    e.checked - e.failed.min(e.checked),
                    e.checked
                ),
                escape(&e.description),
            ]
        })
        .collect();
    body.push_str(&table(
        "scenarios",
        &["result", "scenario", "expectations held", "description"],
        &rows,
    ));
    page("timonel: scenarios", &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_index_links_each_report_with_its_status() {
        let html = build(&[
            Entry {
                name: "a<b".into(),
                description: "first".into(),
                report: "a<b/report.html".into(),
                failed: 0,
                checked: 2,
            },
            Entry {
                name: "c".into(),
                description: String::new(),
                report: "c/run-0/report.html".into(),
                failed: 1,
                checked: 3,
            },
        ]);
        assert!(html.contains("<a href=\"a&lt;b/report.html\">a&lt;b</a>"));
        assert!(html.contains("<a href=\"c/run-0/report.html\">c</a>"));
        assert!(html.contains("1 passed, 1 failed"));
        assert!(html.contains("2 of 3"));
        assert_eq!(html.matches("badge fail").count(), 2, "the header and c");
    }
}
