//! The preview's tree for the Markdown a note holds, and ticking its tasks.

use markdown::{Element, MAX_DEPTH, Node, render, set_task};

/// The tree as compact markup, for comparing: `<a href=…>` with attributes in
/// the order set, text as is (this is a test view, never HTML to parse).
fn show(nodes: &[Node]) -> String {
    let mut out = String::new();
    for node in nodes {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                out.push('<');
                out.push_str(e.name);
                for (k, v) in &e.attrs {
                    out.push_str(&format!(" {k}={v:?}"));
                }
                out.push('>');
                out.push_str(&show(&e.children));
                out.push_str(&format!("</{}>", e.name));
            }
        }
    }
    out
}

fn first_element(nodes: &[Node], name: &str) -> Option<Element> {
    nodes.iter().find_map(|n| match n {
        Node::Element(e) if e.name == name => Some(e.clone()),
        Node::Element(e) => first_element(&e.children, name),
        Node::Text(_) => None,
    })
}

#[test]
fn headings_emphasis_and_code_become_their_elements() {
    let tree =
        render("# Title\n\nSome *soft* and **bold** `code`, ~~gone~~.\n\n```\nlet x = 1;\n```\n");
    assert_eq!(
        show(&tree),
        "<h1>Title</h1><p>Some <em>soft</em> and <strong>bold</strong> <code>code</code>, \
         <del>gone</del>.</p><pre><code>let x = 1;\n</code></pre>"
    );
}

#[test]
fn raw_html_is_text_never_elements() {
    let tree = render("<script>alert(1)</script>\n\nan <img src=x onerror=alert(2)> inline\n");
    let shown = show(&tree);
    assert_eq!(
        shown,
        "<div class=\"raw-html\"><script>alert(1)</script>\n</div>\
         <p>an <img src=x onerror=alert(2)> inline</p>"
    );
    assert!(first_element(&tree, "script").is_none());
    assert!(first_element(&tree, "img").is_none());
}

#[test]
fn web_links_open_in_a_new_tab_without_the_opener() {
    let tree = render("[site](https://example.org \"Example\") and <https://a.example/x>");
    assert_eq!(
        show(&tree),
        "<p><a href=\"https://example.org\" target=\"_blank\" rel=\"noopener noreferrer\" \
         title=\"Example\">site</a> and <a href=\"https://a.example/x\" target=\"_blank\" \
         rel=\"noopener noreferrer\">https://a.example/x</a></p>"
    );
}

#[test]
fn mail_links_are_kept_and_email_autolinks_get_mailto() {
    let tree = render("<ann@example.org> [mail](MAILTO:bob@example.org)");
    let a = first_element(&tree, "a").expect("a link");
    assert_eq!(a.attr("href"), Some("mailto:ann@example.org"));
    assert!(show(&tree).contains("href=\"MAILTO:bob@example.org\""));
}

#[test]
fn script_data_and_relative_links_are_not_clickable() {
    for dest in [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "/api/account",
        "notes#x",
        "vbscript:x",
    ] {
        let tree = render(&format!("[click]({dest})"));
        assert!(first_element(&tree, "a").is_none(), "{dest} is a link");
        assert_eq!(show(&tree), "<p><span class=\"link-off\">click</span></p>");
    }
}

#[test]
fn images_are_links_to_the_picture_showing_their_alt_text() {
    let tree = render("![a cat](https://example.org/cat.png) ![x](javascript:alert(1))");
    assert_eq!(
        show(&tree),
        "<p><a href=\"https://example.org/cat.png\" target=\"_blank\" rel=\"noopener noreferrer\" \
         class=\"image\">a cat</a> <span class=\"link-off image\">x</span></p>"
    );
}

#[test]
fn task_items_get_a_box_named_after_the_item_and_its_source_line() {
    let tree = render("Todo\n\n- [ ] buy *milk*\n- [x] call Ann\n- plain\n");
    assert_eq!(
        show(&tree),
        "<p>Todo</p><ul>\
         <li class=\"task\"><input type=\"checkbox\" data-line=\"2\" aria-label=\"buy milk\">\
         </input>buy <em>milk</em></li>\
         <li class=\"task\"><input type=\"checkbox\" data-line=\"3\" checked=\"\" \
         aria-label=\"call Ann\"></input>call Ann</li>\
         <li>plain</li></ul>"
    );
}

#[test]
fn a_task_in_a_loose_list_or_a_quote_knows_its_line() {
    let tree = render("> quoted\n>\n> - [ ] in a quote\n\n1. [x] one\n\n2. [ ] two\n");
    let shown = show(&tree);
    assert!(
        shown.contains("data-line=\"2\" aria-label=\"in a quote\""),
        "{shown}"
    );
    assert!(shown.contains("data-line=\"4\" checked=\"\""), "{shown}");
    assert!(
        shown.contains("data-line=\"6\" aria-label=\"two\""),
        "{shown}"
    );
}

#[test]
fn tables_have_a_head_and_rows() {
    let tree = render("| a | b |\n|---|---|\n| 1 | 2 |\n");
    assert_eq!(
        show(&tree),
        "<table><thead><tr><th>a</th><th>b</th></tr></thead>\
         <tr><td>1</td><td>2</td></tr></table>"
    );
}

#[test]
fn ticking_a_task_changes_only_its_box() {
    let text = "List\n- [ ] one\n- [ ] two\n  - [X] nested\n";
    assert_eq!(
        set_task(text, 2, true).as_deref(),
        Some("List\n- [ ] one\n- [x] two\n  - [X] nested\n")
    );
    assert_eq!(
        set_task(text, 3, false).as_deref(),
        Some("List\n- [ ] one\n- [ ] two\n  - [ ] nested\n")
    );
}

#[test]
fn ticking_what_is_not_a_task_or_already_so_changes_nothing() {
    let text = "- [ ] one\n- [x] two\n- three\n```\n- [ ] in code\n```\n";
    assert_eq!(set_task(text, 0, false), None);
    assert_eq!(set_task(text, 1, true), None);
    assert_eq!(set_task(text, 2, true), None);
    assert_eq!(set_task(text, 4, true), None);
    assert_eq!(set_task(text, 99, true), None);
}

#[test]
fn a_tick_in_a_quote_or_after_unicode_keeps_the_rest() {
    let text = "Café ✓\n> - [ ] ask Zoë\n";
    assert_eq!(
        set_task(text, 1, true).as_deref(),
        Some("Café ✓\n> - [x] ask Zoë\n")
    );
}

#[test]
fn an_empty_note_previews_as_nothing() {
    assert!(render("").is_empty());
}

fn depth(nodes: &[Node]) -> usize {
    nodes
        .iter()
        .map(|n| match n {
            Node::Element(e) => 1 + depth(&e.children),
            Node::Text(_) => 0,
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn deeply_nested_quotes_and_lists_stop_nesting_but_keep_their_words() {
    for text in [
        format!("{} deep", ">".repeat(100_000)),
        format!("{} deep", "- ".repeat(20_000)),
        format!("{}deep{}", "*_".repeat(10_000), "_*".repeat(10_000)),
    ] {
        let tree = render(&text);
        assert!(depth(&tree) < MAX_DEPTH, "nested {} deep", depth(&tree));
        assert!(show(&tree).contains("deep"));
    }
}
