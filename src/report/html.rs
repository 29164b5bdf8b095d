//! `report.html`: a [`Doc`] laid into the embedded template, one
//! self-contained file — plots inline as SVG, styles inline, no scripts and
//! nothing fetched from the network, so it opens offline and prints.

use std::fmt::Write;

use super::document::{Block, Doc, Span, Style};
use super::grade::Mark;

/// The page around the report (inline CSS, print rules).
const TEMPLATE: &str = include_str!("report.html");

/// Renders `doc`; `svg(file)` gives the SVG text of a figure by file stem
/// (a figure without one is left out).
pub fn render(doc: &Doc, svg: &dyn Fn(&str) -> Option<String>) -> String {
    let mut body = String::new();
    for b in &doc.blocks {
        block(&mut body, b, svg);
    }
    TEMPLATE
        .replace("{{title}}", &escape(&doc.title))
        .replace("{{body}}", body.trim_end())
}

fn block(out: &mut String, b: &Block, svg: &dyn Fn(&str) -> Option<String>) {
    match b {
        Block::Heading(t) => {
            let _ = writeln!(out, "<h2>{}</h2>", escape(t));
        }
        Block::Subheading(t) => {
            let _ = writeln!(out, "<h3>{}</h3>", escape(t));
        }
        Block::Para(spans) => {
            let _ = writeln!(out, "<p>{}</p>", spans_html(spans));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", spans_html(item));
            }
            out.push_str("</ul>\n");
        }
        Block::Table { head, rows } => table(out, head, rows),
        Block::Figure { file, title } => {
            if let Some(svg) = svg(file) {
                let _ = writeln!(
                    out,
                    "<figure id=\"{file}\">\n{}\n<figcaption>{}</figcaption>\n</figure>",
                    scalable(&svg),
                    escape(title)
                );
            }
        }
    }
}

fn table(out: &mut String, head: &[String], rows: &[Vec<Vec<Span>>]) {
    out.push_str("<table>\n<thead><tr>");
    for h in head {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<td>{}</td>", spans_html(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn spans_html(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s.style {
            Style::Plain => escape(&s.text),
            Style::Strong => format!("<strong>{}</strong>", escape(&s.text)),
            Style::Code => format!("<code>{}</code>", escape(&s.text)),
            Style::Grade(mark) => format!(
                "<span class=\"grade {}\">{}</span>",
                mark_class(mark),
                escape(&s.text)
            ),
        })
        .collect()
}

fn mark_class(mark: Option<Mark>) -> &'static str {
    match mark {
        Some(Mark::Good) => "good",
        Some(Mark::Fair) => "fair",
        Some(Mark::Poor) => "poor",
        None => "none",
    }
}

/// Inline SVG scales with the page only if it has a viewBox: add one from
/// its width and height, and drop any XML declaration.
fn scalable(svg: &str) -> String {
    let svg = svg
        .trim_start()
        .strip_prefix("<?xml")
        .and_then(|rest| rest.split_once("?>").map(|(_, s)| s.trim_start()))
        .unwrap_or(svg.trim_start());
    if svg.contains("viewBox") {
        return svg.to_owned();
    }
    let attr = |name: &str| {
        let key = format!("{name}=\"");
        let start = svg.find(&key)? + key.len();
        let len = svg[start..].find('"')?;
        Some(svg[start..start + len].to_owned())
    };
    match (attr("width"), attr("height")) {
        (Some(w), Some(h)) => svg.replacen("<svg", &format!("<svg viewBox=\"0 0 {w} {h}\""), 1),
        _ => svg.to_owned(),
    }
}

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::plain;

    #[test]
    fn figures_are_inline_and_scalable_and_text_is_escaped() {
        let doc = Doc {
            title: "a < b".into(),
            blocks: vec![
                Block::Para(vec![plain("x & y")]),
                Block::Figure {
                    file: "cost".into(),
                    title: "Cost".into(),
                },
                Block::Figure {
                    file: "missing".into(),
                    title: "Gone".into(),
                },
            ],
        };
        let svg = |f: &str| {
            (f == "cost").then(|| "<svg width=\"960\" height=\"540\"><text>hi</text></svg>".into())
        };
        let html = render(&doc, &svg);
        assert!(html.contains("<title>a &lt; b</title>"));
        assert!(html.contains("<p>x &amp; y</p>"));
        assert!(html.contains("<figure id=\"cost\">\n<svg viewBox=\"0 0 960 540\" width=\"960\""));
        assert!(!html.contains("Gone"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("http://") && !html.contains("https://"));
    }
}
