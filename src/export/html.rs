//! The frame of the HTML pages (`report.html`, `index.html`): escaping, one stylesheet and a
//! few lines of vanilla JavaScript for filtering tables. Pages load nothing from the network.

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A `PASS`/`FAIL` badge.
pub fn badge(passed: bool) -> &'static str {
    if passed {
        r#"<span class="badge pass">PASS</span>"#
    } else {
        r#"<span class="badge fail">FAIL</span>"#
    }
}

/// A table with a header row; cells are already HTML (escape text before).
pub fn table(id: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("<table id=\"{}\">\n<thead><tr>", escape(id));
    for h in header {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{cell}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

const STYLE: &str = r#"
body { font-family: "Noto Sans", "Helvetica Neue", Arial, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em 1.5em 4em; color: #222; }
h1 { margin-bottom: 0.2em; }
h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.9em; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0.1em 0.5em; border-radius: 0.3em; font-weight: bold; font-size: 0.85em; color: #fff; }
.pass { background: #1a7f37; }
.fail { background: #cf222e; }
tr.Warning td { background: #fff8e1; }
.meta { color: #555; }
figure { margin: 1em 0 2em; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.9em; }
input.filter { width: 24em; padding: 0.3em; margin: 0.3em 0; }
"#;

/// Filtering: every `input.filter` hides the rows of the table named by its `data-table`
/// that do not contain its text.
const SCRIPT: &str = r#"
document.querySelectorAll("input.filter").forEach(function (input) {
  input.addEventListener("input", function () {
    var needle = input.value.toLowerCase();
    var table = document.getElementById(input.getAttribute("data-table"));
    table.querySelectorAll("tbody tr").forEach(function (row) {
      row.style.display = row.textContent.toLowerCase().indexOf(needle) >= 0 ? "" : "none";
    });
  });
});
"#;

/// A complete page: `title` (text) and `body` (HTML).
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}\
         <script>{SCRIPT}</script>\n</body>\n</html>\n",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn tables_escape_headers_but_not_cells() {
        let html = table("t", &["a<b"], &[vec!["<b>x</b>".into()]]);
        assert!(html.contains("<th>a&lt;b</th>"));
        assert!(html.contains("<td><b>x</b></td>"));
    }
}
