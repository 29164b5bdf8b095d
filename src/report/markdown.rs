//! `report.md`: a [`Doc`] as GitHub-flavoured Markdown, figures linked as
//! `plots/*.svg`.

use std::fmt::Write;

use super::document::{Block, Doc, Span, Style};

/// Renders `doc` as Markdown.
pub fn render(doc: &Doc) -> String {
    let mut out = format!("# {}\n", doc.title);
    for b in &doc.blocks {
        out.push('\n');
        block(&mut out, b);
    }
    out
}

fn block(out: &mut String, b: &Block) {
    match b {
        Block::Heading(t) => {
            let _ = writeln!(out, "## {}", escape(t));
        }
        Block::Subheading(t) => {
            let _ = writeln!(out, "### {}", escape(t));
        }
        Block::Para(spans) => {
            let _ = writeln!(out, "{}", spans_md(spans));
        }
        Block::List(items) => {
            for item in items {
                let _ = writeln!(out, "- {}", spans_md(item));
            }
        }
        Block::Table { head, rows } => table(out, head, rows),
        Block::Figure { file, title } => {
            let _ = writeln!(out, "![{}](plots/{file}.svg)", escape(title));
        }
    }
}

fn table(out: &mut String, head: &[String], rows: &[Vec<Vec<Span>>]) {
    let cells: Vec<String> = head.iter().map(|h| cell(h)).collect();
    let _ = writeln!(out, "| {} |", cells.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| cell(&spans_md(c))).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

/// A table cell: pipes escaped so they do not split the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

fn spans_md(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s.style {
            Style::Plain => escape(&s.text),
            Style::Strong | Style::Grade(_) => format!("**{}**", escape(&s.text)),
            Style::Code => format!("`{}`", s.text),
        })
        .collect()
}

/// Escapes the characters Markdown would read as markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::document::plain;

    #[test]
    fn tables_escape_pipes_and_figures_link_svg() {
        let doc = Doc {
            title: "T".into(),
            blocks: vec![
                Block::Table {
                    head: vec!["a".into(), "b".into()],
                    rows: vec![vec![vec![plain("x | y")], vec![plain("2*3")]]],
                },
                Block::Figure {
                    file: "cost".into(),
                    title: "Cost".into(),
                },
            ],
        };
        let md = render(&doc);
        assert!(md.contains("| x \\| y | 2\\*3 |"), "{md}");
        assert!(md.contains("|---|---|"));
        assert!(md.contains("![Cost](plots/cost.svg)"));
    }
}
