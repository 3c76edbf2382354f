//! A note's Markdown as a small tree of elements for the UI to create one by
//! one. Nothing here is HTML text: raw HTML in a note becomes text nodes, so
//! it is shown and never parsed or run. Links keep only web and mail
//! addresses and open in a new tab; images are never loaded, only linked.
//! Ticking a task box is an edit of its one source line, so that it merges
//! with edits of other lines like any typed edit.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, LinkType, Options, Parser, Tag};

/// What a note may use besides CommonMark. Each extension is a runtime flag:
/// the parser's code for all of them is linked anyway, so these cost only
/// the few lines that draw them.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

/// One element to create: its tag name, attributes (set as attributes, never
/// as markup) and children.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Element {
    pub name: &'static str,
    pub attrs: Vec<(&'static str, String)>,
    pub children: Vec<Node>,
}

impl Element {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    fn with(mut self, attr: &'static str, value: impl Into<String>) -> Self {
        self.attrs.push((attr, value.into()));
        self
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The address a link may open: web and mail only. Anything else
/// (`javascript:`, `data:`, a relative path that would resolve against the
/// app) is drawn as plain text.
fn safe_href(link_type: LinkType, dest: &str) -> Option<String> {
    if link_type == LinkType::Email {
        return Some(format!("mailto:{dest}"));
    }
    let scheme = dest.get(..dest.find(':')? + 1)?.to_ascii_lowercase();
    matches!(&*scheme, "http:" | "https:" | "mailto:").then(|| dest.to_owned())
}

fn link(link_type: LinkType, dest: &str, title: &str, image: bool) -> Element {
    let mut el = match safe_href(link_type, dest) {
        Some(href) => Element::new("a")
            .with("href", href)
            .with("target", "_blank")
            .with("rel", "noopener noreferrer"),
        None => Element::new("span").with("class", "link-off"),
    };
    if image {
        match el.attrs.iter_mut().find(|(n, _)| *n == "class") {
            Some((_, class)) => class.push_str(" image"),
            None => el.attrs.push(("class", "image".into())),
        }
    }
    if !title.is_empty() {
        el.attrs.push(("title", title.to_owned()));
    }
    el
}

fn heading(level: HeadingLevel) -> &'static str {
    match level {
        HeadingLevel::H1 => "h1",
        HeadingLevel::H2 => "h2",
        HeadingLevel::H3 => "h3",
        HeadingLevel::H4 => "h4",
        HeadingLevel::H5 => "h5",
        HeadingLevel::H6 => "h6",
    }
}

/// Line numbers of byte offsets met in increasing order, counted once.
struct Lines<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl Lines<'_> {
    fn of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset >= self.at {
            let skipped = self
                .text
                .as_bytes()
                .get(self.at..offset)
                .unwrap_or_default();
            self.line += skipped.iter().filter(|b| **b == b'\n').count();
            self.at = offset;
        }
        self.line
    }
}

/// How deep elements nest, at most (the root included).
pub const MAX_DEPTH: usize = 48;

/// The elements open while the tree is built; the bottom one is the root.
struct Builder {
    open: Vec<Element>,
    /// How many elements each open tag opened (a code block is `pre` and
    /// `code`, a table's head `thead` and `tr`).
    depths: Vec<usize>,
    in_head: bool,
}

impl Builder {
    fn top(&mut self) -> &mut Element {
        if self.open.is_empty() {
            self.open.push(Element::new("div"));
        }
        let last = self.open.len() - 1;
        &mut self.open[last]
    }

    fn push(&mut self, node: Node) {
        let children = &mut self.top().children;
        // The parser splits text at every character that might start markup:
        // joined, the preview has one text node per run of text.
        if let (Node::Text(more), Some(Node::Text(text))) = (&node, children.last_mut()) {
            text.push_str(more);
        } else {
            children.push(node);
        }
    }

    fn start(&mut self, elements: Vec<Element>) {
        // Deeper than anyone reads, what is inside goes into the element
        // already open: a pasted line of 100,000 `>` must not nest as deep,
        // as drawing and dropping a tree recurse once per level.
        if self.open.len() + elements.len() > MAX_DEPTH {
            self.depths.push(0);
            return;
        }
        self.depths.push(elements.len());
        self.open.extend(elements);
    }

    fn end(&mut self) {
        for _ in 0..self.depths.pop().unwrap_or(0) {
            if self.open.len() < 2 {
                return;
            }
            if let Some(mut done) = self.open.pop() {
                if done.name == "li" && done.attr("class") == Some("task") {
                    label_task(&mut done);
                }
                self.push(Node::Element(done));
            }
        }
    }

    /// A task box in the item being built, standing for source line `line`.
    fn task(&mut self, checked: bool, line: usize) {
        if let Some(li) = self.open.iter_mut().rev().find(|e| e.name == "li") {
            li.attrs.push(("class", "task".into()));
        }
        let mut input = Element::new("input")
            .with("type", "checkbox")
            .with("data-line", line.to_string());
        if checked {
            input.attrs.push(("checked", String::new()));
        }
        self.push(Node::Element(input));
    }
}

/// The elements a tag opens.
fn open(tag: Tag, in_head: bool) -> Vec<Element> {
    let one = |name| vec![Element::new(name)];
    match tag {
        Tag::Paragraph => one("p"),
        Tag::Heading { level, .. } => one(heading(level)),
        Tag::BlockQuote(_) => one("blockquote"),
        Tag::CodeBlock(_) => vec![Element::new("pre"), Element::new("code")],
        Tag::HtmlBlock => vec![Element::new("div").with("class", "raw-html")],
        Tag::List(Some(start)) if start != 1 => {
            vec![Element::new("ol").with("start", start.to_string())]
        }
        Tag::List(Some(_)) => one("ol"),
        Tag::List(None) => one("ul"),
        Tag::Item => one("li"),
        Tag::Table(_) => one("table"),
        Tag::TableHead => vec![Element::new("thead"), Element::new("tr")],
        Tag::TableRow => one("tr"),
        Tag::TableCell if in_head => one("th"),
        Tag::TableCell => one("td"),
        Tag::Emphasis => one("em"),
        Tag::Strong => one("strong"),
        Tag::Strikethrough => one("del"),
        Tag::Link {
            link_type,
            dest_url,
            title,
            ..
        } => vec![link(link_type, &dest_url, &title, false)],
        // Not loaded (the page's policy forbids other origins' images, and
        // a note must not tell a server it was read): its text, as a link.
        Tag::Image {
            link_type,
            dest_url,
            title,
            ..
        } => vec![link(link_type, &dest_url, &title, true)],
        // Extensions left off: the parser never opens these.
        _ => one("div"),
    }
}

/// The preview of `text`: its top-level elements, in order.
pub fn render(text: &str) -> Vec<Node> {
    let mut b = Builder {
        open: vec![Element::new("div")],
        depths: Vec::new(),
        in_head: false,
    };
    let mut lines = Lines {
        text,
        at: 0,
        line: 0,
    };
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                b.in_head |= matches!(tag, Tag::TableHead);
                let elements = open(tag, b.in_head);
                b.start(elements);
            }
            Event::End(end) => {
                b.in_head &= end != pulldown_cmark::TagEnd::TableHead;
                b.end();
            }
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => b.push(Node::Text(t.into())),
            Event::InlineMath(t) | Event::DisplayMath(t) | Event::FootnoteReference(t) => {
                b.push(Node::Text(t.into()));
            }
            Event::Code(t) => {
                let mut code = Element::new("code");
                code.children.push(Node::Text(t.into()));
                b.push(Node::Element(code));
            }
            Event::SoftBreak => b.push(Node::Text("\n".into())),
            Event::HardBreak => b.push(Node::Element(Element::new("br"))),
            Event::Rule => b.push(Node::Element(Element::new("hr"))),
            Event::TaskListMarker(checked) => b.task(checked, lines.of(range.start)),
        }
    }
    while b.open.len() > 1 {
        b.depths.push(1);
        b.end();
    }
    b.open.pop().map(|root| root.children).unwrap_or_default()
}

/// The words of `nodes`, without those of nested lists.
fn words(nodes: &[Node], out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) if e.name == "ul" || e.name == "ol" => {}
            Node::Element(e) => words(&e.children, out),
        }
    }
}

/// Names a task item's box after the item's words: a screen reader says
/// what ticking it does.
fn label_task(li: &mut Element) {
    let mut text = String::new();
    words(&li.children, &mut text);
    let label = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut stack: Vec<&mut Element> = vec![li];
    while let Some(el) = stack.pop() {
        if el.name == "input" {
            el.attrs.push(("aria-label", label));
            return;
        }
        for child in el.children.iter_mut().rev() {
            if let Node::Element(e) = child {
                stack.push(e);
            }
        }
    }
}

/// `text` with the task box on line `line` (counted from 0) ticked or not,
/// as `done` says; `None` if that line has no task box or it already is.
/// Only the one character in the box changes.
pub fn set_task(text: &str, line: usize, done: bool) -> Option<String> {
    let mut lines = Lines {
        text,
        at: 0,
        line: 0,
    };
    let marker = Parser::new_ext(text, options())
        .into_offset_iter()
        .find_map(|(event, range)| match event {
            Event::TaskListMarker(checked) if lines.of(range.start) == line => {
                Some((checked, range))
            }
            _ => None,
        });
    let (checked, Range { start, end }) = marker?;
    if checked == done {
        return None;
    }
    let inside = start + text.get(start..end)?.find('[')? + 1;
    let mut out = text.to_owned();
    out.replace_range(inside..inside + 1, if done { "x" } else { " " });
    Some(out)
}
